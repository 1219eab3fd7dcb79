import type { FileStorageOptions } from './backends/file/file.js';
import type { MemoryStorageOptions } from './backends/memory.js';
import type { PostgresStorageOptions } from './backends/postgres.js';
import type { RedisStorageOptions } from './backends/redis.js';
import type { SqliteStorageOptions } from './backends/sqlite.js';

export type {
  FileStorageOptions,
  MemoryStorageOptions,
  PostgresStorageOptions,
  RedisStorageOptions,
  SqliteStorageOptions,
};

/** The storage backends Vessel ships. */
export type StorageType = 'memory' | 'file' | 'sqlite' | 'redis' | 'postgres';

/** How far a lock taken through a backend reaches. */
export type LockScope = 'process' | 'host' | 'deployment';

/** What a backend can do natively, declared by the backend rather than guessed. */
export interface StorageCapabilities {
  /** The backend expires entries by itself (Redis `PX`); others rely on reads and `sweep`. */
  readonly nativeTtl: boolean;
  /** `touch` moves an expiry without sending the value back to the server. */
  readonly touchWithoutRewrite: boolean;
  /** Who is excluded by a lock: this process, this host, or every host of the deployment. */
  readonly lockScope: LockScope;
  /** Data outlives the process (false only for `memory`). */
  readonly persistent: boolean;
}

/**
 * Circuit breaker settings of a storage (`breaker` in the storage options). One breaker guards
 * every namespace of the storage: they share the backend connection that is failing.
 */
export interface BreakerOptions {
  /**
   * Operations in a row that time out or cannot reach the backend before the circuit opens:
   * every operation then fails at once with `StorageUnavailableError`, without reaching the
   * backend. Default 5.
   */
  failureThreshold?: number;
  /**
   * How long an open circuit refuses everything before it lets one operation through as a
   * probe, in ms. The probe's success closes the circuit; its failure opens it for another
   * cool-down. Default 250.
   */
  coolDownMs?: number;
  /**
   * Operations that may wait for the backend at once; one more fails at once with
   * `StorageUnavailableError` instead of queueing. This bounds what a stalled backend can hold
   * (each waiting operation keeps its request alive) before the timeouts open the circuit.
   * Default 1000.
   */
  maxInFlight?: number;
}

/** Options shared by every backend. */
export interface CommonStorageOptions {
  /**
   * Written before every key (`<prefix>:<namespace>::<key>`), so several applications can share
   * one Redis database, SQLite file or PostgreSQL table. Letters, digits, `_`, `.`, `-`.
   * Default `vessel`.
   */
  prefix?: string;
  /**
   * How long connecting, and each operation, may take before it fails with a
   * `StorageUnavailableError`, in milliseconds. Default 5000.
   */
  timeoutMs?: number;
  /**
   * The circuit breaker that fails operations at once while the backend is known bad (see
   * `BreakerOptions` for the defaults); `false` turns it off. Not used by `memory`.
   */
  breaker?: BreakerOptions | false;
}

/** Options for `createStorage`, one shape per backend (each declared beside its backend). */
export type StorageOptions =
  | MemoryStorageOptions
  | FileStorageOptions
  | SqliteStorageOptions
  | RedisStorageOptions
  | PostgresStorageOptions;

/** One stored entry as `scan` yields it. */
export interface StorageEntry<Value = unknown> {
  /** The key inside its namespace (without prefix or namespace). */
  readonly key: string;
  /** When the entry expires, in ms since the epoch; `null` for never. */
  readonly expiresAt: number | null;
  /** Size of the stored (encoded) value in bytes. */
  readonly size: number;
  /** The decoded value; `undefined` when `corrupt` is set. */
  readonly value: Value | undefined;
  /** Set when the stored bytes cannot be decoded; the entry is still listed so it can be purged. */
  readonly corrupt?: string;
}

/** Options for `Namespace.scan`. */
export interface ScanOptions {
  /** Entries fetched from the backend per round trip: a whole number >= 1. Default 500. */
  pageSize?: number;
  /** Yield entries whose expiry has passed but which were not yet swept. Default false. */
  includeExpired?: boolean;
  /** Skip the value: `value` is `undefined`, nothing is decoded. Default false. */
  keysOnly?: boolean;
}

/** Options for `Namespace.lock`. */
export interface LockOptions {
  /** How long the lock lives unless renewed with `Lock.extend`, so a crashed holder frees it, ms. Default 30000. */
  ttlMs?: number;
  /** How long to wait for a busy lock, ms; 0 tries once. Default 10000. */
  waitMs?: number;
}

/** A held lock. Release it in a `finally`; it frees itself after its TTL anyway. */
export interface Lock {
  /** The locked key inside its namespace. */
  readonly key: string;
  /**
   * Renews the lock: its expiry moves to `ttlMs` from now (default: the TTL it was taken with).
   * A holder whose work may outlast the TTL calls this well before it runs out (every third of
   * it, say), so nobody takes the lock from a slow but live holder while a crashed one still
   * loses it after one TTL. Every backend's lock expires (Redis `PEXPIRE` by a token-checked
   * script; a row update on SQLite and PostgreSQL; a rewrite of the lock file under its steal
   * guard; the map in memory). `false` when this holder no longer has the lock: released, or
   * expired and taken by someone else, who may be doing the same work.
   */
  extend(ttlMs?: number): Promise<boolean>;
  /** Frees the lock if this holder still owns it; safe to call twice. */
  release(): Promise<void>;
}

/** A value and the version of the stored bytes it came from (or was written as). */
export interface Versioned<Value> {
  readonly value: Value;
  /** Opaque; changes whenever the stored entry is rewritten. */
  readonly version: string;
}

/** Options for `Namespace.set`. */
export interface SetOptions {
  /** Time to live in ms; omitted or 0 means the entry never expires. */
  ttlMs?: number;
}

/** Options for `Namespace.setIfVersion`. */
export interface SetIfVersionOptions extends SetOptions {
  /**
   * `value` already encoded, when the caller has its text (`json`, and whether it is in the
   * `tagged` form): stored as given instead of encoding `value` again. It must decode to `value`
   * — a session save builds it from the stored text of the keys it did not change.
   */
  encoded?: { readonly json: string; readonly tagged: boolean };
}

/**
 * One isolated keyspace of a storage (`session`, `cache:users`). Nothing done through one
 * namespace reads or changes another namespace, or keys that Vessel did not write.
 */
export interface Namespace {
  /** The namespace's name. */
  readonly name: string;
  /**
   * In-process state kept with this namespace, one value per `key` (made by `create` on first
   * use): what the layers above share between their objects over the same namespace of the same
   * storage, such as the cache's creations in flight. Never stored; gone with the storage.
   */
  local<Value>(key: symbol, create: () => Value): Value;
  /** The decoded value, or `undefined` when missing or expired; a `CorruptEntryError` when undecodable. */
  get<Value = unknown>(key: string): Promise<Value | undefined>;
  /** Stores `value` (see the codec for supported types) with an optional TTL. */
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  /**
   * The value together with an opaque version of what is stored, for `setIfVersion`;
   * `undefined` when missing or expired.
   */
  getVersioned<Value = unknown>(key: string): Promise<Versioned<Value> | undefined>;
  /**
   * Stores `value` only if the entry still holds `version` (nobody wrote it since it was read):
   * one atomic step on the backend. `false` when it changed or vanished meanwhile.
   */
  setIfVersion(
    key: string,
    version: string,
    value: unknown,
    options?: SetIfVersionOptions,
  ): Promise<Versioned<unknown> | false>;
  /** Removes the entry; `true` if one was there. */
  delete(key: string): Promise<boolean>;
  /** `true` when the key holds an unexpired entry. */
  has(key: string): Promise<boolean>;
  /** Removes every entry of this namespace, and nothing else. */
  clear(): Promise<void>;
  /**
   * Streams entries a page at a time in bounded memory: in key order on SQL and memory
   * backends, in hash order on Redis and file.
   */
  scan(options?: ScanOptions): AsyncIterable<StorageEntry>;
  /** Number of entries; expired but unswept ones only with `includeExpired`. */
  count(options?: { includeExpired?: boolean }): Promise<number>;
  /**
   * Moves the expiry of an existing entry (ms since the epoch, `null` for never) without
   * re-encoding its value. Returns `false` when there is no such (unexpired) entry.
   */
  touch(key: string, expiresAt: number | null): Promise<boolean>;
  /** Deletes every expired entry of this namespace; returns how many went. */
  sweep(): Promise<number>;
  /** Takes the lock on `key` in this namespace (see `StorageCapabilities.lockScope`). */
  lock(key: string, options?: LockOptions): Promise<Lock>;
  /** Runs `work` under the lock on `key` and releases it afterwards, even on error. */
  withLock<Result>(key: string, work: () => Promise<Result>, options?: LockOptions): Promise<Result>;
}

/** A storage: one backend connection shared by any number of namespaces. */
export interface Storage {
  /** The backend's type. */
  readonly type: StorageType;
  /** What the backend does natively. */
  readonly capabilities: StorageCapabilities;
  /** Where the data lives, for humans (`sqlite ./data/vessel.sqlite`, `redis://:***@host:6379`). */
  readonly location: string;
  /** The key prefix in use. */
  readonly prefix: string;
  /** The namespace `name`; the same object for the same name. */
  namespace(name: string): Namespace;
  /**
   * The startup check: resolves once the storage is usable — its folder created and writable
   * (file), its database file opened (SQLite), the server answering (Redis, PostgreSQL) — within
   * `timeoutMs`; rejects with a `StorageUnavailableError` naming the location (password masked)
   * and the option to fix (`cacheDir`, `url`). Memory resolves at once. Nothing waits for it
   * (operations connect by themselves) and each call checks again.
   */
  ready(): Promise<void>;
  /** Connects (if not yet) and checks the backend answers; throws `StorageUnavailableError`. */
  ping(): Promise<void>;
  /** Closes connections and files. Operations after `close` fail. */
  close(): Promise<void>;
}
