/**
 * Where a cache keeps its entries. Three shapes behind one interface:
 * - `MemoryEntries` for a memory storage: live values in this process, no copy, no codec — the
 *   memory backend is private to the process anyway, and this is what makes a hit cost a Map read;
 * - `StoredEntries` for every other backend: records in a storage namespace, read back decoded;
 * - `LocalTier` in front of `StoredEntries`: a bounded in-process copy trusted for a short TTL.
 */
import { CorruptEntryError, LockTimeoutError } from '../errors.js';
import type { Lock, Namespace } from '../storage/index.js';
import { type CacheEntry, entryFrom, toStoredLayout } from './entry.js';
import { LruMap } from './lru.js';

/**
 * What a store hands back for a key: an entry (in whichever layout the store keeps it), or
 * `undefined` when nothing is stored; anything else is corrupt. `checkedEntry` tells them apart.
 */
export type StoredEntry = unknown;

/** The entry in `stored`, `undefined` when nothing is stored; a `CorruptEntryError` for anything a cache did not write. */
export function checkedEntry(stored: StoredEntry, namespace: string, key: string): CacheEntry | undefined {
  if (stored === undefined) return undefined;
  const entry = entryFrom(stored);
  if (entry === undefined) throw new CorruptEntryError(namespace, key, 'the record is not a cache entry');
  return entry;
}

/** The operations a cache needs from where it keeps entries. */
export interface EntryStore {
  /**
   * What is stored under `key` (check it with `checkedEntry`). Answers synchronously when it
   * can, so a hit in memory costs no promise; a remote read is the storage's own promise, so a
   * hit costs no step of this layer's.
   */
  read(key: string): StoredEntry | Promise<StoredEntry>;
  /** Stores `entry`; the backend may drop it after `retainMs` (kept forever when `undefined`). */
  write(key: string, entry: CacheEntry, retainMs: number | undefined): Promise<void>;
  remove(key: string): Promise<boolean>;
  clear(): Promise<void>;
  /**
   * The lock creators of `key` take across processes, or `undefined` when the in-process flight
   * is all the exclusion there is (memory). `null` when busy and `waitMs` is 0.
   */
  lock?(key: string, ttlMs: number, waitMs: number): Promise<Lock | null>;
  /** The last entry this process saw for `key`, however old: the grace fallback when the storage fails. */
  lastKnown?(key: string): CacheEntry | undefined;
}

/** How many dead entries a memory write clears from the old end, so nobody-reads-it garbage drains. */
const DROP_PER_WRITE = 2;

interface HeldEntry {
  readonly entry: CacheEntry;
  /** When the entry may be forgotten (cache clock, ms); `Infinity` for never. */
  readonly dropAt: number;
}

/** Live entries of one memory-storage namespace, shared by every cache over it. */
export class MemoryEntries implements EntryStore {
  readonly #entries: LruMap<HeldEntry>;
  readonly #now: () => number;

  constructor(maxEntries: number, now: () => number) {
    this.#entries = new LruMap(maxEntries);
    this.#now = now;
  }

  read(key: string): CacheEntry | undefined {
    const held = this.#entries.get(key);
    if (held === undefined) return undefined;
    if (held.dropAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return held.entry;
  }

  async write(key: string, entry: CacheEntry, retainMs: number | undefined): Promise<void> {
    const now = this.#now();
    this.#entries.set(key, { entry, dropAt: retainMs === undefined ? Number.POSITIVE_INFINITY : now + retainMs });
    this.#entries.dropExpired((held) => held.dropAt <= now, DROP_PER_WRITE);
  }

  async remove(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }

  async clear(): Promise<void> {
    this.#entries.clear();
  }
}

/** Entries as records of a storage namespace, in the stored layout (`entry.ts`). */
export class StoredEntries implements EntryStore {
  readonly #namespace: Namespace;

  constructor(namespace: Namespace) {
    this.#namespace = namespace;
  }

  /** The storage namespace's name. */
  get namespace(): string {
    return this.#namespace.name;
  }

  read(key: string): Promise<StoredEntry> {
    return this.#namespace.get(key);
  }

  write(key: string, entry: CacheEntry, retainMs: number | undefined): Promise<void> {
    const ttlMs = retainMs === undefined ? 0 : Math.ceil(retainMs);
    return this.#namespace.set(key, toStoredLayout(entry), { ttlMs });
  }

  remove(key: string): Promise<boolean> {
    return this.#namespace.delete(key);
  }

  clear(): Promise<void> {
    return this.#namespace.clear();
  }

  async lock(key: string, ttlMs: number, waitMs: number): Promise<Lock | null> {
    try {
      return await this.#namespace.lock(key, { ttlMs, waitMs });
    } catch (error) {
      if (waitMs === 0 && error instanceof LockTimeoutError) return null;
      throw error;
    }
  }
}

interface LocalCopy {
  readonly entry: CacheEntry;
  /** Until when the copy is served without asking the storage (cache clock, ms). */
  readonly trustedUntil: number;
}

/**
 * A bounded in-process copy in front of a remote store. Other processes' writes reach this one
 * after at most `ttlMs`; its own writes and removals are seen at once.
 */
export class LocalTier implements EntryStore {
  readonly #remote: StoredEntries;
  readonly #copies: LruMap<LocalCopy>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(remote: StoredEntries, maxEntries: number, ttlMs: number, now: () => number) {
    this.#remote = remote;
    this.#copies = new LruMap(maxEntries);
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  read(key: string): StoredEntry | Promise<StoredEntry> {
    const copy = this.#copies.get(key);
    const now = this.#now();
    // A copy past its own freshness is not trusted either: another process may have recreated it.
    if (copy !== undefined && now < copy.trustedUntil && (copy.entry.freshUntil ?? now + 1) > now) return copy.entry;
    return this.#readRemote(key);
  }

  async #readRemote(key: string): Promise<CacheEntry | undefined> {
    const entry = checkedEntry(await this.#remote.read(key), this.#remote.namespace, key);
    if (entry === undefined) this.#copies.delete(key);
    else this.#keep(key, entry);
    return entry;
  }

  async write(key: string, entry: CacheEntry, retainMs: number | undefined): Promise<void> {
    await this.#remote.write(key, entry, retainMs);
    this.#keep(key, entry);
  }

  async remove(key: string): Promise<boolean> {
    this.#copies.delete(key);
    return this.#remote.remove(key);
  }

  async clear(): Promise<void> {
    this.#copies.clear();
    await this.#remote.clear();
  }

  lock(key: string, ttlMs: number, waitMs: number): Promise<Lock | null> {
    return this.#remote.lock(key, ttlMs, waitMs);
  }

  lastKnown(key: string): CacheEntry | undefined {
    return this.#copies.get(key)?.entry;
  }

  #keep(key: string, entry: CacheEntry): void {
    this.#copies.set(key, { entry, trustedUntil: this.#now() + this.#ttlMs });
  }
}
