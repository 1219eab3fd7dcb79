import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  argumentKey,
  CacheManager,
  ConfigError,
  cacheRegion,
  createStorage,
  createVessel,
  getDefaultCacheManager,
  type Storage,
  setDefaultCacheManager,
} from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

describe('memoizer keys', () => {
  it('spells positional arguments and options objects stably', () => {
    expect(argumentKey([1, 'two', true, null], 'f')).toBe('[1,"two",true,null]');
    expect(argumentKey([{ b: 2, a: 1 }], 'f')).toBe('[{"a":1,"b":2}]');
    expect(argumentKey([{ a: 1, b: 2 }], 'f')).toBe(argumentKey([{ b: 2, a: 1 }], 'f'));
    expect(argumentKey([1, 2], 'f')).not.toBe(argumentKey([{ 0: 1, 1: 2 }], 'f'));
    expect(argumentKey(['1'], 'f')).not.toBe(argumentKey([1], 'f'));
    expect(argumentKey([[1, 2]], 'f')).not.toBe(argumentKey([1, 2], 'f'));
  });

  it('drops trailing undefined arguments and undefined fields, and spells the rest', () => {
    expect(argumentKey([1, undefined], 'f')).toBe(argumentKey([1], 'f'));
    expect(argumentKey([undefined, 1], 'f')).toBe('[undefined,1]');
    expect(argumentKey([{ a: 1, b: undefined }], 'f')).toBe('[{"a":1}]');
    expect(argumentKey([Number.NaN, -0, Number.POSITIVE_INFINITY, 10n], 'f')).toBe('[NaN,-0,Infinity,10n]');
    expect(argumentKey([new Date('2025-01-31T12:00:00Z')], 'f')).toBe('[Date(2025-01-31T12:00:00.000Z)]');
    expect(argumentKey([], 'f')).toBe('[]');
  });

  it('keeps unicode as it is', () => {
    expect(argumentKey(['Zoë', '東京', '🚀'], 'f')).toBe('["Zoë","東京","🚀"]');
  });

  it('uses toJSON for class instances and refuses what has no stable spelling', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      toJSON() {
        return { x: this.x, y: this.y };
      }
    }
    expect(argumentKey([new Point(1, 2)], 'f')).toBe('[{"x":1,"y":2}]');
    expect(() => argumentKey([1, () => 1], 'find')).toThrow(
      'cannot build a cache key from argument 2 of find(): a function has no stable spelling',
    );
    expect(() => argumentKey([new Map()], 'find')).toThrow(/argument 1 of find\(\): a Map has no stable spelling/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => argumentKey([cyclic], 'find')).toThrow('argument 1 of find(): it holds a cycle');
  });
});

describe('memoizers', () => {
  let storage: Storage;
  let manager: CacheManager;

  beforeAll(() => {
    storage = createStorage({ type: 'memory' });
  });

  afterAll(async () => {
    await storage.close();
  });

  afterEach(async () => {
    await manager?.close();
  });

  function regions() {
    manager = new CacheManager(
      { regions: { short_term: { expire: 60 }, long_term: { expire: 3600 }, off: { enabled: false } } },
      storage,
    );
    return manager;
  }

  it('caches by arguments, keeps name, arity and this, and leaves the receiver out of the key', async () => {
    const cache = regions();
    const calls: unknown[][] = [];
    async function findUser(this: { db: string } | undefined, id: number, options?: { withRoles?: boolean }) {
      calls.push([this?.db, id, options]);
      return { id, roles: options?.withRoles ? ['admin'] : [] };
    }
    const cached = cache.region('short_term', 'users')(findUser);
    expect(cached.name).toBe('findUser');
    expect(cached.length).toBe(2);
    expect(await cached.call({ db: 'primary' }, 1, { withRoles: true })).toEqual({ id: 1, roles: ['admin'] });
    expect(await cached.call({ db: 'replica' }, 1, { withRoles: true })).toEqual({ id: 1, roles: ['admin'] });
    expect(await cached.call(undefined, 1)).toEqual({ id: 1, roles: [] });
    expect(calls).toEqual([
      ['primary', 1, { withRoles: true }],
      [undefined, 1, undefined],
    ]);
    expect(await cached.cache.get('[1,{"withRoles":true}]')).toEqual({ id: 1, roles: ['admin'] });
  });

  it('invalidates one entry through the memoized function, the original, or regionInvalidate', async () => {
    const cache = regions();
    let calls = 0;
    const original = async (id: number) => `${id}:${++calls}`;
    const cached = cache.region('long_term', 'counters')(original);
    expect(await cached(1)).toBe('1:1');
    expect(await cached(2)).toBe('2:2');
    expect(await cache.regionInvalidate(cached, 'long_term', 1)).toBe(true);
    expect(await cached(1)).toBe('1:3');
    expect(await cached(2)).toBe('2:2');
    expect(await cache.regionInvalidate(original, 'long_term', 2)).toBe(true);
    expect(await cached.invalidate(1)).toBe(true);
    expect(await cached.invalidate(1)).toBe(false);
    expect(await cached(2)).toBe('2:4');
    await expect(cache.regionInvalidate(cached, 'short_term', 1)).rejects.toThrow(
      'original is not memoized in region "short_term" by this cache manager',
    );
  });

  it('calls straight through a disabled region', async () => {
    const cache = regions();
    let calls = 0;
    const cached = cache.region('off', 'noop')(async () => ++calls);
    expect(await cached()).toBe(1);
    expect(await cached()).toBe(2);
  });

  it('hashes long keys past keyLength', async () => {
    manager = new CacheManager({ regions: { r: { keyLength: 16 } } }, storage);
    let calls = 0;
    const cached = manager.region('r', 'long')(async (text: string) => `${text.length}:${++calls}`);
    const text = 'x'.repeat(5000);
    expect(await cached(text)).toBe('5000:1');
    expect(await cached(text)).toBe('5000:1');
    expect(await cached(`${text}y`)).toBe('5001:2');
  });

  it('refuses unknown regions and anonymous functions without a namespace', () => {
    const cache = regions();
    expect(() => cache.region('medium_term')).toThrow(ConfigError);
    expect(() => cache.region('medium_term')).toThrow(
      'cache.regions.medium_term: no such region; configured: short_term, long_term, off',
    );
    expect(() => cache.region('short_term')(async () => 1)).toThrow(/an anonymous function needs a namespace/);
  });
});

describe('the cacheRegion decorator', () => {
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-decorators-'));
  });

  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('memoizes async methods on one manager, receiver out of the key', async () => {
    const manager = new CacheManager({ regions: { short_term: { expire: 60 } } });
    const queries: string[] = [];
    class Users {
      constructor(readonly table: string) {}

      @manager.cacheRegion('short_term')
      async find(id: number): Promise<{ id: number; from: string }> {
        queries.push(`${this.table}:${id}`);
        return { id, from: this.table };
      }
    }
    const a = new Users('users');
    const b = new Users('users_copy');
    expect(await a.find(7)).toEqual({ id: 7, from: 'users' });
    expect(await b.find(7)).toEqual({ id: 7, from: 'users' });
    expect(queries).toEqual(['users:7']);
    expect(Users.prototype.find.name).toBe('find');
    expect(await manager.regionInvalidate(Users.prototype.find, 'short_term', 7)).toBe(true);
    expect(await b.find(7)).toEqual({ id: 7, from: 'users_copy' });
    await manager.close();
  });

  it('binds the standalone decorator to the default manager at the first call', async () => {
    const queries: number[] = [];
    class Products {
      @cacheRegion('catalogue', 'products.byId')
      async byId(id: number): Promise<string> {
        queries.push(id);
        return `product ${id}`;
      }
    }
    const previous = getDefaultCacheManager();
    setDefaultCacheManager(undefined);
    const products = new Products();
    await expect(products.byId(1)).rejects.toThrow(/has no cache manager: call setDefaultCacheManager/);

    // createVessel makes its manager the default when none is set.
    const vessel = createVessel({
      cacheDir,
      session: { secret: 'decorator test secret, 32 bytes or more' },
      cache: { regions: { catalogue: { expire: 300 } } },
    });
    try {
      expect(getDefaultCacheManager()).toBe(vessel.cache);
      expect(await products.byId(1)).toBe('product 1');
      expect(await products.byId(1)).toBe('product 1');
      expect(queries).toEqual([1]);
      // Stored in the shared SQLite storage, where session-inspect and other processes see it.
      expect(await vessel.storage.namespace('cache:products.byId').has('[1]')).toBe(true);
      expect(await vessel.cache.regionInvalidate(Products.prototype.byId, 'catalogue', 1)).toBe(true);
      expect(await products.byId(1)).toBe('product 1');
      expect(queries).toEqual([1, 1]);
    } finally {
      await vessel.close();
      setDefaultCacheManager(previous);
    }
    expect(getDefaultCacheManager()).toBe(previous);
  });
});
