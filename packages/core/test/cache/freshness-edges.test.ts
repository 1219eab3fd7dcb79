import { type Cache, CacheManager, CacheMissError, CorruptEntryError, type GetCacheOptions } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { FakeClock } from '../../../../test-support/sessions.js';
import { deferred, until } from '../../../../test-support/waiting.js';

/** The backends where where the entries live does not matter: live values (memory) and stored records (sqlite). */
const LOCAL = BACKENDS.filter((backend) => backend.name === 'memory' || backend.name === 'sqlite');

describe.each(LOCAL)('freshness at its edges: $name', (backend) => {
  let open: OpenBackend;
  let clock: FakeClock;
  let manager: CacheManager;
  let counter = 0;

  beforeAll(async () => {
    open = await backend.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  /** A cache of its own for each test, on a fake clock that the test sets to the millisecond. */
  function freshCache(options: GetCacheOptions = {}): Cache {
    clock = new FakeClock();
    manager = new CacheManager({ now: clock.now }, open.storage);
    return manager.getCache(`f${++counter}`, options);
  }

  /**
   * A creator of `key` held open until the test lets it finish, and then a second caller: whether
   * the second caller got the stale value at once or waited for the creator, and what it got.
   */
  async function secondCallerWhileRecreating(
    cache: Cache,
    key: string,
  ): Promise<{ second: 'served stale' | 'waited'; value: unknown; creations: number }> {
    const gate = deferred<string>();
    let calls = 0;
    const createfunc = () => {
      calls++;
      return gate.promise;
    };
    const creator = cache.get(key, { createfunc });
    await until(() => calls === 1);
    const before = cache.stats();
    const second = cache.get(key, { createfunc });
    await until(() => cache.stats().staleServed > before.staleServed || cache.stats().waits > before.waits);
    const servedStale = cache.stats().staleServed > before.staleServed;
    gate.resolve('recreated');
    expect(await creator).toBe('recreated');
    return { second: servedStale ? 'served stale' : 'waited', value: await second, creations: calls };
  }

  describe('expiry', () => {
    it('is fresh 1 ms before expire and stale at expire', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 0 });
      const createdAt = clock.time;
      await cache.set('k', 'v');
      clock.time = createdAt + 9_999;
      expect(await cache.has('k')).toBe(true);
      expect(await cache.get('k')).toBe('v');
      clock.time = createdAt + 10_000;
      expect(await cache.has('k')).toBe(false);
      await expect(cache.get('k')).rejects.toBeInstanceOf(CacheMissError);
    });

    it('keeps the expire of one get for the value that get creates', async () => {
      const cache = freshCache({ expire: 3600, staleWhileRecreate: 0 });
      const createdAt = clock.time;
      expect(await cache.get('k', { createfunc: () => 'short', expire: 5 })).toBe('short');
      clock.time = createdAt + 4_999;
      expect(await cache.get('k', { createfunc: () => 'not yet' })).toBe('short');
      clock.time = createdAt + 5_000;
      expect(await cache.get('k', { createfunc: () => 'remade' })).toBe('remade');
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, creations: 2 });
    });

    it('never goes stale without an expire', async () => {
      const cache = freshCache();
      await cache.set('k', 'forever');
      clock.advance(10 * 365 * 24 * 3600);
      expect(await cache.has('k')).toBe(true);
      expect(await cache.get('k', { createfunc: () => 'remade' })).toBe('forever');
    });

    it('keeps a value created at starttime fresh, and one created 1 ms before it stale', async () => {
      const cache = freshCache({ expire: 3600 });
      const starttime = clock.time;
      clock.time = starttime - 1;
      await cache.set('before', 'old');
      clock.time = starttime;
      await cache.set('at', 'new');
      const invalidated = manager.getCache(cache.name, {
        expire: 3600,
        staleWhileRecreate: 0,
        starttime: new Date(starttime),
      });
      expect(await invalidated.has('at')).toBe(true);
      expect(await invalidated.get('at')).toBe('new');
      expect(await invalidated.has('before')).toBe(false);
      await expect(invalidated.get('before')).rejects.toBeInstanceOf(CacheMissError);
    });
  });

  describe('stale while recreating', () => {
    it('hands out the stale value until 1 ms before expire + staleWhileRecreate', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 5 });
      const createdAt = clock.time;
      await cache.set('k', 'stale');
      clock.time = createdAt + 14_999;
      expect(await secondCallerWhileRecreating(cache, 'k')).toEqual({
        second: 'served stale',
        value: 'stale',
        creations: 1,
      });
    });

    it('makes callers wait for the creator from expire + staleWhileRecreate on, and gives them its value', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 5 });
      const createdAt = clock.time;
      await cache.set('k', 'stale');
      clock.time = createdAt + 15_000;
      expect(await secondCallerWhileRecreating(cache, 'k')).toEqual({
        second: 'waited',
        value: 'recreated',
        creations: 1,
      });
      expect(cache.stats()).toMatchObject({ waits: 1, staleServed: 0, creations: 1 });
    });

    it('lasts as long as expire when staleWhileRecreate is not set', async () => {
      const cache = freshCache({ expire: 10 });
      const createdAt = clock.time;
      await cache.set('early', 'stale');
      await cache.set('late', 'stale');
      clock.time = createdAt + 19_999;
      expect((await secondCallerWhileRecreating(cache, 'early')).second).toBe('served stale');
      clock.time = createdAt + 20_000;
      expect((await secondCallerWhileRecreating(cache, 'late')).second).toBe('waited');
    });

    it('counts from starttime for a value that starttime made stale', async () => {
      const cache = freshCache({ expire: 3600 });
      await cache.set('early', 'stale');
      await cache.set('late', 'stale');
      const starttime = clock.advance(1);
      const invalidated = manager.getCache(cache.name, {
        expire: 3600,
        staleWhileRecreate: 5,
        starttime: new Date(starttime),
      });
      clock.time = starttime + 4_999;
      expect((await secondCallerWhileRecreating(invalidated, 'early')).second).toBe('served stale');
      clock.time = starttime + 5_000;
      expect((await secondCallerWhileRecreating(invalidated, 'late')).second).toBe('waited');
    });

    it('counts from starttime for a value that never expires but that starttime made stale', async () => {
      const cache = freshCache();
      await cache.set('early', 'stale');
      await cache.set('late', 'stale');
      const starttime = clock.advance(1);
      const invalidated = manager.getCache(cache.name, { staleWhileRecreate: 5, starttime: new Date(starttime) });
      clock.time = starttime + 4_999;
      expect((await secondCallerWhileRecreating(invalidated, 'early')).second).toBe('served stale');
      clock.time = starttime + 5_000;
      expect((await secondCallerWhileRecreating(invalidated, 'late')).second).toBe('waited');
    });

    it('counts from its expiry for a value created exactly at starttime', async () => {
      const starttime = new FakeClock().time;
      const cache = freshCache({ expire: 10, staleWhileRecreate: 5, starttime: new Date(starttime) });
      clock.time = starttime;
      await cache.set('k', 'stale');
      clock.time = starttime + 14_999;
      expect((await secondCallerWhileRecreating(cache, 'k')).second).toBe('served stale');
    });
  });

  describe('grace', () => {
    it('stands in for a failing createfunc until 1 ms before expire + grace, and not at it, on every backend alike', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 0, grace: 30 });
      const stale: string[] = [];
      cache.on('stale', ({ reason }) => stale.push(reason));
      const createdAt = clock.time;
      await cache.set('k', 'last good');
      const failing = () => Promise.reject(new Error('upstream 502'));
      clock.time = createdAt + 39_999;
      expect(await cache.get('k', { createfunc: failing })).toBe('last good');
      expect(stale).toEqual(['grace']);
      clock.time = createdAt + 40_000;
      await expect(cache.get('k', { createfunc: failing })).rejects.toThrow('upstream 502');
      expect(cache.stats()).toMatchObject({ staleServed: 1, errors: 2, creations: 0 });
    });

    it('keeps a stale value for the longer of staleWhileRecreate and grace', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 30, grace: 5 });
      const createdAt = clock.time;
      await cache.set('k', 'stale');
      clock.time = createdAt + 39_999;
      expect((await secondCallerWhileRecreating(cache, 'k')).second).toBe('served stale');
    });

    it('does not stand in for a failing createfunc with a value no longer in grace', async () => {
      // Within the stale window (recreating) but past grace: the error reaches the caller.
      const cache = freshCache({ expire: 10, staleWhileRecreate: 30, grace: 5 });
      const createdAt = clock.time;
      await cache.set('k', 'stale');
      clock.time = createdAt + 20_000;
      await expect(cache.get('k', { createfunc: () => Promise.reject(new Error('down')) })).rejects.toThrow('down');
      expect(cache.stats()).toMatchObject({ staleServed: 0, errors: 1 });
    });
  });

  describe('refresh ahead', () => {
    it('starts one background refresh exactly refreshAhead before expiry, not 1 ms earlier', async () => {
      const cache = freshCache({ expire: 60, refreshAhead: 10 });
      const createdAt = clock.time;
      await cache.set('k', 'v1');
      let calls = 0;
      const gate = deferred<string>();
      const createfunc = () => {
        calls++;
        return gate.promise;
      };
      clock.time = createdAt + 49_999;
      expect(await cache.get('k', { createfunc })).toBe('v1');
      expect(calls).toBe(0);
      clock.time = createdAt + 50_000;
      const created = new Promise<unknown>((resolve) => cache.once('create', resolve));
      expect(await cache.get('k', { createfunc })).toBe('v1');
      await until(() => calls === 1);
      // A second due hit while the refresh runs starts no other.
      expect(await cache.get('k', { createfunc })).toBe('v1');
      gate.resolve('v2');
      await created;
      expect(await cache.get('k')).toBe('v2');
      expect(calls).toBe(1);
      expect(cache.stats()).toMatchObject({ hits: 4, refreshes: 1, creations: 1 });
    });

    it('never refreshes a value that never expires', async () => {
      const cache = freshCache({ refreshAhead: 10 });
      await cache.set('k', 'forever');
      clock.advance(3600);
      let calls = 0;
      expect(await cache.get('k', { createfunc: () => ++calls })).toBe('forever');
      expect(calls).toBe(0);
      expect(cache.stats().refreshes).toBe(0);
    });

    it('refreshes only for a get that brings a createfunc', async () => {
      const cache = freshCache({ expire: 60, refreshAhead: 10 });
      const failures: unknown[] = [];
      cache.on('failure', ({ error }) => failures.push(error));
      await cache.set('k', 'v1');
      clock.advance(55);
      expect(await cache.get('k')).toBe('v1');
      expect(cache.stats().refreshes).toBe(0);
      expect(failures).toEqual([]);
    });

    it('reports a background refresh that fails, and keeps serving the value', async () => {
      const cache = freshCache({ expire: 60, refreshAhead: 10 });
      const failed = new Promise<unknown>((resolve) => cache.once('failure', ({ error }) => resolve(error)));
      await cache.set('k', 'v1');
      clock.advance(55);
      expect(await cache.get('k', { createfunc: () => Promise.reject(new Error('refresh failed')) })).toBe('v1');
      expect(await failed).toEqual(new Error('refresh failed'));
      expect(await cache.get('k')).toBe('v1');
      expect(cache.stats()).toMatchObject({ refreshes: 1, creations: 0, errors: 1 });
    });
  });

  describe('turned off', () => {
    it('finds nothing fresh even where an enabled cache of the same name stored a value', async () => {
      const cache = freshCache({ expire: 60 });
      await cache.set('k', 'stored while on');
      const off = new CacheManager({ now: clock.now, regions: { off: { enabled: false } } }, open.storage).getCache(
        cache.name,
        { region: 'off' },
      );
      expect(await cache.has('k')).toBe(true);
      expect(await off.has('k')).toBe(false);
    });
  });

  describe('creations', () => {
    it('makes the value again once it went stale, rather than reusing the finished creation', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 0 });
      let calls = 0;
      expect(await cache.get('k', { createfunc: () => `v${++calls}` })).toBe('v1');
      clock.advance(10);
      expect(await cache.get('k', { createfunc: () => `v${++calls}` })).toBe('v2');
      expect(cache.stats()).toMatchObject({ misses: 2, creations: 2 });
    });

    it('caches null like any other value', async () => {
      const cache = freshCache({ expire: 10 });
      let calls = 0;
      const createfunc = () => {
        calls++;
        return null;
      };
      expect(await cache.get('k', { createfunc })).toBeNull();
      expect(await cache.get('k', { createfunc })).toBeNull();
      expect(calls).toBe(1);
    });

    it('gives waiters the value their creator made', async () => {
      const cache = freshCache({ expire: 10 });
      const gate = deferred<{ made: string }>();
      let calls = 0;
      const createfunc = () => {
        calls++;
        return gate.promise;
      };
      const creator = cache.get('k', { createfunc });
      await until(() => calls === 1);
      const waiters = [cache.get('k', { createfunc }), cache.get('k', { createfunc })];
      await until(() => cache.stats().waits === 2);
      const made = { made: 'once' };
      gate.resolve(made);
      expect(await creator).toBe(made);
      // The creator's own value, not a copy read back from the storage.
      for (const waiter of waiters) expect(await waiter).toBe(made);
      expect(cache.stats()).toMatchObject({ misses: 3, waits: 2, creations: 1 });
    });

    it('emits create with the key and how long createfunc took', async () => {
      const cache = freshCache({ expire: 10 });
      const created: { key: string; durationMs: number }[] = [];
      cache.on('create', (event) => created.push(event));
      const before = performance.now();
      await cache.get('k', { createfunc: () => 'v' });
      const took = performance.now() - before;
      expect(created).toEqual([{ key: 'k', durationMs: expect.any(Number) }]);
      expect(created[0]?.durationMs).toBeGreaterThanOrEqual(0);
      expect(created[0]?.durationMs).toBeLessThanOrEqual(took);
    });
  });
});

describe('stored records', () => {
  let open: OpenBackend;
  let clock: FakeClock;
  let counter = 0;

  beforeAll(async () => {
    open = await (BACKENDS.find((backend) => backend.name === 'sqlite') as (typeof BACKENDS)[number]).open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  function freshCache(options: GetCacheOptions = {}): Cache {
    clock = new FakeClock();
    return new CacheManager({ now: clock.now }, open.storage).getCache(`r${++counter}`, options);
  }

  /** Writes `record` under `key` of `cache`'s namespace as another writer (an older Vessel, a foreign tool) would. */
  function plant(cache: Cache, key: string, record: unknown): Promise<void> {
    return open.storage.namespace(`cache:${cache.name}`).set(key, record);
  }

  it('reads [createdAt, freshForMs, value] as fresh until createdAt + freshForMs', async () => {
    const cache = freshCache();
    const createdAt = clock.time - 1_000;
    await plant(cache, 'k', [createdAt, 5_000, 'v']);
    clock.time = createdAt + 4_999;
    expect(await cache.get('k')).toBe('v');
    clock.time = createdAt + 5_000;
    expect(await cache.has('k')).toBe(false);
  });

  it('reads a null freshForMs as fresh for ever', async () => {
    const cache = freshCache();
    await plant(cache, 'k', [clock.time - 1_000, null, 'forever']);
    clock.advance(10 * 365 * 24 * 3600);
    expect(await cache.get('k')).toBe('forever');
  });

  it('reads the earlier layout { value, createdAt, freshUntil }', async () => {
    const cache = freshCache();
    const createdAt = clock.time;
    await plant(cache, 'timed', { value: 'old layout', createdAt, freshUntil: createdAt + 5_000 });
    await plant(cache, 'forever', { value: 'old layout', createdAt, freshUntil: null });
    clock.time = createdAt + 4_999;
    expect(await cache.get('timed')).toBe('old layout');
    clock.time = createdAt + 5_000;
    expect(await cache.has('timed')).toBe(false);
    expect(await cache.get('forever')).toBe('old layout');
  });

  it('writes [createdAt, freshForMs, value], freshForMs null without expire', async () => {
    const cache = freshCache({ expire: 5 });
    const createdAt = clock.time;
    await cache.set('k', { nested: ['v'] });
    expect(await open.storage.namespace(`cache:${cache.name}`).get('k')).toEqual([createdAt, 5_000, { nested: ['v'] }]);
    const never = freshCache();
    await never.set('k', 'v');
    expect(await open.storage.namespace(`cache:${never.name}`).get('k')).toEqual([clock.time, null, 'v']);
  });

  it('keeps the record for expire + the longer of staleWhileRecreate and grace, and for ever without expire', async () => {
    const cache = freshCache({ expire: 10, staleWhileRecreate: 5, grace: 30 });
    const before = Date.now();
    await cache.set('k', 'v');
    const after = Date.now();
    const fullKey = `${open.storage.prefix}:cache:${cache.name}::k`;
    const expiresAt = await open.rawExpiresAt?.(fullKey);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 40_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 40_000);
    const never = freshCache({ grace: 30 });
    await never.set('k', 'v');
    expect(await open.rawExpiresAt?.(`${open.storage.prefix}:cache:${never.name}::k`)).toBeNull();
  });

  const NOT_ENTRIES: [string, unknown][] = [
    ['an array of two', [1_000, 5_000]],
    ['an array of four', [1_000, 5_000, 'v', 'extra']],
    ['a createdAt that is not a number', ['1000', 5_000, 'v']],
    ['a freshForMs that is neither a number nor null', [1_000, '5000', 'v']],
    ['an object without value', { createdAt: 1_000, freshUntil: null }],
    ['an object whose createdAt is not a number', { value: 'v', createdAt: '1000', freshUntil: null }],
    ['an object whose freshUntil is neither a number nor null', { value: 'v', createdAt: 1_000, freshUntil: '6000' }],
    ['an object without freshUntil', { value: 'v', createdAt: 1_000 }],
    ['text', 'just text'],
    ['null', null],
  ];

  it.each(NOT_ENTRIES)('treats %s as a corrupt entry: a miss, reported, then overwritten', async (_, record) => {
    const cache = freshCache({ expire: 60 });
    const failures: unknown[] = [];
    cache.on('failure', ({ error }) => failures.push(error));
    await plant(cache, 'k', record);
    expect(await cache.has('k')).toBe(false);
    await expect(cache.get('k')).rejects.toBeInstanceOf(CacheMissError);
    expect(failures).toEqual([expect.any(CorruptEntryError)]);
    // Reported when read, and again when read under the creator's lock before creating.
    expect(await cache.get('k', { createfunc: () => 'rebuilt' })).toBe('rebuilt');
    expect(failures).toEqual(Array(3).fill(expect.any(CorruptEntryError)));
    expect(await cache.get('k')).toBe('rebuilt');
  });
});
