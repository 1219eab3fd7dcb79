import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createStorage,
  createVessel,
  loadConfig,
  normalizeConfig,
  parseFlatConfig,
  resolveStorageOptions,
  sessionStorageInput,
  sharedStorageInput,
} from '@vessel/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const POSTGRES_URL = process.env.VESSEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'one-config-test-secret-of-32-bytes-or-more';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vessel-one-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('createVessel(await loadConfig(file))', () => {
  it('is the whole wiring from an ini file', async () => {
    const file = path.join(dir, 'development.ini');
    await writeFile(
      file,
      ['[app:main]', 'cache_dir = %(here)s/data', 'beaker.session.key = foo', `beaker.session.secret = ${SECRET}`].join(
        '\n',
      ),
    );
    const vessel = createVessel(await loadConfig(file));
    try {
      expect(vessel.configFile).toBe(file);
      expect(vessel.storage.type).toBe('sqlite');
      expect(vessel.config.cacheDir).toBe(path.join(dir, 'data'));
      expect(vessel.config.session.key).toBe('foo');
      const session = vessel.sessions.create();
      session.set('user', 'ada');
      await session.save();
      const reader = createStorage({ cacheDir: path.join(dir, 'data') });
      expect(await reader.namespace('session').has(session.id)).toBe(true);
      await reader.close();
    } finally {
      await vessel.close();
    }
  });

  it('names the file in a message about a bad value', () => {
    expect(() => createVessel({ configFile: '/srv/app.ini', timeoutMs: 0 })).toThrow(
      /^timeoutMs: .*\(in \/srv\/app\.ini\)$/,
    );
  });
});

describe('one storage resolver', () => {
  it('gives sessions on their own URL the shared settings they do not set', async () => {
    const config = await loadConfig(undefined, { cwd: dir });
    expect(sessionStorageInput(config)).toBeUndefined();
    const own = sessionStorageInput({
      ...config,
      prefix: 'app',
      schema: 'tenant',
      poolSize: 3,
      timeoutMs: 900,
      session: { ...config.session, url: POSTGRES_URL },
    });
    expect(own).toMatchObject({ url: POSTGRES_URL, prefix: 'app', schema: 'tenant', poolSize: 3, timeoutMs: 900 });
  });

  it('opens the sessions’ own storage only when they name another one', () => {
    const config = { ...sharedConfig(), type: 'file' as const, cacheDir: dir };
    expect(sessionStorageInput({ ...config, session: { ...config.session, type: 'file' } })).toBeUndefined();
    expect(sessionStorageInput({ ...config, session: { ...config.session, type: 'cookie' } })).toBeUndefined();
    expect(sessionStorageInput({ ...config, session: { ...config.session, type: 'sqlite' } })).toMatchObject({
      type: 'sqlite',
      cacheDir: dir,
    });
  });

  it('puts sessions on their own PostgreSQL URL in the configured schema (where session-inspect reads)', async () => {
    const schema = `vt_${randomBytes(4).toString('hex')}`;
    const vessel = createVessel({
      cacheDir: dir,
      schema,
      session: { secret: SECRET, url: POSTGRES_URL },
    });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const session = vessel.sessions.create();
      session.set('n', 1);
      await session.save();
      const { rows } = await client.query<{ count: string }>(`SELECT count(*) FROM ${schema}.vessel`);
      expect(Number(rows[0]?.count)).toBe(1);
    } finally {
      await vessel.close();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});

function sharedConfig() {
  const vessel = createVessel({ type: 'memory' });
  void vessel.close();
  expect(sharedStorageInput(vessel.config)).toMatchObject({ type: 'memory' });
  return vessel.config;
}

describe('storage settings from configuration', () => {
  it('reads the breaker, memory bounds and sweep period, flat and as objects', () => {
    const flat = parseFlatConfig({
      'breaker.failure_threshold': '3',
      'breaker.cool_down_ms': '500',
      max_entries: '10',
      sweep_interval_ms: '0',
    });
    expect(flat).toEqual({ breaker: { failureThreshold: 3, coolDownMs: 500 }, maxEntries: 10, sweepIntervalMs: 0 });
    expect(parseFlatConfig({ breaker: 'off' }).breaker).toBe(false);
    expect(normalizeConfig({ breaker: { maxInFlight: 7 } }).breaker).toEqual({ maxInFlight: 7 });
  });

  it('refuses bad values and mixed spellings, naming the option', () => {
    expect(() => parseFlatConfig({ 'breaker.failure_treshold': '3' })).toThrow(
      'breaker.failure_treshold: unknown option; did you mean breaker.failure_threshold?',
    );
    expect(() => parseFlatConfig({ breaker: 'false', 'breaker.max_in_flight': '3' })).toThrow(
      'breaker: set along with breaker.* options; give one or the other',
    );
    expect(() => normalizeConfig({ maxEntries: 0 })).toThrow(/^maxEntries: expected an integer of at least 1/);
  });

  it('hands them to the storage createVessel opens', async () => {
    const config = normalizeConfig({ type: 'memory', breaker: false, maxEntries: 2, sweepIntervalMs: 0 });
    expect(resolveStorageOptions(sharedStorageInput(config))).toMatchObject({
      type: 'memory',
      breaker: false,
      maxEntries: 2,
      sweepIntervalMs: 0,
    });
    const vessel = createVessel({ type: 'memory', maxEntries: 2 });
    try {
      const namespace = vessel.storage.namespace('bounded');
      for (const key of ['a', 'b', 'c']) await namespace.set(key, 1);
      expect(await namespace.count()).toBeLessThanOrEqual(2);
    } finally {
      await vessel.close();
    }
  });
});
