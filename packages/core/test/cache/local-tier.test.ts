import { CacheManager, createStorage, type Storage, StorageUnavailableError } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, runId } from '../../../../test-support/backends.js';
import { type PrivateRedis, startPrivateRedis } from '../../../../test-support/private-redis.js';
import { FakeClock } from '../../../../test-support/sessions.js';

describe('the in-process tier in front of redis', () => {
  const prefix = runId();
  let here: Storage;
  let elsewhere: Storage;

  beforeAll(() => {
    // Two storages on one Redis prefix stand for two processes of one deployment.
    here = createStorage({ url: REDIS_URL, prefix });
    elsewhere = createStorage({ url: REDIS_URL, prefix });
  });

  afterAll(async () => {
    await here.namespace('cache:tier').clear();
    await here.namespace('cache:lru').clear();
    await Promise.all([here.close(), elsewhere.close()]);
  });

  it('serves its copy for localTtl, sees its own writes at once, and others’ after the TTL', async () => {
    const clock = new FakeClock();
    const local = new CacheManager({ now: clock.now }, here).getCache('tier', { localMaxEntries: 100, localTtl: 5 });
    const remote = new CacheManager({ now: clock.now }, elsewhere).getCache('tier');
    await remote.set('k', 'v1');
    expect(await local.get('k')).toBe('v1');
    await remote.set('k', 'v2');
    expect(await local.get('k')).toBe('v1');
    clock.advance(6);
    expect(await local.get('k')).toBe('v2');
    await local.set('k', 'v3');
    expect(await local.get('k')).toBe('v3');
    await local.remove('k');
    expect(await local.has('k')).toBe(false);
  });

  it('holds at most localMaxEntries copies, dropping the least recently used', async () => {
    const clock = new FakeClock();
    const local = new CacheManager({ now: clock.now }, here).getCache('lru', { localMaxEntries: 2, localTtl: 60 });
    const remote = new CacheManager({ now: clock.now }, elsewhere).getCache('lru');
    for (const key of ['a', 'b', 'c']) await remote.set(key, `${key}1`);
    for (const key of ['a', 'b', 'c']) expect(await local.get(key)).toBe(`${key}1`);
    for (const key of ['a', 'c']) await remote.set(key, `${key}2`);
    // `a` was evicted by `c`, so it is read again; `c` is still a trusted copy.
    expect(await local.get('a')).toBe('a2');
    expect(await local.get('c')).toBe('c1');
  });
});

describe('grace when the storage fails', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await redis.dispose();
  });

  it('serves the last copy this process saw within grace, fails past it, and recovers after a restart', async () => {
    const clock = new FakeClock();
    const storage = createStorage({ url: redis.url, prefix: 'grace', timeoutMs: 500 });
    const manager = new CacheManager({ now: clock.now }, storage);
    const cache = manager.getCache('prices', { expire: 60, grace: 600, localMaxEntries: 10, localTtl: 1 });
    const failures: unknown[] = [];
    cache.on('failure', ({ error }) => failures.push(error));
    await cache.get('eur', { createfunc: () => 1.08 });

    await redis.stop();
    clock.advance(120);
    const started = Date.now();
    expect(await cache.get('eur', { createfunc: () => 9.99 })).toBe(1.08);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(failures[0]).toBeInstanceOf(StorageUnavailableError);
    expect(cache.stats()).toMatchObject({ staleServed: 1 });
    // Never seen here: nothing to stand in, so the outage is an error, not a miss.
    await expect(cache.get('usd', { createfunc: () => 1 })).rejects.toBeInstanceOf(StorageUnavailableError);
    clock.advance(600);
    await expect(cache.get('eur', { createfunc: () => 9.99 })).rejects.toBeInstanceOf(StorageUnavailableError);

    await redis.start();
    const deadline = Date.now() + 10_000;
    let value: unknown;
    while (Date.now() < deadline) {
      value = await cache.get('eur', { createfunc: () => 1.1 }).catch(() => 'still down');
      if (value !== 'still down') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(value).toBe(1.1);
    await storage.close();
  });
});
