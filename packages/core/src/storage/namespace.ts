import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Keyv from 'keyv';
import { CorruptEntryError, LockTimeoutError, VesselError } from '../errors.js';
import { type BackendDriver, msUntil, type ScanPage } from './driver.js';
import { encodeValue } from './encoding/codec.js';
import {
  type DecodedRecord,
  deserializeRecord,
  RecordDecodeError,
  readRecordExpiry,
  recordOfEncoded,
  serializeRecord,
} from './encoding/record.js';
import { type KeyRange, lockKeyFor, namespaceRange, validateKey } from './keys.js';
import type { OperationDeadlines } from './timeout.js';
import type {
  Lock,
  LockOptions,
  Namespace,
  ScanOptions,
  SetIfVersionOptions,
  SetOptions,
  StorageEntry,
  Versioned,
} from './types.js';

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_LOCK_TTL_MS = 30_000;
const DEFAULT_LOCK_WAIT_MS = 10_000;

const recordValue = (record: DecodedRecord): unknown => record.value;
// The version is the stored text the value was decoded from.
const recordVersion = (record: DecodedRecord): Versioned<unknown> | undefined =>
  record.raw === undefined ? undefined : { value: record.value, version: record.raw };

function validTtl(ttlMs = 0): number {
  if (!Number.isInteger(ttlMs) || ttlMs < 0)
    throw new TypeError(`ttlMs must be a whole number of milliseconds >= 0, got ${ttlMs}`);
  return ttlMs;
}

/** Entries per page: a whole number >= 1 (a backend given less lists too little or fails). */
function validPageSize(pageSize = DEFAULT_PAGE_SIZE): number {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new TypeError(`pageSize must be a whole number of entries >= 1, got ${pageSize}`);
  return pageSize;
}

/** The TTL keyv is handed for an entry expiring at `expiresAt`: what is left of it now (none for never). */
function ttlLeft(expiresAt: number | null): number | undefined {
  return expiresAt === null ? undefined : msUntil(expiresAt);
}

/** What a namespace needs from the storage that owns it. */
export interface NamespaceContext {
  readonly driver: BackendDriver;
  readonly prefix: string;
  /** Per-operation timeout for single-key operations, ms; 0 disables it. */
  readonly timeoutMs: number;
  /** What enforces `timeoutMs`; undefined when it is 0. */
  readonly deadlines: OperationDeadlines | undefined;
  /** Resolves once the backend is connected; rejects with `StorageUnavailableError`. */
  ready(): Promise<void>;
  /** `true` while connected and open: `ready()` would resolve at once, so hot paths skip awaiting it. */
  isReady(): boolean;
}

/** A namespace over one keyv instance (and adapter) of its own, plus the driver's bulk queries. */
export class StorageNamespace implements Namespace {
  readonly name: string;
  readonly #context: NamespaceContext;
  readonly #range: KeyRange;
  readonly #local = new Map<symbol, unknown>();
  #keyv: Keyv | undefined;

  constructor(name: string, context: NamespaceContext) {
    this.name = name;
    this.#context = context;
    this.#range = namespaceRange(context.prefix, name);
  }

  local<Value>(key: symbol, create: () => Value): Value {
    if (!this.#local.has(key)) this.#local.set(key, create());
    return this.#local.get(key) as Value;
  }

  get<Value = unknown>(key: string): Promise<Value | undefined> {
    return this.#read(key, recordValue) as Promise<Value | undefined>;
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    this.#admit();
    const fullKey = this.#fullKey(key);
    if (value === undefined) throw new TypeError(`cannot store undefined under "${key}": use delete()`);
    const ttlMs = validTtl(options.ttlMs);
    // The expiry is the instant of the call: waiting for the connection must not push it later.
    const expiresAt = ttlMs === 0 ? null : Date.now() + ttlMs;
    try {
      const { driver } = this.#context;
      if (driver.write) {
        if (!this.#context.isReady()) await this.#context.ready();
        const raw = serializeRecord({ value, expires: driver.embedsExpiry ? expiresAt : null });
        await this.#bounded(driver.write(fullKey, raw, expiresAt));
        return;
      }
      const keyv = await this.#store();
      await this.#bounded(keyv.set(fullKey, value, ttlLeft(expiresAt)));
    } catch (error) {
      throw this.#translate(error, key);
    }
  }

  getVersioned<Value = unknown>(key: string): Promise<Versioned<Value> | undefined> {
    return this.#read(key, recordVersion) as Promise<Versioned<Value> | undefined>;
  }

  setIfVersion(
    key: string,
    version: string,
    value: unknown,
    options: SetIfVersionOptions = {},
  ): Promise<Versioned<unknown> | false> {
    let fullKey: string;
    let raw: string;
    let expiresAt: number | null;
    const { driver } = this.#context;
    try {
      this.#admit();
      fullKey = this.#fullKey(key);
      const ttlMs = validTtl(options.ttlMs);
      if (value === undefined) throw new TypeError(`cannot store undefined under "${key}": use delete()`);
      expiresAt = ttlMs > 0 ? Date.now() + ttlMs : null;
      raw = recordOfEncoded(options.encoded ?? encodeValue(value), driver.embedsExpiry ? expiresAt : null);
    } catch (error) {
      return Promise.reject(error);
    }
    const written = (swapped: boolean): Versioned<unknown> | false => (swapped ? { value, version: raw } : false);
    // Connected, with an atomic compare-and-set on the backend: one step after the backend's answer.
    if (driver.compareAndSet && this.#context.isReady()) {
      let swapping: Promise<boolean>;
      try {
        swapping = driver.compareAndSet(fullKey, version, raw, expiresAt);
      } catch (error) {
        return Promise.reject(this.#translate(error, key));
      }
      const { deadlines } = this.#context;
      return deadlines ? deadlines.whenSettled(swapping, written, this.#failed) : swapping.then(written, this.#failed);
    }
    return this.#run(async () => {
      if (driver.compareAndSet) return this.#bounded(driver.compareAndSet(fullKey, version, raw, expiresAt));
      return this.withLock(key, async () => {
        if ((await this.getVersioned(key))?.version !== version) return false;
        // Through the adapter, so the stored bytes are exactly the version handed back.
        const keyv = await this.#store();
        await this.#bounded(Promise.resolve(keyv.store.set(fullKey, raw, ttlLeft(expiresAt))));
        return true;
      });
    }).then(written);
  }

  async delete(key: string): Promise<boolean> {
    this.#admit();
    const fullKey = this.#fullKey(key);
    try {
      const keyv = await this.#store();
      return await this.#bounded(keyv.delete(fullKey));
    } catch (error) {
      throw this.#translate(error, key);
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await this.get(key)) !== undefined;
    } catch (error) {
      if (error instanceof CorruptEntryError) return true;
      throw error;
    }
  }

  async clear(): Promise<void> {
    await this.#run(() => this.#context.driver.clear(this.#range));
  }

  async *scan(options: ScanOptions = {}): AsyncGenerator<StorageEntry> {
    const { driver } = this.#context;
    const pageSize = validPageSize(options.pageSize);
    const includeExpired = options.includeExpired ?? false;
    const keysOnly = options.keysOnly ?? false;
    const keyStart = this.#range.start.length;
    const fetchPage = (cursor: string | null): { now: number; page: Promise<ScanPage> } => {
      const now = Date.now();
      const page = this.#run(() =>
        driver.scanPage({ range: this.#range, cursor, limit: pageSize, includeExpired, now, keysOnly }),
      );
      // Settled by the loop below; this only keeps an abandoned prefetch from becoming an unhandled rejection.
      page.catch(() => {});
      return { now, page };
    };
    let pending: { now: number; page: Promise<ScanPage> } | undefined = fetchPage(null);
    while (pending) {
      const { now, page: pagePromise } = pending;
      const page: ScanPage = await pagePromise;
      // Fetch the next page while this one is decoded and consumed: at most two pages in memory.
      pending = page.cursor === null ? undefined : fetchPage(page.cursor);
      for (const raw of page.entries) {
        const entry = this.#toEntry(raw.key.slice(keyStart), raw, keysOnly);
        if (!includeExpired && entry.expiresAt !== null && entry.expiresAt <= now) continue;
        yield entry;
      }
    }
  }

  async count(options: { includeExpired?: boolean } = {}): Promise<number> {
    return this.#run(() => this.#context.driver.count(this.#range, options.includeExpired ?? false, Date.now()));
  }

  async touch(key: string, expiresAt: number | null): Promise<boolean> {
    const fullKey = this.#fullKey(key);
    if (expiresAt !== null && !Number.isFinite(expiresAt)) {
      throw new TypeError(`expiresAt must be a timestamp in ms or null, got ${expiresAt}`);
    }
    const at = expiresAt === null ? null : Math.round(expiresAt);
    return this.#run(() => this.#bounded(this.#context.driver.touch(fullKey, at, Date.now())));
  }

  async sweep(): Promise<number> {
    return this.#run(() => this.#context.driver.sweep(this.#range, Date.now()));
  }

  async lock(key: string, options: LockOptions = {}): Promise<Lock> {
    validateKey(key);
    const ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
    const { driver, prefix } = this.#context;
    const lockKey = lockKeyFor(prefix, this.name, key);
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    let pauseMs = 2;
    while (!(await this.#run(() => this.#bounded(driver.tryLock(lockKey, token, ttlMs))))) {
      const left = deadline - Date.now();
      if (left <= 0) throw new LockTimeoutError(this.name, key, waitMs);
      // Jittered, growing pauses keep many waiters from polling the backend in lockstep.
      await sleep(Math.min(left, pauseMs * (0.5 + Math.random())));
      pauseMs = Math.min(pauseMs * 1.5, 50);
    }
    let released = false;
    return {
      key,
      extend: async (extendMs = ttlMs) => {
        if (!Number.isInteger(extendMs) || extendMs <= 0)
          throw new TypeError(`ttlMs must be a whole number of milliseconds > 0, got ${extendMs}`);
        if (released) return false;
        return this.#run(() => this.#bounded(driver.extendLock(lockKey, token, extendMs)));
      },
      release: async () => {
        if (released) return;
        released = true;
        await this.#run(() => this.#bounded(driver.unlock(lockKey, token)));
      },
    };
  }

  async withLock<Result>(key: string, work: () => Promise<Result>, options?: LockOptions): Promise<Result> {
    const lock = await this.lock(key, options);
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }

  #fullKey(key: string): string {
    return this.#range.start + validateKey(key);
  }

  #toEntry(
    key: string,
    raw: { raw: string | undefined; size: number; expiresAt: number | null },
    keysOnly: boolean,
  ): StorageEntry {
    const { driver } = this.#context;
    if (keysOnly || raw.raw === undefined) {
      const expiresAt = driver.embedsExpiry && raw.raw !== undefined ? readRecordExpiry(raw.raw) : raw.expiresAt;
      return { key, expiresAt, size: raw.size, value: undefined };
    }
    let record: DecodedRecord;
    try {
      record = deserializeRecord(raw.raw);
    } catch (error) {
      return { key, expiresAt: raw.expiresAt, size: raw.size, value: undefined, corrupt: (error as Error).message };
    }
    const expiresAt = driver.embedsExpiry ? (record.expires ?? null) : raw.expiresAt;
    return { key, expiresAt, size: raw.size, value: record.value };
  }

  /**
   * The live record under `key`, as `shape` makes it: straight from the driver where it has
   * `read`, else through keyv. Either way an expired record reads as missing and is deleted, as
   * keyv does. Once connected, a driver read is the client's promise plus one: decoding, the
   * deadline and error translation happen in a single step after it (no async frames, since
   * every extra promise costs each cache hit and session load).
   */
  #read<Result>(key: string, shape: (record: DecodedRecord) => Result | undefined): Promise<Result | undefined> {
    const refused = this.#context.deadlines?.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.#context.driver.read === undefined || !this.#context.isReady()) return this.#readSlowly(key, shape);
    try {
      return this.#readDirect(key, this.#fullKey(key), shape);
    } catch (error) {
      return Promise.reject(this.#translate(error, key));
    }
  }

  #readDirect<Result>(
    key: string,
    fullKey: string,
    shape: (record: DecodedRecord) => Result | undefined,
  ): Promise<Result | undefined> {
    const { driver, deadlines } = this.#context;
    const reading = (driver.read as (fullKey: string) => Promise<string | null | undefined>)(fullKey);
    const onRaw = (raw: string | null | undefined) => this.#decoded(raw, key, fullKey, shape);
    return deadlines ? deadlines.whenSettled(reading, onRaw, this.#failed) : reading.then(onRaw, this.#failed);
  }

  /** A failed driver call, as the error callers see (one function for every call: no closure each). */
  readonly #failed = (error: unknown): never => {
    throw this.#translate(error);
  };

  /** The read before the storage is connected, or through keyv for drivers without `read`. */
  async #readSlowly<Result>(
    key: string,
    shape: (record: DecodedRecord) => Result | undefined,
  ): Promise<Result | undefined> {
    const fullKey = this.#fullKey(key);
    try {
      if (this.#context.driver.read === undefined) {
        const keyv = await this.#store();
        // keyv's getRaw hands back the decoded record, which carries the text it came from.
        const record = (await this.#bounded(keyv.getRaw(fullKey))) as DecodedRecord | undefined;
        return record === undefined ? undefined : shape(record);
      }
      await this.#context.ready();
    } catch (error) {
      throw this.#translate(error, key);
    }
    return this.#readDirect(key, fullKey, shape);
  }

  #decoded<Result>(
    raw: string | null | undefined,
    key: string,
    fullKey: string,
    shape: (record: DecodedRecord) => Result | undefined,
  ): Result | undefined | Promise<undefined> {
    if (raw === undefined || raw === null) return undefined;
    let record: DecodedRecord;
    try {
      record = deserializeRecord(raw);
    } catch (error) {
      throw this.#translate(error, key);
    }
    if (record.expires !== undefined && record.expires < Date.now()) return this.#deleteExpired(key, fullKey);
    return shape(record);
  }

  async #deleteExpired(key: string, fullKey: string): Promise<undefined> {
    try {
      const keyv = await this.#store();
      await this.#bounded(keyv.delete(fullKey));
    } catch (error) {
      throw this.#translate(error, key);
    }
    return undefined;
  }

  /** The namespace's keyv, created on first use; every call re-checks the storage is open. */
  async #store(): Promise<Keyv> {
    await this.#context.ready();
    this.#keyv ??= this.#createStore();
    return this.#keyv;
  }

  #createStore(): Keyv {
    const { driver } = this.#context;
    const keyv = new Keyv({
      store: driver.createAdapter(),
      namespace: undefined,
      useKeyPrefix: false,
      throwOnErrors: true,
      serialize: driver.embedsExpiry ? serializeRecord : ({ value }) => serializeRecord({ value }),
      deserialize: (raw) => deserializeRecord(raw as string) as never,
    });
    // Errors reach callers through throwOnErrors; the event copy must not crash the process.
    keyv.on('error', () => {});
    return keyv;
  }

  /**
   * Throws the breaker's `StorageUnavailableError` when an operation must not start now (the
   * circuit is open, or too many are waiting): it fails at once instead of joining the queue
   * of a backend known not to answer.
   */
  #admit(): void {
    const refused = this.#context.deadlines?.refusal();
    if (refused !== undefined) throw refused;
  }

  #bounded<T>(operation: Promise<T>): Promise<T> {
    const { deadlines } = this.#context;
    return deadlines ? deadlines.bound(operation) : operation;
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    this.#admit();
    try {
      if (!this.#context.isReady()) await this.#context.ready();
      return await operation();
    } catch (error) {
      throw this.#translate(error);
    }
  }

  #translate(error: unknown, key?: string): unknown {
    if (error instanceof RecordDecodeError && key !== undefined) {
      return new CorruptEntryError(this.name, key, error.message, { cause: error });
    }
    if (error instanceof VesselError || error instanceof TypeError) return error;
    return this.#context.driver.translateError(error);
  }
}
