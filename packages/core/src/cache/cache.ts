import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { coerceDuration } from '../config/coerce.js';
import type { Duration, ResolvedCachePolicy } from '../config/types.js';
import {
  CacheMissError,
  ConfigError,
  CorruptEntryError,
  CreateTimeoutError,
  LockLostError,
  LockTimeoutError,
} from '../errors.js';
import type { Lock } from '../storage/index.js';
import {
  type CacheEntry,
  dueForRefresh,
  type Freshness,
  freshnessOf,
  isFresh,
  newEntry,
  retentionMs,
  servesInGrace,
  servesWhileRecreating,
} from './entry.js';
import { checkedEntry, type EntryStore } from './entry-store.js';
import { type LockRenewal, renewWhileHeld, settleWithin } from './lock-renewal.js';

/** Options of `Cache.get`. */
export interface CacheGetOptions<Value> {
  /** Makes the value on a miss or a stale hit; what it returns is stored. Without it a miss throws `CacheMissError`. */
  createfunc?: () => Value | Promise<Value>;
  /** Freshness of a value this call creates, in seconds (`90`, `"10m"`); overrides the cache's `expire`. */
  expire?: Duration;
}

/** Options of `Cache.set`. */
export interface CacheSetOptions {
  /** Freshness of this value, in seconds (`90`, `"10m"`); overrides the cache's `expire`. */
  expire?: Duration;
}

/** Counters of one cache since it was made. */
export interface CacheStats {
  /** `get`s answered with a fresh value. */
  hits: number;
  /** `get`s that found nothing fresh (whatever happened next). */
  misses: number;
  /** `createfunc` runs that returned a value (background refreshes included). */
  creations: number;
  /** Callers that waited for another caller's `createfunc`, in this process or another. */
  waits: number;
  /** Stale values handed out, while one caller recreated them or in grace after a failure. */
  staleServed: number;
  /** Background refreshes started by `refreshAhead`. */
  refreshes: number;
  /** Failures of `createfunc` or of the storage (each also emitted as a `failure` event). */
  errors: number;
}

/** Counters at zero. */
export function zeroStats(): CacheStats {
  return { hits: 0, misses: 0, creations: 0, waits: 0, staleServed: 0, refreshes: 0, errors: 0 };
}

/** Events a `Cache` emits. */
export interface CacheEvents {
  /** `createfunc` made a value for `key` in `durationMs`, and it was stored (or the store failed: see `failure`). */
  create: [{ key: string; durationMs: number }];
  /** A stale value of `key` was handed out: while another caller recreates it, or in grace after a failure. */
  stale: [{ key: string; reason: 'recreating' | 'grace' }];
  /** `createfunc` or the storage failed for `key`; also when the failure was covered by a grace value. */
  failure: [{ key: string; error: unknown }];
}

/** What `CacheManager` gives a cache; not for applications. */
export interface CacheParts {
  /** The name applications use (`users`); the storage namespace is `cache:<name>`. */
  readonly name: string;
  readonly policy: ResolvedCachePolicy;
  readonly enabled: boolean;
  readonly store: EntryStore;
  /** Creations in progress in this process, per key, shared by every cache over the same entries. */
  readonly flights: Map<string, Promise<Created | undefined>>;
  /** The clock freshness is judged by, in ms since the epoch. */
  readonly now: () => number;
}

const TIMED_OUT = Symbol('timed out');

/** `createTimeout` when none is set, in `lockTtl`s: long enough for a creation that renews its lock a few times. */
const CREATE_TIMEOUT_LOCK_TTLS = 3;

/** What the stored key of a hashed key starts with; no key is stored under it unhashed. */
const HASHED_KEY_PREFIX = 'sha256:';

/** The outcome of a creation: the value, or `undefined` when another process holds the creator's lock. */
interface Created {
  readonly value: unknown;
}

/**
 * One cache namespace: `get` with a `createfunc` returns the stored value while it is fresh and
 * otherwise makes it, with at most one `createfunc` per key running at a time across every
 * process the storage's lock reaches (the dog-pile lock). Made by `CacheManager.getCache`.
 *
 * @example
 * const users = vessel.cache.getCache('users', { expire: '10m' })
 * const user = await users.get(`user:${id}`, { createfunc: () => db.findUser(id) })
 */
export class Cache extends EventEmitter<CacheEvents> {
  /** The cache's name; its entries live in storage namespace `cache:<name>`. */
  readonly name: string;
  /** The policy in force, durations in seconds. */
  readonly policy: ResolvedCachePolicy;
  /** `false` when the cache (or its region) is turned off: `get` calls `createfunc` every time. */
  readonly enabled: boolean;
  readonly #store: EntryStore;
  readonly #flights: Map<string, Promise<Created | undefined>>;
  readonly #now: () => number;
  readonly #freshness: Freshness;
  readonly #stats: CacheStats = zeroStats();
  /** The storage namespace's name, for errors about stored entries. */
  readonly #namespace: string;
  /** How long one `createfunc` may run, ms. */
  readonly #createTimeoutMs: number;

  /** Use `CacheManager.getCache`. */
  constructor(parts: CacheParts) {
    super();
    this.name = parts.name;
    this.policy = parts.policy;
    this.enabled = parts.enabled;
    this.#store = parts.store;
    this.#flights = parts.flights;
    this.#now = parts.now;
    this.#freshness = freshnessOf(parts.policy);
    this.#namespace = `cache:${parts.name}`;
    this.#createTimeoutMs = (parts.policy.createTimeout ?? CREATE_TIMEOUT_LOCK_TTLS * parts.policy.lockTtl) * 1000;
  }

  /**
   * The fresh value of `key`. On a miss, `createfunc` makes it — in one caller; the others wait
   * for that caller (up to `waitTimeout`) and get its result — and on a stale hit the stale value
   * is returned at once to everyone but the one caller recreating it. An error of `createfunc`
   * reaches its caller and stores nothing. Without `createfunc` a miss throws `CacheMissError`.
   */
  get<Value = unknown>(key: string, options?: CacheGetOptions<Value>): Promise<Value> {
    // Not async: a remote hit settles in the one step after the storage read, with no frame of
    // its own, and a memory hit costs one resolved promise.
    try {
      const storageKey = this.#storageKey(key);
      if (!this.enabled) return this.#uncached(key, options?.createfunc);
      let found: unknown;
      try {
        found = this.#store.read(storageKey);
      } catch (error) {
        return Promise.resolve(this.#afterFailedRead(storageKey, key, options, error) as Value | Promise<Value>);
      }
      if (found instanceof Promise) {
        return found.then(
          (stored: unknown) => this.#afterRead(storageKey, key, options, stored) as Value | Promise<Value>,
          (error: unknown) => this.#afterFailedRead(storageKey, key, options, error) as Value | Promise<Value>,
        );
      }
      return Promise.resolve(this.#afterRead(storageKey, key, options, found) as Value | Promise<Value>);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #uncached<Value>(key: string, createfunc: CacheGetOptions<Value>['createfunc']): Promise<Value> {
    if (createfunc === undefined) throw new CacheMissError(this.name, key);
    return createfunc();
  }

  /** `get` once the read answered: the value when fresh, else the miss path. */
  #afterRead(
    storageKey: string,
    key: string,
    options: CacheGetOptions<unknown> | undefined,
    stored: unknown,
  ): unknown | Promise<unknown> {
    let entry: CacheEntry | undefined;
    try {
      entry = checkedEntry(stored, this.#namespace, storageKey);
    } catch (error) {
      return this.#afterFailedRead(storageKey, key, options, error);
    }
    return this.#answer(storageKey, key, options, entry);
  }

  /**
   * `get` once the read failed. Corrupt bytes count as a miss (to be overwritten); an unreachable
   * storage falls back to the last copy this process saw, if the grace period covers it.
   */
  #afterFailedRead(
    storageKey: string,
    key: string,
    options: CacheGetOptions<unknown> | undefined,
    error: unknown,
  ): unknown | Promise<unknown> {
    this.#fail(key, error);
    if (error instanceof CorruptEntryError) return this.#answer(storageKey, key, options, undefined);
    const known = this.#store.lastKnown?.(storageKey);
    if (known === undefined || !servesInGrace(known, this.#now(), this.#freshness)) throw error;
    if (!isFresh(known, this.#now(), this.#freshness)) return this.#serveStale(known, key, 'grace');
    return this.#answer(storageKey, key, options, known);
  }

  /** The fresh value of `entry`, or the miss path (`CacheMissError` without `createfunc`). */
  #answer(
    storageKey: string,
    key: string,
    options: CacheGetOptions<unknown> | undefined,
    entry: CacheEntry | undefined,
  ): unknown | Promise<unknown> {
    const now = this.#now();
    const createfunc = options?.createfunc;
    if (entry !== undefined && isFresh(entry, now, this.#freshness)) {
      this.#stats.hits++;
      if (createfunc !== undefined && dueForRefresh(entry, now, this.#freshness))
        this.#refreshInBackground(storageKey, key, entry, createfunc, this.#expireMs(options?.expire));
      return entry.value;
    }
    this.#stats.misses++;
    if (createfunc === undefined) throw new CacheMissError(this.name, key);
    return this.#obtain(storageKey, key, createfunc, this.#expireMs(options?.expire), entry);
  }

  /** Stores `value` under `key`, fresh for `expire` seconds (the cache's own by default). */
  async set(key: string, value: unknown, options: CacheSetOptions = {}): Promise<void> {
    const storageKey = this.#storageKey(key);
    if (value === undefined) throw new TypeError(`cannot cache undefined under "${key}": use remove()`);
    if (!this.enabled) return;
    await this.#write(storageKey, value, this.#expireMs(options.expire));
  }

  /** Removes `key`, fresh or stale; `true` if something was stored. */
  async remove(key: string): Promise<boolean> {
    return this.#store.remove(this.#storageKey(key));
  }

  /** `true` when `key` holds a fresh value. */
  async has(key: string): Promise<boolean> {
    const storageKey = this.#storageKey(key);
    if (!this.enabled) return false;
    let entry: CacheEntry | undefined;
    try {
      entry = checkedEntry(await this.#store.read(storageKey), this.#namespace, storageKey);
    } catch (error) {
      if (error instanceof CorruptEntryError) return false;
      throw error;
    }
    return entry !== undefined && isFresh(entry, this.#now(), this.#freshness);
  }

  /** Removes every entry of this cache's namespace, and nothing else. */
  async clear(): Promise<void> {
    await this.#store.clear();
  }

  /** A copy of the counters. */
  stats(): CacheStats {
    return { ...this.#stats };
  }

  /**
   * The miss path. Loops because a wait can end without a value for this caller: the creator
   * failed (then this caller tries, and sees its own `createfunc`'s outcome) or another process
   * held the lock (then the stored value is read again).
   */
  async #obtain(
    storageKey: string,
    key: string,
    createfunc: () => unknown,
    expireMs: number | undefined,
    seen: CacheEntry | undefined,
  ): Promise<unknown> {
    const waitMs = this.policy.waitTimeout * 1000;
    const deadline = Date.now() + waitMs;
    let stale = seen;
    for (;;) {
      const servable = stale !== undefined && servesWhileRecreating(stale, this.#now(), this.#freshness);
      const running = this.#flights.get(storageKey);
      if (running !== undefined) {
        if (servable) return this.#serveStale(stale as CacheEntry, key, 'recreating');
        this.#stats.waits++;
        // A failed creator's caller has the error; this one goes round and tries itself.
        const created = await this.#awaitCreator(running, deadline).catch(() => undefined);
        if (created === TIMED_OUT) throw new LockTimeoutError(`cache:${this.name}`, key, waitMs);
        if (created !== undefined) return created.value;
      } else {
        const flight = this.#fly(storageKey, () =>
          this.#create(storageKey, key, createfunc, expireMs, {
            waitMs: servable ? 0 : Math.max(0, deadline - Date.now()),
            replacing: stale,
          }),
        );
        let created: Created | undefined;
        try {
          created = await flight;
        } catch (error) {
          this.#fail(key, error);
          if (stale !== undefined && servesInGrace(stale, this.#now(), this.#freshness))
            return this.#serveStale(stale, key, 'grace');
          throw error;
        }
        if (created !== undefined) return created.value;
        if (servable) return this.#serveStale(stale as CacheEntry, key, 'recreating');
      }
      if (Date.now() >= deadline) throw new LockTimeoutError(`cache:${this.name}`, key, waitMs);
      stale = await this.#readQuietly(storageKey, key);
      if (stale !== undefined && isFresh(stale, this.#now(), this.#freshness)) return stale.value;
    }
  }

  /**
   * Runs `createfunc` under the creator's lock and stores the result. With `waitMs` 0 a busy
   * lock gives up at once (`undefined`): a stale value is served meanwhile. After taking the
   * lock the stored value is read again: a fresh value other than the one being `replacing`
   * means a creator elsewhere just finished, and is taken instead. The lock is renewed while
   * `createfunc` runs, for at most `createTimeout`; then the creation is abandoned
   * (`CreateTimeoutError`) and the lock released.
   */
  async #create(
    storageKey: string,
    key: string,
    createfunc: () => unknown,
    expireMs: number | undefined,
    { waitMs, replacing }: { waitMs: number; replacing: CacheEntry | undefined },
  ): Promise<Created | undefined> {
    let lock: Lock | undefined;
    let renewal: LockRenewal | undefined;
    if (this.#store.lock !== undefined) {
      const ttlMs = this.policy.lockTtl * 1000;
      let taken = await this.#store.lock(storageKey, ttlMs, 0);
      if (taken === null && waitMs > 0) {
        this.#stats.waits++;
        taken = await this.#store.lock(storageKey, ttlMs, waitMs);
      }
      if (taken === null) return undefined;
      lock = taken;
      renewal = renewWhileHeld(
        lock,
        ttlMs,
        () => this.#fail(key, new LockLostError(this.#namespace, key)),
        (error) => this.#fail(key, error),
      );
    }
    try {
      if (lock !== undefined) {
        const current = await this.#readQuietly(storageKey, key);
        const isNew = current !== undefined && current.createdAt !== replacing?.createdAt;
        if (isNew && isFresh(current, this.#now(), this.#freshness)) return { value: current.value };
      }
      const started = performance.now();
      const value = await settleWithin(
        createfunc(),
        this.#createTimeoutMs,
        () => new CreateTimeoutError(this.name, key, this.#createTimeoutMs),
      );
      const durationMs = performance.now() - started;
      this.#stats.creations++;
      try {
        await this.#write(storageKey, value, expireMs);
      } catch (error) {
        // The value is good; failing to keep it only costs the next caller a creation.
        this.#fail(key, error);
      }
      this.emit('create', { key, durationMs });
      return { value };
    } finally {
      await renewal?.stop();
      // A release that fails leaves the lock to its TTL.
      await lock?.release().catch((error: unknown) => this.#fail(key, error));
    }
  }

  #refreshInBackground(
    storageKey: string,
    key: string,
    entry: CacheEntry,
    createfunc: () => unknown,
    expireMs: number | undefined,
  ): void {
    if (this.#flights.has(storageKey)) return;
    this.#stats.refreshes++;
    this.#fly(storageKey, () =>
      this.#create(storageKey, key, createfunc, expireMs, { waitMs: 0, replacing: entry }),
    ).catch((error: unknown) => this.#fail(key, error));
  }

  /** Registers a creation for `storageKey` so other callers in this process join it instead of starting one. */
  #fly(storageKey: string, work: () => Promise<Created | undefined>): Promise<Created | undefined> {
    const flight = work().finally(() => this.#flights.delete(storageKey));
    this.#flights.set(storageKey, flight);
    return flight;
  }

  /** The creator's outcome, or `TIMED_OUT` at `deadline`. */
  async #awaitCreator(
    flight: Promise<Created | undefined>,
    deadline: number,
  ): Promise<Created | undefined | typeof TIMED_OUT> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([flight, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #write(storageKey: string, value: unknown, expireMs: number | undefined): Promise<void> {
    const entry = newEntry(value, this.#now(), expireMs);
    await this.#store.write(storageKey, entry, retentionMs(expireMs, this.#freshness));
  }

  /** A read whose corruption counts as "nothing stored" (reported, not thrown). */
  async #readQuietly(storageKey: string, key: string): Promise<CacheEntry | undefined> {
    try {
      return checkedEntry(await this.#store.read(storageKey), this.#namespace, storageKey);
    } catch (error) {
      if (!(error instanceof CorruptEntryError)) throw error;
      this.#fail(key, error);
      return undefined;
    }
  }

  #serveStale(entry: CacheEntry, key: string, reason: 'recreating' | 'grace'): unknown {
    this.#stats.staleServed++;
    this.emit('stale', { key, reason });
    return entry.value;
  }

  #fail(key: string, error: unknown): void {
    this.#stats.errors++;
    this.emit('failure', { key, error });
  }

  #expireMs(expire: Duration | undefined): number | undefined {
    if (expire === undefined) return this.#freshness.expireMs;
    const seconds = coerceDuration('expire', expire);
    if (seconds === 0) throw new ConfigError('expire', 'expected a positive duration like 90, "15m" or "2h", got 0');
    return seconds * 1000;
  }

  /**
   * Keys longer than `keyLength` are stored under their SHA-256, so any key fits every backend.
   * So are keys that start with `sha256:` however short: a caller who picks a key must never
   * be able to spell another key's hash and read or overwrite its entry, so stored keys starting
   * with `sha256:` are hashes and nothing else.
   */
  #storageKey(key: string): string {
    if (typeof key !== 'string' || key.length === 0 || key.includes('\0')) {
      throw new TypeError(
        `invalid cache key ${JSON.stringify(typeof key === 'string' ? key.slice(0, 64) : String(key))}: expected a non-empty string without NUL`,
      );
    }
    if (key.length <= this.policy.keyLength && !key.startsWith(HASHED_KEY_PREFIX)) return key;
    return `${HASHED_KEY_PREFIX}${createHash('sha256').update(key).digest('base64url')}`;
  }
}
