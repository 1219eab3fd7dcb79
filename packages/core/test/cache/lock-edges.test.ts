import path from 'node:path';
import {
  type Cache,
  CacheManager,
  createStorage,
  type GetCacheOptions,
  LockLostError,
  LockTimeoutError,
  StorageUnavailableError,
} from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend, sqliteExec } from '../../../../test-support/backends.js';
import { freePort } from '../../../../test-support/ports.js';
import { startPrivateRedis } from '../../../../test-support/private-redis.js';
import { FakeClock } from '../../../../test-support/sessions.js';
import { deferred, until } from '../../../../test-support/waiting.js';

/**
 * Starts `get('k')` on `cache` with a createfunc held open until `finish()` (which resolves it with
 * `'made'` and returns what the get answered); resolves once createfunc runs. `failures` collects
 * the cache's failure events from then on.
 */
async function holdCreation(cache: Cache): Promise<{ failures: unknown[]; finish(): Promise<unknown> }> {
  const failures: unknown[] = [];
  cache.on('failure', ({ error }) => failures.push(error));
  const gate = deferred<string>();
  let calls = 0;
  const creator = cache.get('k', {
    createfunc: () => {
      calls++;
      return gate.promise;
    },
  });
  await until(() => calls === 1);
  return {
    failures,
    finish: () => {
      gate.resolve('made');
      return creator;
    },
  };
}

/** Whether another holder could take `key`'s lock in `cache`'s namespace right now (taking and releasing it). */
async function lockIsFree(open: OpenBackend, cache: Cache, key: string): Promise<boolean> {
  try {
    const lock = await open.storage.namespace(`cache:${cache.name}`).lock(key, { waitMs: 0 });
    await lock.release();
    return true;
  } catch (error) {
    if (error instanceof LockTimeoutError) return false;
    throw error;
  }
}

const LOCKING = BACKENDS.filter((backend) => backend.name === 'sqlite' || backend.name === 'redis');

describe.each(LOCKING)('the creator’s storage lock: $name', (backend) => {
  let open: OpenBackend;
  let clock: FakeClock;
  let counter = 0;

  beforeAll(async () => {
    open = await backend.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  function freshCache(options: GetCacheOptions = {}): Cache {
    clock = new FakeClock();
    return new CacheManager({ now: clock.now }, open.storage).getCache(`l${++counter}`, options);
  }

  it('is held while createfunc runs and free once the value is stored', async () => {
    const cache = freshCache({ expire: 60 });
    const gate = deferred<string>();
    let calls = 0;
    const creator = cache.get('k', {
      createfunc: () => {
        calls++;
        return gate.promise;
      },
    });
    await until(() => calls === 1);
    expect(await lockIsFree(open, cache, 'k')).toBe(false);
    gate.resolve('made');
    expect(await creator).toBe('made');
    expect(await lockIsFree(open, cache, 'k')).toBe(true);
  });

  it('is free again after createfunc fails', async () => {
    const cache = freshCache({ expire: 60 });
    await expect(cache.get('k', { createfunc: () => Promise.reject(new Error('boom')) })).rejects.toThrow('boom');
    expect(await lockIsFree(open, cache, 'k')).toBe(true);
  });

  it('while another process holds it, a stale value is served at once: no wait, no createfunc', async () => {
    const cache = freshCache({ expire: 10, waitTimeout: 1 });
    await cache.set('k', 'stale');
    clock.advance(11);
    const held = await open.storage.namespace(`cache:${cache.name}`).lock('k', { ttlMs: 30_000 });
    try {
      let calls = 0;
      expect(await cache.get('k', { createfunc: () => ++calls })).toBe('stale');
      expect(calls).toBe(0);
      expect(cache.stats()).toMatchObject({ waits: 0, staleServed: 1, creations: 0 });
    } finally {
      await held.release();
    }
  });

  it('a caller that waited for another process’s lock takes the value that process stored', async () => {
    const cache = freshCache({ expire: 60 });
    const elsewhere = new CacheManager({ now: clock.now }, open.storage).getCache(cache.name, { expire: 60 });
    const held = await open.storage.namespace(`cache:${cache.name}`).lock('k', { ttlMs: 30_000 });
    let calls = 0;
    const waiting = cache.get('k', { createfunc: () => `mine ${++calls}` });
    try {
      await until(() => cache.stats().waits === 1);
      await elsewhere.set('k', 'theirs');
    } finally {
      await held.release();
    }
    expect(await waiting).toBe('theirs');
    expect(calls).toBe(0);
    expect(cache.stats()).toMatchObject({ misses: 1, waits: 1, creations: 0 });
  });

  it('a caller that waited for another process’s lock recreates a value that is still the stale one it saw', async () => {
    const cache = freshCache({ expire: 10, staleWhileRecreate: 0 });
    await cache.set('k', 'stale');
    clock.advance(11);
    const held = await open.storage.namespace(`cache:${cache.name}`).lock('k', { ttlMs: 30_000 });
    const waiting = cache.get('k', { createfunc: () => 'recreated' });
    try {
      await until(() => cache.stats().waits === 1);
    } finally {
      await held.release();
    }
    expect(await waiting).toBe('recreated');
  });

  it('a waiter whose creator failed runs its own createfunc rather than hand out the stale copy', async () => {
    const cache = freshCache({ expire: 10, staleWhileRecreate: 0 });
    await cache.set('k', 'stale');
    clock.advance(11);
    const gate = deferred<string>();
    let calls = 0;
    const createfunc = () => (++calls === 1 ? gate.promise : 'second try');
    const creator = cache.get('k', { createfunc });
    await until(() => calls === 1);
    const waiter = cache.get('k', { createfunc });
    await until(() => cache.stats().waits === 1);
    gate.reject(new Error('database down'));
    await expect(creator).rejects.toThrow('database down');
    expect(await waiter).toBe('second try');
    expect(calls).toBe(2);
  });

  it('a waiter whose creator failed takes a fresh value another process stored meanwhile', async () => {
    const cache = freshCache({ expire: 60 });
    const elsewhere = new CacheManager({ now: clock.now }, open.storage).getCache(cache.name, { expire: 60 });
    const gate = deferred<string>();
    let calls = 0;
    const createfunc = () => (++calls === 1 ? gate.promise : 'second try');
    const creator = cache.get('k', { createfunc });
    await until(() => calls === 1);
    const waiter = cache.get('k', { createfunc });
    await until(() => cache.stats().waits === 1);
    await elsewhere.set('k', 'theirs');
    gate.reject(new Error('database down'));
    await expect(creator).rejects.toThrow('database down');
    expect(await waiter).toBe('theirs');
    expect(calls).toBe(1);
  });

  it('returns a value the storage cannot keep, reports why, and makes it again next time', async () => {
    const cache = freshCache({ expire: 60 });
    const failures: unknown[] = [];
    cache.on('failure', ({ error }) => failures.push(error));
    const unstorable = { run: () => 'code' };
    expect(await cache.get('k', { createfunc: () => unstorable })).toBe(unstorable);
    expect(failures).toEqual([expect.any(TypeError)]);
    expect(String(failures[0])).toMatch(/cannot store a function/);
    expect(await cache.has('k')).toBe(false);
    expect(await cache.get('k', { createfunc: () => 'storable' })).toBe('storable');
    expect(cache.stats()).toMatchObject({ creations: 2, errors: 1 });
  });
});

describe('renewing the creator’s lock (sqlite, on a fake clock)', () => {
  let open: OpenBackend;
  let file: string;
  let counter = 0;

  beforeAll(async () => {
    open = await (BACKENDS.find((backend) => backend.name === 'sqlite') as (typeof BACKENDS)[number]).open();
    await open.storage.ping();
    file = path.join((open.input as { cacheDir: string }).cacheDir, 'vessel.sqlite');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  /** Runs `sql` on the database file around Vessel, as another tool would. */
  const sqlite = (sql: string, params: unknown[] = []) => sqliteExec(file, sql, params);

  /** When the lock on `key` of `cache` expires, as the storage keeps it (fake ms); undefined when not held. */
  async function lockExpiry(cache: Cache, key: string): Promise<number | undefined> {
    const rows = (await sqlite('SELECT expires FROM vessel_locks WHERE key = ?', [
      `${open.storage.prefix}:__lock__:cache:${cache.name}::${key}`,
    ])) as { expires: number }[];
    return rows[0]?.expires;
  }

  /** Waits until the stored expiry of the lock differs from `seen`, for at most 5 s of real time. */
  async function nextExpiry(cache: Cache, key: string, seen: number | undefined): Promise<number | undefined> {
    const giveUpAt = performance.now() + 5_000;
    let expiry = seen;
    await until(async () => {
      expiry = await lockExpiry(cache, key);
      return expiry !== seen || performance.now() > giveUpAt;
    });
    // Let the renewal's own callbacks finish before the test moves the clock again.
    await new Promise((resolve) => setImmediate(resolve));
    return expiry;
  }

  /** A cache whose creator is held in `createfunc` (lockTtl 3 s: renewed every 1000 ms) until `finish`. */
  async function holdCreator(): Promise<{ cache: Cache; failures: unknown[]; finish(): Promise<unknown> }> {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const cache = new CacheManager({}, open.storage).getCache(`renew${++counter}`, {
      expire: 60,
      lockTtl: 3,
      createTimeout: 60,
    });
    return { cache, ...(await holdCreation(cache)) };
  }

  it('renews the lock to lockTtl every third of lockTtl while createfunc runs, and stops once it is done', async () => {
    const { cache, failures, finish } = await holdCreator();
    const takenAt = Date.now();
    expect(await lockExpiry(cache, 'k')).toBe(takenAt + 3_000);
    vi.advanceTimersByTime(999);
    vi.advanceTimersByTime(1);
    expect(await nextExpiry(cache, 'k', takenAt + 3_000)).toBe(takenAt + 4_000);
    vi.advanceTimersByTime(1_000);
    expect(await nextExpiry(cache, 'k', takenAt + 4_000)).toBe(takenAt + 5_000);
    // Past the lockTtl it was taken with, nobody else can take it.
    vi.advanceTimersByTime(1_500);
    expect(await lockIsFree(open, cache, 'k')).toBe(false);
    expect(await finish()).toBe('made');
    expect(vi.getTimerCount()).toBe(0);
    expect(await lockExpiry(cache, 'k')).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it('reports a lock lost under the creator once, and stops renewing it', async () => {
    const { cache, failures, finish } = await holdCreator();
    const lost = new Promise<unknown>((resolve) =>
      cache.on('failure', ({ error }) => {
        if (error instanceof LockLostError) resolve(error);
      }),
    );
    await sqlite('DELETE FROM vessel_locks');
    vi.advanceTimersByTime(1_000);
    expect(await lost).toBeInstanceOf(LockLostError);
    expect(vi.getTimerCount()).toBe(0);
    expect(await finish()).toBe('made');
    expect(failures).toEqual([expect.any(LockLostError)]);
  });
});

describe('waiting in this process (on a fake clock)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives up on a creator after waitTimeout, to the millisecond, and the creator still finishes', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const storage = createStorage({ type: 'memory' });
    const cache = new CacheManager({}, storage).getCache('waits', { expire: 60, waitTimeout: 1 });
    const gate = deferred<string>();
    let calls = 0;
    const createfunc = () => {
      calls++;
      return gate.promise;
    };
    const creator = cache.get('k', { createfunc });
    await until(() => calls === 1);
    let outcome: unknown;
    const waiter = cache.get('k', { createfunc }).then(
      (value) => {
        outcome = { value };
      },
      (error: unknown) => {
        outcome = error;
      },
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await waiter;
    expect(outcome).toBeInstanceOf(LockTimeoutError);
    expect(String(outcome)).toContain('lock on "k" in namespace "cache:waits"');
    gate.resolve('made');
    expect(await creator).toBe('made');
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    await storage.close();
  });

  it('a waiter whose creator fails at the waitTimeout deadline gives up rather than start a creation', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const storage = createStorage({ type: 'memory' });
    const cache = new CacheManager({}, storage).getCache('deadline', { expire: 60, waitTimeout: 1 });
    const gate = deferred<string>();
    let calls = 0;
    const createfunc = () => (++calls === 1 ? gate.promise : 'made by the waiter');
    const creator = cache.get('k', { createfunc });
    await until(() => calls === 1);
    const waiter = cache.get('k', { createfunc });
    await until(() => cache.stats().waits === 1);
    // The clock reaches the deadline without firing the waiter's timer; then the creator fails.
    vi.setSystemTime(Date.now() + 1_000);
    gate.reject(new Error('database down'));
    await expect(creator).rejects.toThrow('database down');
    await expect(waiter).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(waiter).rejects.toThrow('lock on "k" in namespace "cache:deadline"');
    expect(calls).toBe(1);
    await storage.close();
  });

  it('leaves no timer behind once a creation and its waiters are done', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const storage = createStorage({ type: 'memory' });
    const cache = new CacheManager({}, storage).getCache('timers', { expire: 60 });
    // The memory storage's own sweeper, if it keeps one.
    const storageTimers = vi.getTimerCount();
    const gate = deferred<string>();
    let calls = 0;
    const createfunc = () => {
      calls++;
      return gate.promise;
    };
    const creator = cache.get('k', { createfunc });
    await until(() => calls === 1);
    const waiter = cache.get('k', { createfunc });
    await until(() => cache.stats().waits === 1);
    gate.resolve('made');
    expect(await Promise.all([creator, waiter])).toEqual(['made', 'made']);
    expect(vi.getTimerCount()).toBe(storageTimers);
    await storage.close();
  });
});

describe('a storage that cannot be reached', () => {
  it('is an error that get and has report, not a miss, when no copy stands in', async () => {
    const storage = createStorage({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'down', timeoutMs: 500 });
    const cache = new CacheManager({}, storage).getCache('down', { expire: 60, grace: 600 });
    const failures: unknown[] = [];
    cache.on('failure', ({ error }) => failures.push(error));
    let calls = 0;
    await expect(cache.get('k', { createfunc: () => ++calls })).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(calls).toBe(0);
    expect(failures).toEqual([expect.any(StorageUnavailableError)]);
    // Nor is it "nothing fresh here".
    await expect(cache.has('k')).rejects.toBeInstanceOf(StorageUnavailableError);
    await storage.close();
  });

  it('answers a fresh copy of the in-process tier as a hit while the storage is down, and a stale one in grace', async () => {
    const redis = await startPrivateRedis();
    const storage = createStorage({ url: redis.url, prefix: 'down', timeoutMs: 2_000 });
    try {
      const clock = new FakeClock();
      const cache = new CacheManager({ now: clock.now }, storage).getCache('tier', {
        expire: 60,
        grace: 30,
        localMaxEntries: 10,
        localTtl: 1,
      });
      const stale: string[] = [];
      cache.on('stale', ({ reason }) => stale.push(reason));
      const createdAt = clock.time;
      await cache.set('k', 'kept');
      await redis.stop();
      // Past localTtl the copy is not trusted, so the storage is asked; it fails, and the copy is still fresh.
      clock.time = createdAt + 59_999;
      expect(await cache.get('k', { createfunc: () => 'not now' })).toBe('kept');
      expect(cache.stats()).toMatchObject({ hits: 1, staleServed: 0 });
      expect(stale).toEqual([]);
      clock.time = createdAt + 89_999;
      expect(await cache.get('k', { createfunc: () => 'not now' })).toBe('kept');
      expect(stale).toEqual(['grace']);
      clock.time = createdAt + 90_000;
      await expect(cache.get('k', { createfunc: () => 'not now' })).rejects.toBeInstanceOf(StorageUnavailableError);
    } finally {
      await storage.close();
      await redis.dispose();
    }
  });

  it('reports renewals and a release that fail while the storage is down, and still returns the value', async () => {
    const redis = await startPrivateRedis();
    const storage = createStorage({ url: redis.url, prefix: 'renew', timeoutMs: 2_000 });
    try {
      await storage.ping();
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const cache = new CacheManager({}, storage).getCache('renew', { expire: 60, lockTtl: 3, createTimeout: 60 });
      const failed = new Promise<void>((resolve) => cache.on('failure', () => resolve()));
      const { failures, finish } = await holdCreation(cache);
      await redis.stop();
      vi.advanceTimersByTime(1_000);
      // The renewal's failure is reported while createfunc still runs.
      await failed;
      expect(failures).toEqual([expect.any(StorageUnavailableError)]);
      expect(await finish()).toBe('made');
      // Then the value's write and the lock's release fail too, and are reported, not thrown.
      expect(failures).toHaveLength(3);
      expect(failures.every((error) => error instanceof StorageUnavailableError)).toBe(true);
    } finally {
      vi.useRealTimers();
      await storage.close();
      await redis.dispose();
    }
  });

  it('a waiter whose creator failed and whose storage went down gets the storage error, not a miss', async () => {
    const redis = await startPrivateRedis();
    const storage = createStorage({ url: redis.url, prefix: 'reread', timeoutMs: 2_000 });
    try {
      await storage.ping();
      const cache = new CacheManager({}, storage).getCache('reread', { expire: 60 });
      const failures: unknown[] = [];
      cache.on('failure', ({ error }) => failures.push(error));
      const gate = deferred<string>();
      let calls = 0;
      const createfunc = () => (++calls === 1 ? gate.promise : 'made by the waiter');
      const creator = cache.get('k', { createfunc });
      await until(() => calls === 1);
      const waiter = cache.get('k', { createfunc });
      await until(() => cache.stats().waits === 1);
      await redis.stop();
      gate.reject(new Error('database down'));
      await expect(creator).rejects.toThrow('database down');
      await expect(waiter).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(calls).toBe(1);
      // The creator's failed release and its createfunc's error; the waiter's failed read is its own error, not a report.
      expect(failures).toEqual([expect.any(StorageUnavailableError), new Error('database down')]);
    } finally {
      await storage.close();
      await redis.dispose();
    }
  });
});
