import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter } from 'keyv';
import type { BackendDriver, ScanPage, ScanPageRequest } from '../driver.js';
import { readRecordExpiry, withRecordExpiry } from '../encoding/record.js';
import type { KeyRange } from '../keys.js';
import type { CommonStorageOptions, StorageCapabilities } from '../types.js';

/** In-process storage: fast, private to one process, gone when it exits. */
export interface MemoryStorageOptions extends CommonStorageOptions {
  type: 'memory';
  /**
   * Most entries kept, over every namespace of the storage. A write that would pass it first
   * drops expired entries, then the least recently written or touched ones (with one idle
   * timeout for every session, those expire soonest). `Infinity` for no bound. Default 100000.
   */
  maxEntries?: number;
  /**
   * How often expired entries are deleted in the background, in ms (an unref'd timer: it never
   * keeps the process alive). `0` turns the timer off; reads still drop what they find expired.
   * Default 60000.
   */
  sweepIntervalMs?: number;
}

/**
 * What the memory backend does natively: expiry is checked on read and swept by a timer, a
 * touch moves the expiry in place, a lock excludes this process only, and nothing outlives it.
 */
export const MEMORY_CAPABILITIES: StorageCapabilities = Object.freeze({
  nativeTtl: false,
  touchWithoutRewrite: true,
  lockScope: 'process',
  persistent: false,
});

/** Records keep their encoded text so callers never share mutable objects with the store. */
interface MemoryRecord {
  raw: string;
  expiresAt: number | null;
}

type RecordMap = Map<string, MemoryRecord>;

/** Stores a record as the most recent write (see `createMemoryDriver`). */
type PutRecord = (key: string, record: MemoryRecord) => void;

/** Default `maxEntries` of the memory backend: entries kept at most, over all namespaces. */
export const DEFAULT_MAX_ENTRIES = 100_000;
/** Default `sweepIntervalMs` of the memory backend: ms between background deletions of expired entries. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

function inRange(key: string, range: KeyRange): boolean {
  return key >= range.start && key < range.end;
}

function isLive(record: MemoryRecord, now: number): boolean {
  return record.expiresAt === null || record.expiresAt > now;
}

/** keyv adapter over the driver's map; expiry is checked by keyv from the record. */
class MemoryAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts = { dialect: 'memory' };
  namespace?: string | undefined;
  readonly #records: RecordMap;
  readonly #put: PutRecord;

  constructor(records: RecordMap, put: PutRecord) {
    super();
    this.#records = records;
    this.#put = put;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    return this.#records.get(key)?.raw as Value | undefined;
  }

  async set(key: string, raw: string): Promise<void> {
    this.#put(key, { raw, expiresAt: readRecordExpiry(raw) });
  }

  async delete(key: string): Promise<boolean> {
    return this.#records.delete(key);
  }

  async clear(): Promise<void> {
    throw new Error('clear goes through the driver, which knows the namespace range');
  }
}

/**
 * In-process backend: one map per storage; locks exclude only this process.
 *
 * Expired entries are deleted by an unref'd timer every `sweepIntervalMs`, and the map never
 * holds more than `maxEntries`: a write into a full map deletes the expired entries, then the
 * least recently written or touched ones (the map keeps write order: a write moves its key to
 * the end). Room is made for 1% of `maxEntries` at a time, so the full pass is paid once per
 * that many writes, not on each.
 */
export function createMemoryDriver(options: MemoryStorageOptions): BackendDriver {
  const records: RecordMap = new Map();
  const locks = new Map<string, { token: string; expiresAt: number }>();
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const roomPerEviction = Number.isFinite(maxEntries) ? Math.max(1, Math.floor(maxEntries / 100)) : 0;

  function deleteExpired(now: number): void {
    for (const [key, record] of records) if (!isLive(record, now)) records.delete(key);
    for (const [key, lock] of locks) if (lock.expiresAt <= now) locks.delete(key);
  }

  function makeRoom(): void {
    deleteExpired(Date.now());
    let excess = records.size - (maxEntries - roomPerEviction);
    for (const key of records.keys()) {
      if (excess-- <= 0) break;
      records.delete(key); // the oldest write
    }
  }

  const put: PutRecord = (key, record) => {
    if (!records.delete(key) && records.size >= maxEntries) makeRoom();
    records.set(key, record);
  };

  const sweepTimer = sweepIntervalMs > 0 ? setInterval(() => deleteExpired(Date.now()), sweepIntervalMs) : undefined;
  sweepTimer?.unref();

  return {
    type: 'memory',
    capabilities: MEMORY_CAPABILITIES,
    location: 'memory (this process)',
    embedsExpiry: true,
    async connect() {},
    async ping() {},
    createAdapter: () => new MemoryAdapter(records, put),

    async read(fullKey) {
      return records.get(fullKey)?.raw;
    },

    async scanPage({ range, cursor, limit, includeExpired, now }: ScanPageRequest): Promise<ScanPage> {
      // Maps iterate in insertion order, so a page is the next `limit` keys above the cursor.
      const keys: string[] = [];
      for (const [key, record] of records) {
        if (inRange(key, range) && (cursor === null || key > cursor) && (includeExpired || isLive(record, now))) {
          keys.push(key);
        }
      }
      keys.sort();
      const page = keys.slice(0, limit);
      const entries = page.flatMap((key) => {
        const record = records.get(key);
        return record
          ? [{ key, raw: record.raw, size: Buffer.byteLength(record.raw), expiresAt: record.expiresAt }]
          : [];
      });
      return { entries, cursor: keys.length > limit ? (page.at(-1) ?? null) : null };
    },

    async count(range, includeExpired, now) {
      let total = 0;
      for (const [key, record] of records) if (inRange(key, range) && (includeExpired || isLive(record, now))) total++;
      return total;
    },

    async compareAndSet(fullKey, expectedRaw, raw, expiresAt) {
      // Usually the very string handed out by `read`, so this compares one pointer.
      if (records.get(fullKey)?.raw !== expectedRaw) return false;
      put(fullKey, { raw, expiresAt });
      return true;
    },

    async touch(fullKey, expiresAt, now) {
      const record = records.get(fullKey);
      if (!record || !isLive(record, now)) return false;
      put(fullKey, { raw: withRecordExpiry(record.raw, expiresAt), expiresAt });
      return true;
    },

    async sweep(range, now) {
      let removed = 0;
      for (const [key, record] of records) {
        if (inRange(key, range) && !isLive(record, now)) {
          records.delete(key);
          removed++;
        }
      }
      return removed;
    },

    async clear(range) {
      for (const key of records.keys()) if (inRange(key, range)) records.delete(key);
    },

    async tryLock(lockKey, token, ttlMs) {
      const now = Date.now();
      const held = locks.get(lockKey);
      if (held && held.expiresAt > now) return false;
      locks.set(lockKey, { token, expiresAt: now + ttlMs });
      return true;
    },

    async unlock(lockKey, token) {
      if (locks.get(lockKey)?.token === token) locks.delete(lockKey);
    },

    async extendLock(lockKey, token, ttlMs) {
      const held = locks.get(lockKey);
      if (held?.token !== token) return false;
      held.expiresAt = Date.now() + ttlMs;
      return true;
    },

    translateError: (error) => error,

    async close() {
      clearInterval(sweepTimer);
      records.clear();
      locks.clear();
    },
  };
}
