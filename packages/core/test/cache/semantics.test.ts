import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  type Cache,
  CacheManager,
  type CacheManagerOptions,
  CacheMissError,
  CorruptEntryError,
  CreateTimeoutError,
  type GetCacheOptions,
  LockLostError,
  LockTimeoutError,
} from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend, sqliteExec } from '../../../../test-support/backends.js';
import { FakeClock } from '../../../../test-support/sessions.js';
import { deferred, until } from '../../../../test-support/waiting.js';

describe.each(BACKENDS)('cache semantics: $name', (backend) => {
  let open: OpenBackend;
  let clock: FakeClock;
  let manager: CacheManager;
  let counter = 0;

  beforeAll(async () => {
    open = await backend.open();
    await open.storage.ping();
  });

  afterAll(async () => {
    await manager?.close();
    await open?.cleanup();
  });

  /** A cache of its own for each test (a new manager over the shared storage), on a fake clock. */
  function freshCache(options: GetCacheOptions = {}, managerOptions: CacheManagerOptions = {}): Cache {
    clock = new FakeClock();
    manager = new CacheManager({ ...managerOptions, now: clock.now }, open.storage);
    return manager.getCache(`t${++counter}`, options);
  }

  describe('hits, misses and expiry', () => {
    it('stores what createfunc makes and answers later gets from the store', async () => {
      const cache = freshCache({ expire: 60 });
      let calls = 0;
      const make = async () => ({ name: 'Ada Lovelace ✓', born: new Date('1815-12-10T00:00:00Z'), calls: ++calls });
      const first = await cache.get('user:ada', { createfunc: make });
      const second = await cache.get('user:ada', { createfunc: make });
      expect(first).toEqual({ name: 'Ada Lovelace ✓', born: new Date('1815-12-10T00:00:00Z'), calls: 1 });
      expect(second).toEqual(first);
      expect((second as { born: Date }).born).toBeInstanceOf(Date);
      expect(calls).toBe(1);
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, creations: 1 });
    });

    it('says which key missed when there is no createfunc', async () => {
      const cache = freshCache();
      const miss = cache.get('nobody-ünïcode');
      await expect(miss).rejects.toBeInstanceOf(CacheMissError);
      await expect(miss).rejects.toThrow(`no fresh value for "nobody-ünïcode" in cache "${cache.name}"`);
    });

    it('treats a value past its expiry as a miss, and recreates it', async () => {
      const cache = freshCache({ expire: 60, staleWhileRecreate: 0 });
      await cache.set('k', 'old');
      clock.advance(59);
      expect(await cache.get('k')).toBe('old');
      expect(await cache.has('k')).toBe(true);
      clock.advance(2);
      expect(await cache.has('k')).toBe(false);
      await expect(cache.get('k')).rejects.toBeInstanceOf(CacheMissError);
      expect(await cache.get('k', { createfunc: () => 'new' })).toBe('new');
    });

    it('keeps a per-record expiry with the record', async () => {
      const cache = freshCache({ expire: 3600 });
      await cache.set('short', 1, { expire: 10 });
      await cache.get('long', { createfunc: () => 2, expire: '2h' });
      await cache.set('default', 3);
      clock.advance(11);
      expect(await cache.has('short')).toBe(false);
      expect(await cache.has('default')).toBe(true);
      clock.advance(3600);
      expect(await cache.has('default')).toBe(false);
      expect(await cache.get('long')).toBe(2);
    });

    it('removes an entry whether fresh or stale', async () => {
      const cache = freshCache({ expire: 10 });
      await cache.set('fresh', 1);
      await cache.set('stale', 2);
      clock.advance(11);
      expect(await cache.remove('stale')).toBe(true);
      expect(await cache.remove('fresh')).toBe(true);
      expect(await cache.remove('never')).toBe(false);
      await expect(cache.get('stale')).rejects.toBeInstanceOf(CacheMissError);
    });

    it('treats everything created before starttime as stale', async () => {
      const cache = freshCache({ expire: 3600 });
      await cache.set('before', 'old');
      const cutoff = new Date(clock.advance(5));
      clock.advance(1);
      const later = manager.getCache(cache.name, { expire: 3600, starttime: cutoff });
      await later.set('after', 'new');
      expect(await later.has('before')).toBe(false);
      expect(await later.get('after')).toBe('new');
      expect(await later.get('before', { createfunc: () => 'recreated' })).toBe('recreated');
    });

    it('stores keys longer than keyLength under their hash, and finds them again', async () => {
      const cache = freshCache({ keyLength: 32 });
      const longKey = `query:${'é'.repeat(2000)}`;
      await cache.set(longKey, 'long');
      expect(await cache.get(longKey)).toBe('long');
      expect(await cache.has(`${longKey}x`)).toBe(false);
      const raw = await open.rawKeys?.();
      if (raw)
        expect(raw.filter((key) => key.includes(`cache:${cache.name}::`))).toEqual([
          expect.stringMatching(/::sha256:[A-Za-z0-9_-]{43}$/),
        ]);
    });

    it('keeps a short key spelled like a hashed key apart from the long key it names', async () => {
      // The default keyLength (250): the 50-character spelling is short, the report keys long.
      const cache = freshCache();
      const longKey = `report:${'x'.repeat(300)}`;
      const spelled = `sha256:${createHash('sha256').update(longKey).digest('base64url')}`;
      // A caller that controls a short key tries to read, then overwrite, the long key's entry.
      await cache.set(longKey, 'owner');
      expect(await cache.has(spelled)).toBe(false);
      expect(await cache.get(spelled, { createfunc: () => 'attacker' })).toBe('attacker');
      await cache.set(spelled, 'poisoned');
      expect(await cache.get(longKey)).toBe('owner');
      // And the other way round: a value planted first under the spelling is not the long key's.
      const otherLong = `report:${'y'.repeat(300)}`;
      const otherSpelled = `sha256:${createHash('sha256').update(otherLong).digest('base64url')}`;
      await cache.set(otherSpelled, 'planted');
      expect(await cache.get(otherLong, { createfunc: () => 'made' })).toBe('made');
      expect(await cache.get(otherSpelled)).toBe('planted');
      await cache.remove(otherSpelled);
      expect(await cache.get(otherLong)).toBe('made');
    });

    it('refuses keys that cannot be stored, naming them', async () => {
      const cache = freshCache();
      await expect(cache.get('')).rejects.toThrow('invalid cache key ""');
      await expect(cache.set('a\0b', 1)).rejects.toThrow(/invalid cache key/);
      await expect(cache.set('k', undefined)).rejects.toThrow('cannot cache undefined under "k"');
    });
  });

  describe('namespaces', () => {
    it('keeps caches apart, and clear() empties only its own', async () => {
      const a = freshCache();
      const b = manager.getCache(`${a.name}-other`);
      const sessions = open.storage.namespace('session');
      await sessions.set('s1', { user: 'ada' });
      await a.set('k', 'in a');
      await b.set('k', 'in b');
      expect(await a.get('k')).toBe('in a');
      await a.clear();
      expect(await a.has('k')).toBe(false);
      expect(await b.get('k')).toBe('in b');
      expect(await sessions.get('s1')).toEqual({ user: 'ada' });
      await sessions.delete('s1');
    });

    it('treats a record that is not a cache entry as a miss, reports it, and overwrites it', async (context) => {
      // A memory storage's caches hold live values: nothing foreign can be written into them.
      if (backend.type === 'memory' || !open.writeRaw) return context.skip();
      const cache = freshCache();
      const failures: unknown[] = [];
      cache.on('failure', ({ error }) => failures.push(error));
      await open.writeRaw(`${open.storage.prefix}:cache:${cache.name}::junk`, '{not json');
      expect(await cache.get('junk', { createfunc: () => 'rebuilt' })).toBe('rebuilt');
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((error) => error instanceof CorruptEntryError)).toBe(true);
      expect(await cache.get('junk')).toBe('rebuilt');
    });
  });

  describe('dog-pile', () => {
    it('runs createfunc once for 200 concurrent gets of a cold key', async () => {
      const cache = freshCache({ expire: 60 });
      let calls = 0;
      const gate = deferred<void>();
      const createfunc = async () => {
        calls++;
        await gate.promise;
        return { value: 'made once' };
      };
      const gets = Array.from({ length: 200 }, () => cache.get('cold', { createfunc }));
      // Let every caller reach its wait before the creator finishes.
      await new Promise((resolve) => setImmediate(resolve));
      gate.resolve();
      const values = await Promise.all(gets);
      expect(calls).toBe(1);
      expect(new Set(values.map((value) => JSON.stringify(value)))).toEqual(new Set(['{"value":"made once"}']));
      expect(cache.stats().creations).toBe(1);
    });

    it('hands out the stale value at once while one caller recreates it', async () => {
      const cache = freshCache({ expire: 10 });
      await cache.set('k', 'stale');
      clock.advance(11);
      const gate = deferred<string>();
      let calls = 0;
      const createfunc = () => {
        calls++;
        return gate.promise;
      };
      const creator = cache.get('k', { createfunc });
      await until(() => calls > 0);
      // Had they waited for the creator, whose createfunc is held open until below, this would hang.
      const others = await Promise.all(Array.from({ length: 20 }, () => cache.get('k', { createfunc })));
      expect(others).toEqual(Array(20).fill('stale'));
      gate.resolve('fresh');
      expect(await creator).toBe('fresh');
      expect(await cache.get('k')).toBe('fresh');
      expect(calls).toBe(1);
      expect(cache.stats().staleServed).toBe(20);
    });

    it("gives createfunc's error to its caller, stores nothing, and lets the waiters try again", async () => {
      const cache = freshCache({ expire: 60 });
      let calls = 0;
      const gate = deferred<void>();
      const createfunc = async () => {
        calls++;
        if (calls === 1) {
          await gate.promise;
          throw new Error('database down');
        }
        return 'second try';
      };
      const gets = Array.from({ length: 5 }, () => cache.get('k', { createfunc }));
      await new Promise((resolve) => setImmediate(resolve));
      gate.resolve();
      const results = await Promise.allSettled(gets);
      const rejected = results.filter((result) => result.status === 'rejected');
      expect(rejected).toEqual([{ status: 'rejected', reason: new Error('database down') }]);
      expect(results.filter((result) => result.status === 'fulfilled')).toEqual(
        Array(4).fill({ status: 'fulfilled', value: 'second try' }),
      );
      expect(calls).toBe(2);
      expect(cache.stats()).toMatchObject({ creations: 1, errors: 1 });
    });

    it('serves a stale value in grace when createfunc fails, and not past it', async () => {
      const cache = freshCache({ expire: 10, staleWhileRecreate: 0, grace: 30 });
      const failures: unknown[] = [];
      cache.on('failure', ({ error }) => failures.push(error));
      await cache.set('k', 'last good');
      const failing = () => Promise.reject(new Error('upstream 502'));
      clock.advance(20);
      expect(await cache.get('k', { createfunc: failing })).toBe('last good');
      expect(failures).toHaveLength(1);
      clock.advance(21);
      await expect(cache.get('k', { createfunc: failing })).rejects.toThrow('upstream 502');
    });

    it('refreshes a value ahead of its expiry without making the caller wait', async () => {
      const cache = freshCache({ expire: 60, refreshAhead: 10 });
      await cache.set('k', 'v1');
      clock.advance(45);
      const unused = () => Promise.reject(new Error('not due yet'));
      expect(await cache.get('k', { createfunc: unused })).toBe('v1');
      clock.advance(6);
      const gate = deferred<string>();
      const created = new Promise<void>((resolve) => cache.once('create', () => resolve()));
      expect(await cache.get('k', { createfunc: () => gate.promise })).toBe('v1');
      gate.resolve('v2');
      await created;
      expect(await cache.get('k')).toBe('v2');
      expect(cache.stats()).toMatchObject({ refreshes: 1, creations: 1 });
    });

    it('abandons a createfunc that never settles after createTimeout, frees the key, and lets a waiter make it', async () => {
      const cache = freshCache({ expire: 60, lockTtl: 1, createTimeout: 1 });
      let calls = 0;
      const createfunc = () => (++calls === 1 ? new Promise<string>(() => {}) : 'made by a waiter');
      const creator = cache.get('wedged', { createfunc });
      await until(() => calls > 0);
      const waiters = Array.from({ length: 3 }, () => cache.get('wedged', { createfunc }));
      await expect(creator).rejects.toBeInstanceOf(CreateTimeoutError);
      await expect(creator).rejects.toThrow(
        `createfunc for "wedged" in cache "${cache.name}" did not settle within 1000 ms`,
      );
      expect(await Promise.all(waiters)).toEqual(Array(3).fill('made by a waiter'));
      expect(calls).toBe(2);
      expect(await cache.get('wedged')).toBe('made by a waiter');
      if (backend.type !== 'memory') {
        // The abandoned creator's storage lock is free: another holder takes it without waiting.
        const lock = await open.storage.namespace(`cache:${cache.name}`).lock('wedged', { waitMs: 0 });
        await lock.release();
      }
    });

    it.runIf(backend.type === 'memory')('bounds a createfunc by 3 × lockTtl when no createTimeout is set', async () => {
      vi.useFakeTimers();
      try {
        const cache = freshCache({ expire: 60, lockTtl: 10 });
        let settled = false;
        const outcome = cache.get('k', { createfunc: () => new Promise<string>(() => {}) }).then(
          (value) => value,
          (error: unknown) => error,
        );
        void outcome.then(() => {
          settled = true;
        });
        await vi.advanceTimersByTimeAsync(29_000);
        expect(settled).toBe(false);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(await outcome).toBeInstanceOf(CreateTimeoutError);
        // The key is not wedged: the next get runs its own createfunc.
        expect(await cache.get('k', { createfunc: () => 'fresh' })).toBe('fresh');
      } finally {
        vi.useRealTimers();
      }
    });

    it.runIf(backend.name === 'sqlite')(
      'reports a creator lock lost before it could be renewed, and keeps the value',
      async () => {
        const cache = freshCache({ expire: 60, lockTtl: 1 });
        const lost = new Promise<unknown>((resolve) =>
          cache.on('failure', ({ error }) => {
            if (error instanceof LockLostError) resolve(error);
          }),
        );
        const createfunc = async () => {
          // The lock vanishes under the creator, as when renewals could not reach the storage for a whole lockTtl.
          // Every lock row deleted behind Vessel's back.
          await sqliteExec(
            path.join((open.input as { cacheDir: string }).cacheDir, 'vessel.sqlite'),
            'DELETE FROM vessel_locks',
          );
          await lost;
          return 'made anyway';
        };
        expect(await cache.get('k', { createfunc })).toBe('made anyway');
        expect(((await lost) as Error).message).toBe(
          `lock on "k" in namespace "cache:${cache.name}" expired before it could be renewed`,
        );
        expect(await cache.get('k')).toBe('made anyway');
      },
    );

    it.runIf(backend.type !== 'memory')('takes over the key once a crashed creator’s lock expires', async () => {
      const cache = freshCache({ expire: 60 });
      // A creator that died holding the lock: taken and never released.
      await open.storage.namespace(`cache:${cache.name}`).lock('k', { ttlMs: 300 });
      const started = Date.now();
      expect(await cache.get('k', { createfunc: () => 'after the crash' })).toBe('after the crash');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(cache.stats().waits).toBeGreaterThanOrEqual(1);
    });

    it.runIf(backend.type !== 'memory')('gives up waiting after waitTimeout, naming the key', async () => {
      const cache = freshCache({ expire: 60, waitTimeout: 1 });
      const held = await open.storage.namespace(`cache:${cache.name}`).lock('busy', { ttlMs: 30_000 });
      try {
        const wait = cache.get('busy', { createfunc: () => 'never' });
        await expect(wait).rejects.toBeInstanceOf(LockTimeoutError);
        await expect(wait).rejects.toThrow(`lock on "busy" in namespace "cache:${cache.name}"`);
      } finally {
        await held.release();
      }
    });
  });

  describe('turned off', () => {
    it('calls createfunc every time and stores nothing', async () => {
      freshCache({}, { regions: { off: { enabled: false } } });
      const cache = manager.getCache(`off${counter}`, { region: 'off' });
      let calls = 0;
      expect(await cache.get('k', { createfunc: () => ++calls })).toBe(1);
      expect(await cache.get('k', { createfunc: () => ++calls })).toBe(2);
      await cache.set('k', 'ignored');
      expect(await cache.has('k')).toBe(false);
      await expect(cache.get('k')).rejects.toBeInstanceOf(CacheMissError);
    });
  });
});
