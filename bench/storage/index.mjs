/**
 * Storage suite: `scan`, `count` and `sweep` of N entries through `@vessel/core` (the built
 * package) on SQLite and Redis, side by side with floors — the backend's own tools doing the
 * least work that yields the same answer. Every measured operation runs in a child process
 * (`worker.mjs`), so its peak RSS is its own and not the fill's. Sweeps are in `sweep.mjs`, the
 * measuring in `measure.mjs`, the bulk loading in `fill.mjs`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import { createStorage } from '@vessel/core';
import sqlite3 from 'sqlite3';
import { capture, shellWord } from '../common/measure.mjs';
import { checkLayout, checkSample, deleteRedisPrefix, fillRedis } from './fill.mjs';
import {
  elapsedSince,
  loadSqlite,
  measureFloor,
  measureVessel,
  NAMESPACE,
  NAMESPACE_RANGE,
  PAGE_SIZE,
  REDIS_TTL_MS,
  SQLITE_CLI,
  syncDisks,
} from './measure.mjs';
import { sweepPhase } from './sweep.mjs';

export const description = 'scan/count on sqlite and redis, sweep on sqlite, against the backends’ own tools';

const REDIS_FLOOR = fileURLToPath(new URL('../common/redis-scan-floor.mjs', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

async function redisVersion(url) {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  } catch (error) {
    return { unreachable: error.code ?? error.message };
  } finally {
    if (client.isOpen) await client.close();
  }
}

async function fillPhase(log, { folder, entries, seed, createdAt, redisOptions, rows, facts }) {
  rows.push({ section: 'fill (bench bulk loader, not Vessel; rows byte-identical to Vessel’s)' });
  const live = await loadSqlite(path.join(folder, 'live'), {
    entries,
    seed,
    createdAt,
    expiresAt: () => createdAt + REDIS_TTL_MS,
    checkWith: async (storage, file) => {
      const recordBytes = await checkLayout(storage, { type: 'sqlite', file }, { seed, createdAt });
      log(`sqlite layout matches Vessel (${recordBytes}-byte records); loading ${entries} rows…`);
    },
  });
  rows.push({ operation: 'fill (bulk insert)', backend: 'sqlite', entries, seconds: live.seconds });
  await syncDisks();
  facts.sqliteFileMb = (await stat(live.file)).size / 2 ** 20;
  if (redisOptions) {
    const storage = createStorage(redisOptions);
    try {
      const recordBytes = await checkLayout(storage, { type: 'redis', url: redisOptions.url }, { seed, createdAt });
      log(
        `redis layout matches Vessel (${recordBytes}-byte records); loading ${entries} keys under ${redisOptions.prefix}:…`,
      );
    } finally {
      await storage.close();
    }
    const start = process.hrtime.bigint();
    await fillRedis(redisOptions.url, {
      prefix: redisOptions.prefix,
      namespace: NAMESPACE,
      seed,
      entries,
      createdAt,
      ttlMs: REDIS_TTL_MS,
    });
    rows.push({ operation: 'fill (pipelined SET PX)', backend: 'redis', entries, seconds: elapsedSince(start) });
  }
  // Reads through Vessel must see what the loader wrote.
  for (const options of [live.options, redisOptions].filter(Boolean)) {
    const storage = createStorage(options);
    try {
      const checked = await checkSample(storage.namespace(NAMESPACE), { seed, entries, createdAt });
      log(`${options.type}: ${checked} sampled entries read back through Vessel`);
    } finally {
      await storage.close();
    }
  }
  return live;
}

async function sqliteScanPhase(log, { live, entries, repeat, rows, facts }) {
  rows.push({ section: `scan / count, sqlite (${facts.sqliteFileMb.toFixed(0)} MB file)` });
  const cli = `${SQLITE_CLI} ${shellWord(live.file)}`;
  const floor = { backend: 'sqlite', expected: entries, repeat };
  rows.push(
    await measureFloor(log, {
      ...floor,
      id: 'F1',
      label: 'sqlite3 count(*) in namespace range',
      tool: `${cli} ${shellWord(`select count(*) from vessel where ${NAMESPACE_RANGE}`)}`,
    }),
    await measureFloor(log, {
      ...floor,
      id: 'F2',
      label: 'sqlite3 select key, value | wc -l',
      tool: `${cli} ${shellWord('select key, value from vessel')}`,
      rest: '| wc -l',
    }),
    await measureFloor(log, {
      ...floor,
      id: 'F3',
      label: 'sqlite3 same, range order by key | wc -l',
      tool: `${cli} ${shellWord(`select key, value from vessel where ${NAMESPACE_RANGE} order by key`)}`,
      rest: '| wc -l',
    }),
  );
  const vessel = { backend: 'sqlite', storage: live.options, expected: entries, repeat };
  rows.push(
    await measureVessel(log, { ...vessel, operation: 'count', label: 'count()', compareTo: ['F1'] }),
    await measureVessel(log, {
      ...vessel,
      operation: 'scan-keys',
      label: 'scan({ keysOnly })',
      compareTo: ['F1', 'F3'],
    }),
    await measureVessel(log, { ...vessel, operation: 'scan', label: 'scan() with values', compareTo: ['F2', 'F3'] }),
  );
}

async function redisScanPhase(log, { redisOptions, entries, repeat, rows }) {
  rows.push({ section: 'scan / count, redis' });
  const { hostname, port } = new URL(redisOptions.url);
  const floor = { backend: 'redis', expected: entries, repeat };
  const raw = { url: redisOptions.url, pattern: `${redisOptions.prefix}:${NAMESPACE}::*`, count: PAGE_SIZE };
  rows.push(
    await measureFloor(log, {
      ...floor,
      id: 'F4',
      label: 'redis-cli --scan --pattern | wc -l',
      tool: `redis-cli -h ${shellWord(hostname || '127.0.0.1')} -p ${shellWord(port || '6379')} --scan --pattern ${shellWord(`${redisOptions.prefix}*`)}`,
      rest: '| wc -l',
    }),
    await measureFloor(log, {
      ...floor,
      id: 'F5',
      label: `@redis/client SCAN COUNT ${PAGE_SIZE}`,
      script: REDIS_FLOOR,
      input: { ...raw, values: false },
    }),
    await measureFloor(log, {
      ...floor,
      id: 'F6',
      label: 'same + pipelined GET',
      script: REDIS_FLOOR,
      input: { ...raw, values: true },
    }),
  );
  const vessel = { backend: 'redis', storage: redisOptions, expected: entries, repeat };
  rows.push(
    await measureVessel(log, { ...vessel, operation: 'count', label: 'count()', compareTo: ['F4', 'F5'] }),
    await measureVessel(log, {
      ...vessel,
      operation: 'scan-keys',
      label: 'scan({ keysOnly })',
      compareTo: ['F4', 'F5'],
    }),
    await measureVessel(log, { ...vessel, operation: 'scan', label: 'scan() with values', compareTo: ['F4', 'F6'] }),
  );
}

export async function run({ entries, repeat, dataDir, redisUrl, keep, log }) {
  const runId = `${new Date().toISOString().replaceAll(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const folder = path.join(dataDir, `storage-${runId}`);
  const seed = runId;
  const createdAt = Date.now();
  const rows = [];
  const notes = [];
  const cpus = os.cpus();
  const facts = {
    machine: `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    node: process.version,
    commit: await capture('git', ['-C', REPOSITORY, 'rev-parse', '--short', 'HEAD']),
    storageSourceChanged: Boolean(
      await capture('git', ['-C', REPOSITORY, 'status', '--porcelain', '--', 'packages/core/src/storage']),
    ),
    sqliteLibrary: sqlite3.VERSION,
    sqliteCli: (await capture(SQLITE_CLI, ['--version']))?.split(' ')[0] ?? null,
    redis: await redisVersion(redisUrl),
    redisUrl,
    pageSize: PAGE_SIZE,
    dataDir: folder,
  };
  const redisOptions =
    typeof facts.redis === 'string'
      ? { type: 'redis', url: redisUrl, prefix: `vbench${randomBytes(4).toString('hex')}` }
      : null;
  if (redisOptions) facts.redisPrefix = redisOptions.prefix;
  else notes.push(`redis skipped: cannot reach ${redisUrl} (${facts.redis.unreachable})`);
  await mkdir(folder, { recursive: true });
  try {
    const live = await fillPhase(log, { folder, entries, seed, createdAt, redisOptions, rows, facts });
    await sqliteScanPhase(log, { live, entries, repeat, rows, facts });
    if (redisOptions) await redisScanPhase(log, { redisOptions, entries, repeat, rows });
    if (!keep) await rm(path.dirname(live.file), { recursive: true, force: true });
    await sweepPhase(log, { folder, entries, seed, repeat, rows, keep });
  } finally {
    if (keep) {
      notes.push(
        `kept ${folder}${redisOptions ? ` and redis keys ${redisOptions.prefix}* (they expire by themselves within 2 h)` : ''}`,
      );
    } else {
      if (redisOptions) {
        const deleted = await deleteRedisPrefix(redisUrl, redisOptions.prefix).catch(
          (error) => `failed: ${error.message}`,
        );
        log(`redis: unlinked ${deleted} keys under ${redisOptions.prefix}*`);
      }
      await rm(folder, { recursive: true, force: true });
    }
  }
  for (const row of rows) if (row.warning) notes.push(`WARNING ${row.warning}`);
  return { rows, facts, notes };
}
