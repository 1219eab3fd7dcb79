import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, createCluster } from '@redis/client';
import { createStorage, type Storage, type StorageInput, type StorageType } from '@vessel/core';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { inject } from 'vitest';
import { FileAdapter } from '../packages/core/src/storage/backends/file/adapter.js';
import { createFileDriver } from '../packages/core/src/storage/backends/file/file.js';

/**
 * The stored text Vessel writes for a record (`{ value, expires }`), for `writeRaw`: a well-formed
 * record that holds something other than what a suite expects (not a session, say).
 */
export { serializeRecord } from '../packages/core/src/storage/encoding/record.js';

/** Real servers the suites talk to; CI starts them (see .ci/run). */
export const REDIS_URL = process.env.VESSEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.VESSEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A unique, valid prefix / schema name for one test run. */
export function runId(): string {
  return `vt${randomBytes(5).toString('hex')}`;
}

/** One backend under test: how to make a storage on it, write raw bytes, and clean up. */
export interface BackendCase {
  /** Display name (`redis-cluster` is a `redis` storage on a private cluster). */
  readonly name: string;
  readonly type: StorageType;
  /** A fresh, empty storage of this backend; `extra` is merged into its options. */
  open(extra?: Partial<StorageInput>): Promise<OpenBackend>;
}

export interface OpenBackend {
  readonly storage: Storage;
  /** The options used, to open a second storage on the same data (another "process"). */
  readonly input: StorageInput;
  /** Stores `text` as-is under a full key, bypassing Vessel (corruption, foreign keys). */
  writeRaw?(fullKey: string, text: string): Promise<void>;
  /** Lists every raw key the backend holds for this run, foreign ones included. */
  rawKeys?(): Promise<string[]>;
  /**
   * The expiry the backend itself keeps for a full key, read around Vessel (SQL's `expires`
   * column, the file's record field): ms since the epoch, `null` for none, `undefined` when absent.
   */
  rawExpiresAt?(fullKey: string): Promise<number | null | undefined>;
  /** Redis: the key's `PTTL` in ms, `null` for no TTL, `undefined` when absent. */
  rawTtlMs?(fullKey: string): Promise<number | null | undefined>;
  /** Closes the storage and removes everything this run created. */
  cleanup(): Promise<void>;
}

/** The folder a case keeps its files in: `extra.cacheDir` when the test names one, else a fresh temp folder. */
async function cacheDirFor(extra: Partial<StorageInput>): Promise<string> {
  const given = (extra as { cacheDir?: string }).cacheDir;
  return given ?? mkdtemp(path.join(tmpdir(), 'vessel-test-'));
}

/** `PTTL`'s reply as `rawTtlMs` reports it. */
function ttlOf(pttl: number): number | null | undefined {
  return pttl === -2 ? undefined : pttl === -1 ? null : pttl;
}

/** Runs `sql` on a SQLite database file around Vessel, as another tool would, and returns its rows. */
export function sqliteExec(file: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file);
    db.all(sql, params, (error, rows) => {
      db.close();
      if (error) reject(error);
      else resolve(rows);
    });
  });
}

const memory: BackendCase = {
  name: 'memory',
  type: 'memory',
  async open(extra = {}) {
    const input: StorageInput = { type: 'memory', ...extra };
    const storage = createStorage(input);
    return { storage, input, cleanup: () => storage.close() };
  },
};

const file: BackendCase = {
  name: 'file',
  type: 'file',
  async open(extra = {}) {
    const cacheDir = await cacheDirFor(extra);
    const input: StorageInput = { type: 'file', ...extra, cacheDir };
    const storage = createStorage(input);
    return {
      storage,
      input,
      async writeRaw(fullKey, text) {
        // The driver's own adapter writes the file at the path Vessel would read.
        await createFileDriver({ type: 'file', cacheDir }).createAdapter().set(fullKey, text);
      },
      async rawKeys() {
        // The header line of every entry file names its full key.
        const keys: string[] = [];
        for await (const [key] of new FileAdapter(path.resolve(cacheDir)).iterator()) keys.push(key);
        return keys.sort();
      },
      async rawExpiresAt(fullKey) {
        const text = await createFileDriver({ type: 'file', cacheDir }).createAdapter().get<string>(fullKey);
        return text === undefined ? undefined : ((JSON.parse(text) as { expires: number | null }).expires ?? null);
      },
      async cleanup() {
        await storage.close();
        await rm(cacheDir, { recursive: true, force: true });
      },
    };
  },
};

const sqlite: BackendCase = {
  name: 'sqlite',
  type: 'sqlite',
  async open(extra = {}) {
    const cacheDir = await cacheDirFor(extra);
    const input: StorageInput = { type: 'sqlite', ...extra, cacheDir };
    const storage = createStorage(input);
    const dbFile = path.join(cacheDir, 'vessel.sqlite');
    return {
      storage,
      input,
      async writeRaw(fullKey, text) {
        await storage.ping();
        await sqliteExec(dbFile, 'INSERT OR REPLACE INTO vessel (key, value) VALUES (?, ?)', [fullKey, text]);
      },
      async rawKeys() {
        const rows = (await sqliteExec(dbFile, 'SELECT key FROM vessel ORDER BY key')) as { key: string }[];
        return rows.map((row) => row.key);
      },
      async rawExpiresAt(fullKey) {
        const rows = await sqliteExec(dbFile, 'SELECT expires FROM vessel WHERE key = ?', [fullKey]);
        return (rows[0] as { expires: number | null } | undefined)?.expires;
      },
      async cleanup() {
        await storage.close();
        await rm(cacheDir, { recursive: true, force: true });
      },
    };
  },
};

const redis: BackendCase = {
  name: 'redis',
  type: 'redis',
  async open(extra = {}) {
    const prefix = runId();
    const input: StorageInput = { type: 'redis', url: REDIS_URL, prefix, ...extra };
    const storage = createStorage(input);
    const raw = createClient({ url: REDIS_URL });
    raw.on('error', () => {});
    await raw.connect();
    const foreignPattern = `${prefix}*`;
    return {
      storage,
      input,
      async writeRaw(fullKey, text) {
        await raw.set(fullKey, text);
      },
      async rawKeys() {
        const keys: string[] = [];
        for await (const batch of raw.scanIterator({ MATCH: foreignPattern, COUNT: 1000 })) keys.push(...batch);
        return keys.sort();
      },
      rawTtlMs: async (fullKey) => ttlOf(await raw.pTTL(fullKey)),
      async cleanup() {
        await storage.close();
        for await (const batch of raw.scanIterator({ MATCH: foreignPattern, COUNT: 1000 })) {
          if (batch.length > 0) await raw.unlink(batch);
        }
        await raw.close();
      },
    };
  },
};

const postgres: BackendCase = {
  name: 'postgres',
  type: 'postgres',
  async open(extra = {}) {
    const schema = runId();
    const input: StorageInput = { type: 'postgres', url: POSTGRES_URL, schema, ...extra };
    const storage = createStorage(input);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    return {
      storage,
      input,
      async writeRaw(fullKey, text) {
        await storage.ping();
        await client.query(
          `INSERT INTO ${schema}.vessel (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
          [fullKey, text],
        );
      },
      async rawKeys() {
        const { rows } = await client.query<{ key: string }>(`SELECT key FROM ${schema}.vessel ORDER BY key`);
        return rows.map((row) => row.key);
      },
      async rawExpiresAt(fullKey) {
        const { rows } = await client.query<{ expires: string | null }>(
          `SELECT expires FROM ${schema}.vessel WHERE key = $1`,
          [fullKey],
        );
        const row = rows[0];
        return row === undefined ? undefined : row.expires === null ? null : Number(row.expires);
      },
      async cleanup() {
        await storage.close();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  },
};

const redisCluster: BackendCase = {
  name: 'redis-cluster',
  type: 'redis',
  async open(extra = {}) {
    // The cluster itself is started once per test run by test-support/global-setup.ts.
    const seeds = inject('redisClusterSeeds');
    const prefix = runId();
    const input: StorageInput = { type: 'redis', cluster: seeds, prefix, ...extra };
    const storage = createStorage(input);
    const raw = createCluster({ rootNodes: seeds.map((url) => ({ url })) });
    raw.on('error', () => {});
    await raw.connect();
    const eachMaster = async (visit: (node: Awaited<ReturnType<typeof raw.nodeClient>>) => Promise<void>) => {
      for (const master of raw.masters) await visit(await raw.nodeClient(master));
    };
    return {
      storage,
      input,
      async writeRaw(fullKey, text) {
        await raw.set(fullKey, text);
      },
      async rawKeys() {
        const keys: string[] = [];
        await eachMaster(async (node) => {
          for await (const batch of node.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
        });
        return keys.sort();
      },
      rawTtlMs: async (fullKey) => ttlOf(await raw.pTTL(fullKey)),
      async cleanup() {
        await storage.close();
        await eachMaster(async (node) => {
          for await (const batch of node.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
            for (const key of batch) await node.unlink(key);
          }
        });
        await raw.close();
      },
    };
  },
};

/** Every backend, in the order the conformance suite runs them. */
export const BACKENDS: readonly BackendCase[] = [memory, file, sqlite, redis, redisCluster, postgres];
