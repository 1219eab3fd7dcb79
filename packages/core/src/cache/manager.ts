import { normalizeConfig, resolveCachePolicy } from '../config/normalize.js';
import type { CacheConfig, CachePolicyConfig, ResolvedCacheConfig, ResolvedRegionConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { createStorage, ownStorageInput, type Storage, type StorageInput } from '../storage/index.js';
import { Cache, type CacheStats, zeroStats } from './cache.js';
import { type EntryStore, LocalTier, StoredEntries } from './entry-store.js';
import { type Memoized, memoize } from './memoize.js';
import { flightsOf, memoryEntriesOf } from './shared-state.js';

/** Storage namespaces of caches start with this: `cache:users`. */
export const CACHE_NAMESPACE_PREFIX = 'cache:';

/** Options of `CacheManager`: the cache configuration (defaults and regions), plus a clock. */
export interface CacheManagerOptions extends CacheConfig {
  /** The clock freshness is judged by, in ms since the epoch; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
  /**
   * What a region's own storage inherits when it does not set it (prefix, timeout, PostgreSQL
   * schema and pool size, the folder of a `sqlite`/`file` region). `createVessel` passes the
   * shared storage's settings. Default: the prefix of the manager's storage.
   */
  storageDefaults?: StorageInput;
}

/** Options of `getCache`: a region to start from, and policy options over it. */
export interface GetCacheOptions extends CachePolicyConfig {
  /** Take this region's policy and storage; the other options override its policy. */
  region?: string;
}

/** A method decorator (TC39 standard decorators) that memoizes an async method. */
export type CacheMethodDecorator = <This, Args extends unknown[], Result>(
  method: (this: This, ...args: Args) => Promise<Result>,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<Result>>,
) => (this: This, ...args: Args) => Promise<Result>;

/** Counters of every cache a manager made, per cache name, and summed. */
export interface CacheManagerStats {
  readonly total: CacheStats;
  readonly byCache: Readonly<Record<string, CacheStats>>;
}

/** What invalidation needs of a memoized function, whatever its signature. */
interface AnyMemoized {
  readonly region: string;
  invalidate(...args: unknown[]): Promise<boolean>;
}

/**
 * Caches over one storage, in named regions (Beaker's `CacheManager`): `getCache` for explicit
 * get/set, `region(...)(fn)` and the `cacheRegion` decorator for memoizing. A region that names
 * its own backend (`type`, `url`, `cacheDir`) gets a storage of its own, opened on first use.
 *
 * @example
 * const cache = new CacheManager({ regions: { short_term: { expire: 60 } } }, storage)
 * const findUser = cache.region('short_term', 'users')(async (id: number) => db.findUser(id))
 */
export class CacheManager {
  /** The validated configuration, durations in seconds. */
  readonly config: ResolvedCacheConfig;
  readonly #storage: Storage;
  readonly #ownsStorage: boolean;
  readonly #storageDefaults: StorageInput;
  readonly #now: () => number;
  readonly #regionStorages = new Map<string, Storage>();
  readonly #caches = new Map<string, Cache>();
  /** Memoized functions, reachable from the wrapper and from the original (per region). */
  readonly #memoized = new WeakMap<object, AnyMemoized>();
  readonly #originals = new WeakMap<object, Map<string, AnyMemoized>>();

  /** Without a storage, caches live in this process's memory (Beaker's default). */
  constructor(options: CacheManagerOptions = {}, storage?: Storage) {
    const { now, storageDefaults, ...config } = options;
    this.config = normalizeConfig({ cache: config }).cache;
    this.#storage = storage ?? createStorage({ type: 'memory' });
    this.#storageDefaults = storageDefaults ?? { prefix: this.#storage.prefix };
    this.#ownsStorage = storage === undefined;
    this.#now = now ?? Date.now;
  }

  /**
   * The cache `name` (storage namespace `cache:<name>`), with the cache-level policy, or a
   * region's policy and storage, overridden by `options`. The same arguments give the same object.
   */
  getCache(name: string, options: GetCacheOptions = {}): Cache {
    const memoKey = JSON.stringify([name, options]);
    const known = this.#caches.get(memoKey);
    if (known !== undefined) return known;
    const { region: regionName, ...own } = options;
    const region = regionName === undefined ? undefined : this.#region(regionName);
    const policy = resolveCachePolicy(own, region ?? this.config, `getCache("${name}")`);
    const storage =
      regionName === undefined || region === undefined ? this.#storage : this.#storageOf(regionName, region);
    const namespace = storage.namespace(`${CACHE_NAMESPACE_PREFIX}${name}`);
    let store: EntryStore;
    if (storage.type === 'memory') {
      store = memoryEntriesOf(namespace, policy.localMaxEntries ?? Number.POSITIVE_INFINITY, this.#now);
    } else {
      const stored = new StoredEntries(namespace);
      store =
        policy.localMaxEntries === undefined
          ? stored
          : new LocalTier(stored, policy.localMaxEntries, policy.localTtl * 1000, this.#now);
    }
    const cache = new Cache({
      name,
      policy,
      enabled: region?.enabled ?? this.config.enabled,
      store,
      flights: flightsOf(namespace),
      now: this.#now,
    });
    this.#caches.set(memoKey, cache);
    return cache;
  }

  /**
   * A memoizer for `region`: `region('short_term', 'users')(fn)` returns `fn` with its results
   * cached in `cache:<namespace>` under keys built from its arguments. `namespace` defaults to
   * the function's name. A disabled region calls straight through.
   */
  region(
    regionName: string,
    namespace?: string,
  ): <Args extends unknown[], Result, This = unknown>(
    fn: (this: This, ...args: Args) => Result,
  ) => Memoized<Args, Result, This> {
    this.#region(regionName);
    return (fn) => this.#memoize(fn, regionName, namespace ?? fn.name);
  }

  /**
   * A standard (TC39) method decorator: `@cache.cacheRegion('short_term')` memoizes an async
   * method in the region, in namespace `namespace` (default: the method's name — give one when
   * two classes decorate methods of the same name in one region). The receiver is not part of the key.
   */
  cacheRegion(regionName: string, namespace?: string): CacheMethodDecorator {
    this.#region(regionName);
    return (method, context) =>
      this.#memoize(method, regionName, namespace ?? methodNamespace(context)) as unknown as typeof method;
  }

  /**
   * Removes the stored result of `fn(...args)` in `region`, where `fn` is the memoized function
   * (or the original it wraps, or a method decorated with `cacheRegion`). `true` if one was stored.
   */
  async regionInvalidate<Args extends unknown[]>(
    fn: (...args: Args) => unknown,
    region: string,
    ...args: Args
  ): Promise<boolean> {
    const memoized = this.#memoized.get(fn) ?? this.#originals.get(fn)?.get(region) ?? resolveDeferred(fn, this);
    if (memoized === undefined || memoized.region !== region) {
      throw new TypeError(`${fn.name || 'this function'} is not memoized in region "${region}" by this cache manager`);
    }
    return memoized.invalidate(...args);
  }

  /** Counters of every cache this manager made. */
  stats(): CacheManagerStats {
    const total = zeroStats();
    const byCache: Record<string, CacheStats> = {};
    for (const cache of this.#caches.values()) {
      const stats = cache.stats();
      const sum = byCache[cache.name] ?? zeroStats();
      byCache[cache.name] = sum;
      for (const field of Object.keys(stats) as (keyof CacheStats)[]) {
        sum[field] += stats[field];
        total[field] += stats[field];
      }
    }
    return { total, byCache };
  }

  /** Closes the storages regions opened (and the memory storage made when none was given). */
  async close(): Promise<void> {
    if (defaultManager === this) defaultManager = undefined;
    const storages = [...this.#regionStorages.values()];
    if (this.#ownsStorage) storages.push(this.#storage);
    this.#regionStorages.clear();
    await Promise.all(storages.map((storage) => storage.close()));
  }

  /** Made once per (function, region, namespace) so invalidation finds it from either end. */
  #memoize<Args extends unknown[], Result, This>(
    fn: (this: This, ...args: Args) => Result,
    regionName: string,
    namespace: string,
  ): Memoized<Args, Result, This> {
    if (!namespace) {
      throw new TypeError(
        `an anonymous function needs a namespace: region("${regionName}", "<namespace>")(fn) names where its results live`,
      );
    }
    const memoized = memoize(fn, this.getCache(namespace, { region: regionName }), regionName);
    const generic = memoized as unknown as AnyMemoized;
    this.#memoized.set(memoized, generic);
    let byRegion = this.#originals.get(fn);
    if (byRegion === undefined) {
      byRegion = new Map();
      this.#originals.set(fn, byRegion);
    }
    byRegion.set(regionName, generic);
    return memoized;
  }

  #region(name: string): ResolvedRegionConfig {
    const region = Object.hasOwn(this.config.regions, name) ? this.config.regions[name] : undefined;
    if (region === undefined) {
      const known = Object.keys(this.config.regions);
      throw new ConfigError(
        `cache.regions.${name}`,
        `no such region; ${known.length === 0 ? 'none are configured' : `configured: ${known.join(', ')}`}`,
      );
    }
    return region;
  }

  /** The shared storage, or the region's own when it names a backend. */
  #storageOf(name: string, region: ResolvedRegionConfig): Storage {
    const input = ownStorageInput(region, this.#storageDefaults);
    if (input === undefined) return this.#storage;
    let storage = this.#regionStorages.get(name);
    if (storage === undefined) {
      storage = createStorage(input);
      this.#regionStorages.set(name, storage);
    }
    return storage;
  }
}

function methodNamespace(context: Pick<ClassMethodDecoratorContext, 'kind' | 'name' | 'private'>): string {
  if (context.kind !== 'method') throw new TypeError('cacheRegion decorates methods only');
  if (typeof context.name !== 'string' || context.private) {
    throw new TypeError(
      `cacheRegion on ${String(context.name)} needs a namespace: @cacheRegion(region, "<namespace>")`,
    );
  }
  return context.name;
}

// The one process-wide registry in cache/, on purpose: Beaker's `@cache_region` names a region,
// not a manager, so classes can be declared before any manager exists. Everything else here is
// per instance (in-process state per namespace lives on the namespace: `Namespace.local`).
let defaultManager: CacheManager | undefined;

/**
 * Makes `manager` the one the standalone `cacheRegion` decorator uses (`createVessel` does this
 * for its own manager when none is set yet); `undefined` unsets it.
 */
export function setDefaultCacheManager(manager: CacheManager | undefined): void {
  defaultManager = manager;
}

/** The manager the standalone `cacheRegion` decorator uses, if one is set. */
export function getDefaultCacheManager(): CacheManager | undefined {
  return defaultManager;
}

/** Where a method of the standalone decorator keeps how it resolves against a manager. */
const RESOLVE_AGAINST = Symbol('vessel.cacheRegion.resolve');

type Deferred = { [RESOLVE_AGAINST]?: (manager: CacheManager) => AnyMemoized };

function resolveDeferred(fn: object, manager: CacheManager): AnyMemoized | undefined {
  return (fn as Deferred)[RESOLVE_AGAINST]?.(manager);
}

/**
 * Beaker's `@cache_region` as a standard (TC39) method decorator, bound to the default cache
 * manager (see `setDefaultCacheManager`) when the method is first called — so classes can be
 * declared before the manager exists. `manager.cacheRegion(...)` binds to one manager instead.
 *
 * @example
 * class Users {
 *   \@cacheRegion('short_term')
 *   async find(id: number) { return db.findUser(id) }
 * }
 */
export function cacheRegion(regionName: string, namespace?: string): CacheMethodDecorator {
  return <This, Args extends unknown[], Result>(
    method: (this: This, ...args: Args) => Promise<Result>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Promise<Result>>,
  ) => {
    const name = namespace ?? methodNamespace(context);
    const bound = new Map<CacheManager, (this: This, ...args: Args) => Promise<Result>>();
    const resolve = (manager: CacheManager) => {
      let memoized = bound.get(manager);
      if (memoized === undefined) {
        memoized = manager.cacheRegion(regionName, name)(method, context);
        bound.set(manager, memoized);
      }
      return memoized as unknown as AnyMemoized;
    };
    const decorated = function (this: This, ...args: Args): Promise<Result> {
      if (defaultManager === undefined) {
        return Promise.reject(
          new ConfigError(
            `cache.regions.${regionName}`,
            `@cacheRegion on ${name} has no cache manager: call setDefaultCacheManager(manager), or create one with createVessel`,
          ),
        );
      }
      return (resolve(defaultManager) as unknown as (this: This, ...args: Args) => Promise<Result>).apply(this, args);
    };
    Object.defineProperty(decorated, 'name', { value: method.name });
    Object.defineProperty(decorated, RESOLVE_AGAINST, { value: resolve });
    return decorated;
  };
}
