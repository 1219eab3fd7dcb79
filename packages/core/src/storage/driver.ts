import type { KeyvStoreAdapter } from 'keyv';
import type { KeyRange } from './keys.js';
import type { StorageCapabilities, StorageType } from './types.js';

/**
 * The milliseconds left until `expiresAt` (ms since the epoch), at least 1, by this process's
 * clock now: the TTL to send a backend (or keyv) that takes durations, counted as the command
 * leaves, so time spent waiting before it (for a connection, for the entry's lock) never
 * stretches it.
 */
export function msUntil(expiresAt: number): number {
  return Math.max(1, expiresAt - Date.now());
}

/**
 * The contract between the generic storage layer and one backend (`backends/memory.ts`,
 * `backends/redis.ts`, …; the registry of them is `backends/index.ts`).
 *
 * Single-key reads and writes go through keyv with the adapter the driver creates; the
 * operations keyv has no notion of (paged listing, bulk expiry, moving a TTL, locks) are the
 * driver's own queries. Keys handed to a driver are always full keys (`<prefix>:<ns>::<key>`).
 */
export interface BackendDriver {
  readonly type: StorageType;
  readonly capabilities: StorageCapabilities;
  /** Where the data lives, for messages; passwords masked. */
  readonly location: string;
  /**
   * True when records carry their own `expires` (checked on read, deleted by `sweep`);
   * false when the backend expires keys itself and records are written without one.
   */
  readonly embedsExpiry: boolean;
  /** Connects once (idempotent); rejects with `StorageUnavailableError` within the timeout. */
  connect(): Promise<void>;
  /** Checks the backend answers right now (connecting first if needed). */
  ping(): Promise<void>;
  /** A fresh keyv adapter; the storage creates one per namespace, after `connect`. */
  createAdapter(): KeyvStoreAdapter;
  /**
   * The stored text at `fullKey`, or null/undefined: the read behind `get` and `getVersioned`,
   * one backend call with nothing in between (a client's own promise where it has one: every
   * wrapper costs each read). Optional: without it, reads go through keyv.
   */
  read?(fullKey: string): Promise<string | null | undefined>;
  /**
   * Stores `raw` at `fullKey`, expiring at the instant `expiresAt` (ms since the epoch; null for
   * never): the write behind `set` for backends that expire keys themselves, so the time spent
   * waiting for a connection does not keep the entry longer. Optional: without it, writes go
   * through keyv.
   */
  write?(fullKey: string, raw: string, expiresAt: number | null): Promise<void>;
  /** One page of raw records in `range`, after `cursor` (null: from the start). */
  scanPage(request: ScanPageRequest): Promise<ScanPage>;
  /** Entries in `range`; expired ones (by `now`) only when `includeExpired`. */
  count(range: KeyRange, includeExpired: boolean, now: number): Promise<number>;
  /**
   * Replaces the record at `fullKey` with `raw` (expiring at `expiresAt`, ms since the epoch,
   * as written into `raw` where the backend embeds expiry; null for never) only if it is still
   * exactly `expectedRaw`, atomically on the backend. Optional: without it the storage does the
   * same under the entry's lock.
   */
  compareAndSet?(fullKey: string, expectedRaw: string, raw: string, expiresAt: number | null): Promise<boolean>;
  /** Moves the expiry of a live entry; false when there is none. */
  touch(fullKey: string, expiresAt: number | null, now: number): Promise<boolean>;
  /** Deletes entries in `range` whose expiry is before `now`; returns how many. */
  sweep(range: KeyRange, now: number): Promise<number>;
  /** Deletes every entry in `range`. */
  clear(range: KeyRange): Promise<void>;
  /** Takes the lock `lockKey` for `token` unless another live holder has it. */
  tryLock(lockKey: string, token: string, ttlMs: number): Promise<boolean>;
  /** Frees `lockKey` if `token` still holds it. */
  unlock(lockKey: string, token: string): Promise<void>;
  /**
   * Moves the expiry of `lockKey` to `ttlMs` from now if `token` still holds it (on the clock
   * `tryLock` judges expiry by); false when it does not: released, or expired and taken by
   * another holder. Never takes a lock that is not `token`'s.
   */
  extendLock(lockKey: string, token: string, ttlMs: number): Promise<boolean>;
  /** Maps a backend error to `StorageUnavailableError` when it means "cannot reach"; else returns it. */
  translateError(error: unknown): unknown;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

/** What `scanPage` is asked for. */
export interface ScanPageRequest {
  readonly range: KeyRange;
  /** Opaque position returned by the previous page; null for the first. */
  readonly cursor: string | null;
  /** Roughly how many entries to return (a backend may return fewer or a few more). */
  readonly limit: number;
  readonly includeExpired: boolean;
  readonly now: number;
  /** The caller does not need the values. */
  readonly keysOnly: boolean;
}

/** A page of raw records and where the next one starts (null: done). */
export interface ScanPage {
  readonly entries: readonly RawEntry[];
  readonly cursor: string | null;
}

/** A stored record as the backend holds it. */
export interface RawEntry {
  /** Full key. */
  readonly key: string;
  /** Stored text; undefined when `keysOnly` was asked. */
  readonly raw: string | undefined;
  /** Stored size in bytes (of `raw`, or as reported by the backend). */
  readonly size: number;
  /** Expiry from the backend (Redis TTL) when it has one, else read from the record. */
  readonly expiresAt: number | null;
}

/** Builds a driver from resolved options. */
export type DriverFactory<Options> = (options: Options) => BackendDriver;
