import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@redis/client';
import { ConfigError, createStorage, StorageUnavailableError } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test-support/ports.js';
import { type PrivateRedis, startPrivateRedis } from '../../../../test-support/private-redis.js';

describe('unreachable backends fail fast and say where', () => {
  it('redis: names the URL and the reason within the timeout', async () => {
    const port = await freePort();
    const storage = createStorage({ url: `redis://127.0.0.1:${port}`, timeoutMs: 1000 });
    const started = Date.now();
    const error = await storage
      .namespace('session')
      .get('abc')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toBe(`cannot reach redis://127.0.0.1:${port}: ECONNREFUSED`);
    expect(Date.now() - started).toBeLessThan(3000);
    await storage.close();
  });

  it('redis: masks the password in every message', async () => {
    const port = await freePort();
    const storage = createStorage({ url: `redis://app:s3cret@127.0.0.1:${port}/2`, timeoutMs: 500 });
    const error = (await storage.ping().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toContain('redis://app:***@127.0.0.1');
    expect(error.message).not.toContain('s3cret');
    expect(storage.location).not.toContain('s3cret');
    await storage.close();
  });

  it('postgres: names the URL and the reason within the timeout', async () => {
    const port = await freePort();
    const storage = createStorage({ url: `postgres://vessel:hunter2@127.0.0.1:${port}/test`, timeoutMs: 1000 });
    const error = (await storage
      .namespace('session')
      .set('abc', 1)
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toBe(`cannot reach postgres://vessel:***@127.0.0.1:${port}/test: ECONNREFUSED`);
    await storage.close();
  });

  it('sqlite: a folder that cannot be created is an unavailable storage, not a crash', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vessel-notdir-'));
    const notADir = path.join(dir, 'plain-file');
    await writeFile(notADir, 'not a folder');
    const storage = createStorage({ cacheDir: path.join(notADir, 'data') });
    const error = (await storage
      .namespace('session')
      .get('abc')
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toContain(`cannot reach sqlite ${notADir}/data/vessel.sqlite: `);
    expect(error.message).toContain('ENOTDIR');
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('a redis outage is an error, never a miss, and service resumes by itself', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await redis.dispose();
  });

  it('rejects during the outage within seconds, then reads the same data after the restart', async () => {
    const storage = createStorage({ url: redis.url, prefix: 'outage', timeoutMs: 1000 });
    const sessions = storage.namespace('session');
    await sessions.set('ada', { user: 'ada' }, { ttlMs: 600_000 });

    await redis.stop();
    const started = Date.now();
    const error = await sessions.get('ada').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(Date.now() - started).toBeLessThan(2500);
    await expect(sessions.set('bob', 1)).rejects.toBeInstanceOf(StorageUnavailableError);

    await redis.start();
    const deadline = Date.now() + 10_000;
    let value: unknown;
    while (Date.now() < deadline) {
      value = await sessions.get('ada').catch(() => 'still down');
      if (value !== 'still down') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(value).toEqual({ user: 'ada' });
    await storage.close();
  });

  it('compare-and-set still works after the server forgot its scripts', async () => {
    const storage = createStorage({ url: redis.url, prefix: 'noscript', timeoutMs: 2000 });
    const ns = storage.namespace('session');
    await ns.set('k', { n: 1 });
    const first = await ns.getVersioned('k');
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.scriptFlush();
      const written = await ns.setIfVersion('k', first?.version ?? '', { n: 2 });
      expect(written).not.toBe(false);
      await admin.scriptFlush();
      // The old version no longer matches: refused, not overwritten.
      expect(await ns.setIfVersion('k', first?.version ?? '', { n: 3 })).toBe(false);
      expect(await ns.get('k')).toEqual({ n: 2 });
    } finally {
      await admin.close();
      await storage.close();
    }
  });

  it('a server that stops answering (SIGSTOP) times out instead of hanging', async () => {
    const storage = createStorage({ url: redis.url, prefix: 'hang', timeoutMs: 500 });
    const ns = storage.namespace('session');
    await ns.set('x', 1);
    redis.pause();
    try {
      const started = Date.now();
      const error = (await ns.get('x').catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error.message).toMatch(/no answer within 500 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      redis.resume();
    }
    await storage.close();
  });
});

describe('storage options are validated and errors name the option', () => {
  it.each([
    [{ type: 'mongo' }, /^type: expected one of sqlite, file, redis, postgres, memory, got "mongo"$/],
    [{ url: 'mysql://localhost/db' }, /^url: unsupported scheme in "mysql:\/\/localhost\/db"/],
    [{ type: 'redis', url: 'postgres://x/y' }, /^url: "postgres:\/\/x\/y" does not fit type "redis"$/],
    [{ type: 'file' }, /^cacheDir: the file backend needs a folder/],
    [{ type: 'postgres' }, /^url: the postgres backend needs a postgres:\/\/ url$/],
    [{ prefix: 'my app' }, /^prefix: expected 1-64 letters/],
    [{ timeoutMs: -5 }, /^timeoutMs: expected a positive whole number, got -5$/],
    [
      { type: 'postgres', url: 'postgres://x/y', schema: 'Robert"); DROP' },
      /^schema: expected a lower-case SQL identifier/,
    ],
  ] as const)('%o', (input, message) => {
    const attempt = () => createStorage(input as never);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('infers the backend from the URL or folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vessel-infer-'));
    const cases = [
      [{}, 'memory'],
      [{ cacheDir: dir }, 'sqlite'],
      [{ url: 'redis://127.0.0.1:6379' }, 'redis'],
      [{ url: 'rediss://127.0.0.1:6380' }, 'redis'],
      [{ url: 'postgresql://postgres@127.0.0.1/test' }, 'postgres'],
      [{ url: `sqlite://${dir}/other.sqlite` }, 'sqlite'],
    ] as const;
    for (const [input, type] of cases) {
      const storage = createStorage(input);
      expect(storage.type).toBe(type);
      await storage.close();
    }
    await rm(dir, { recursive: true, force: true });
  });
});
