/**
 * What a cache keeps for one key, and the arithmetic of its freshness. The storage record's own
 * expiry only decides when the backend may drop the bytes; whether a value is fresh, stale but
 * servable, or only good as a grace fallback is decided here, against the cache's clock.
 */
import type { ResolvedCachePolicy } from '../config/types.js';

/** One cached value with the times that decide its freshness (ms since the epoch). */
export interface CacheEntry {
  readonly value: unknown;
  /** When `createfunc` (or `set`) produced the value; `starttime` compares against it. */
  readonly createdAt: number;
  /** The value is fresh until this moment; `null` for never. */
  readonly freshUntil: number | null;
}

/**
 * How a remote store keeps an entry in its storage record: `[createdAt, freshForMs, value]`
 * (`freshForMs` null for never). An array rather than the entry object, and a duration rather
 * than a second timestamp, because the record is parsed on every remote hit: `JSON.parse` builds
 * an array faster than an object, and reads a small integer faster than a 13-digit one.
 */
export type StoredLayout = [createdAt: number, freshForMs: number | null, value: unknown];

/** `entry` in its stored layout. */
export function toStoredLayout(entry: CacheEntry): StoredLayout {
  const { createdAt, freshUntil } = entry;
  return [createdAt, freshUntil === null ? null : freshUntil - createdAt, entry.value];
}

/**
 * The entry a store handed back: the stored layout, or an entry object (what memory stores and
 * the local tier hold, and what remote stores held before the layout); `undefined` for anything
 * a cache did not write, which the cache treats as corrupt.
 */
export function entryFrom(stored: unknown): CacheEntry | undefined {
  if (stored === null || typeof stored !== 'object') return undefined;
  if (Array.isArray(stored)) {
    if (stored.length !== 3) return undefined;
    const [createdAt, freshForMs, value] = stored as unknown[];
    if (typeof createdAt !== 'number' || (freshForMs !== null && typeof freshForMs !== 'number')) return undefined;
    return { value, createdAt, freshUntil: freshForMs === null ? null : createdAt + freshForMs };
  }
  const { createdAt, freshUntil } = stored as Partial<CacheEntry>;
  const isEntry =
    Object.hasOwn(stored, 'value') &&
    typeof createdAt === 'number' &&
    (freshUntil === null || typeof freshUntil === 'number');
  return isEntry ? (stored as CacheEntry) : undefined;
}

/** The policy's times in milliseconds, worked out once per cache. */
export interface Freshness {
  /** How long a new value stays fresh; `undefined` for forever. */
  readonly expireMs: number | undefined;
  /** Past `freshUntil`, how long a stale value is handed out while one caller recreates it. */
  readonly staleMs: number;
  /** Past `freshUntil`, how long a stale value may stand in for a failed `createfunc` or storage. */
  readonly graceMs: number;
  /** A hit this close to `freshUntil` starts a background refresh; 0 is off. */
  readonly refreshAheadMs: number;
  /** Entries created before this moment are stale; 0 for no such cut-off. */
  readonly starttime: number;
}

/** The millisecond view of a policy. */
export function freshnessOf(policy: ResolvedCachePolicy): Freshness {
  const expireMs = policy.expire === undefined ? undefined : policy.expire * 1000;
  return {
    expireMs,
    staleMs: (policy.staleWhileRecreate ?? policy.expire ?? 0) * 1000,
    graceMs: policy.grace * 1000,
    refreshAheadMs: policy.refreshAhead * 1000,
    starttime: policy.starttime?.getTime() ?? 0,
  };
}

/** A new entry created at `now`, fresh for `expireMs` (forever when `undefined`). */
export function newEntry(value: unknown, now: number, expireMs: number | undefined): CacheEntry {
  return { value, createdAt: now, freshUntil: expireMs === undefined ? null : now + expireMs };
}

/** How long the storage should keep an entry: freshness plus the longest window a stale copy serves. */
export function retentionMs(expireMs: number | undefined, freshness: Freshness): number | undefined {
  return expireMs === undefined ? undefined : expireMs + Math.max(freshness.staleMs, freshness.graceMs);
}

/** The entry is fresh at `now`: not expired, and not created before the cache's `starttime`. */
export function isFresh(entry: CacheEntry, now: number, freshness: Freshness): boolean {
  return (entry.freshUntil === null || now < entry.freshUntil) && entry.createdAt >= freshness.starttime;
}

/** When a stale entry stopped being fresh (its expiry, or `starttime` for an invalidated one). */
function staleSince(entry: CacheEntry, freshness: Freshness): number {
  if (entry.createdAt < freshness.starttime) return freshness.starttime;
  return entry.freshUntil ?? Number.POSITIVE_INFINITY;
}

/** A stale entry that may be handed out at once while one caller recreates it. */
export function servesWhileRecreating(entry: CacheEntry, now: number, freshness: Freshness): boolean {
  return now < staleSince(entry, freshness) + freshness.staleMs;
}

/**
 * A stale entry that may stand in when recreating it or reaching the storage fails: until `graceMs`
 * past its staleness, end excluded, like the stale window and the storage's retention of the record.
 */
export function servesInGrace(entry: CacheEntry, now: number, freshness: Freshness): boolean {
  return isFresh(entry, now, freshness) || now < staleSince(entry, freshness) + freshness.graceMs;
}

/** A fresh entry close enough to its expiry that a hit should refresh it in the background. */
export function dueForRefresh(entry: CacheEntry, now: number, freshness: Freshness): boolean {
  return (
    freshness.refreshAheadMs > 0 && entry.freshUntil !== null && entry.freshUntil - now <= freshness.refreshAheadMs
  );
}
