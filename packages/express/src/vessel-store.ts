import { createStorage, type Storage, type StorageType, type Vessel } from '@vessel/core';
import type { Callback } from './session-object.js';
import { type SessionData, type SessionStore, Store } from './store.js';

/** Where a `VesselStore` (or the middleware) keeps sessions: a Vessel, a storage, or storage options. */
export interface VesselStorageOptions {
  /** A `createVessel()` instance: its storage is used (and not closed by `close()`). */
  vessel?: Vessel;
  /** A storage from `createStorage()` (not closed by `close()`). */
  storage?: Storage;
  /** Folder of the SQLite (default) or file store. */
  cacheDir?: string;
  /** Storage backend. Default: inferred from `url`/`cacheDir`, else `memory`. */
  type?: StorageType;
  /** Storage URL (`redis://`, `postgres://`, `sqlite://`). */
  url?: string;
  /** Key prefix. Default `vessel`. */
  prefix?: string;
}

/** Options of `VesselStore`. */
export interface VesselStoreOptions extends VesselStorageOptions {
  /** Lifetime of sessions whose cookie has no expiry, in seconds. Default 86400 (one day). */
  ttl?: number;
}

/** The storage the options name, and whether its owner is the caller (`owned`: we close it). */
export function resolveStorage(options: VesselStorageOptions): { storage: Storage; owned: boolean } {
  if (options.storage) return { storage: options.storage, owned: false };
  if (options.vessel) return { storage: options.vessel.sessionStorage, owned: false };
  const { cacheDir, type, url, prefix } = options;
  const inferred = type ?? (url || cacheDir ? undefined : 'memory');
  return { storage: createStorage({ type: inferred, cacheDir, url, prefix }), owned: true };
}

/** The stored record: Vessel's session format, so `session-inspect` lists these sessions. */
interface StoredRecord {
  created: number;
  accessed: number;
  expires: number | null;
  data: SessionData;
}

function isRecord(value: unknown): value is StoredRecord {
  return typeof value === 'object' && value !== null && typeof (value as StoredRecord).data === 'object';
}

/**
 * An express-session store backed by Vessel's storage, for apps that keep express-session:
 * `session({ store: new VesselStore({ cacheDir: './data' }), ... })`. Records are Vessel session
 * records (`{ created, accessed, expires, data }`, the express session JSON as `data`) in the
 * namespace `session`, where `session-inspect` sees them. Storage errors reach the callback.
 */
export class VesselStore extends (Store as unknown as new () => SessionStore) {
  /** The storage the sessions live in. */
  readonly storage: Storage;
  readonly #owned: boolean;
  readonly #ttlMs: number;

  constructor(options: VesselStoreOptions = {}) {
    super();
    const { storage, owned } = resolveStorage(options);
    this.storage = storage;
    this.#owned = owned;
    this.#ttlMs = (options.ttl ?? 86_400) * 1000;
  }

  get #namespace() {
    return this.storage.namespace('session');
  }

  #expiry(session: SessionData, now: number): number {
    const expires = (session.cookie as { expires?: unknown } | undefined)?.expires;
    const at = expires instanceof Date ? expires.getTime() : typeof expires === 'string' ? Date.parse(expires) : NaN;
    return Number.isFinite(at) ? at : now + this.#ttlMs;
  }

  async #write(sid: string, session: SessionData, created: number | undefined): Promise<void> {
    const now = Date.now();
    const expires = this.#expiry(session, now);
    if (expires <= now) {
      await this.#namespace.delete(sid);
      return;
    }
    // The JSON form is what express-session stores keep (cookie.expires as an ISO string).
    const data = JSON.parse(JSON.stringify(session)) as SessionData;
    const record: StoredRecord = { created: created ?? now, accessed: now, expires, data };
    await this.#namespace.set(sid, record, { ttlMs: expires - now });
  }

  async #read(sid: string): Promise<StoredRecord | undefined> {
    const value = await this.#namespace.get(sid);
    if (!isRecord(value)) return undefined;
    if (value.expires !== null && value.expires <= Date.now()) return undefined;
    return value;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.#read(sid).then(
      (record) => callback(null, record?.data ?? null),
      (err: unknown) => callback(err),
    );
  }

  override set(sid: string, session: SessionData, callback?: Callback): void {
    report(
      this.#read(sid).then((existing) => this.#write(sid, session, existing?.created)),
      callback,
    );
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    report(
      this.#read(sid).then((existing) => {
        if (!existing) return;
        return this.#write(sid, { ...existing.data, cookie: session.cookie }, existing.created);
      }),
      callback,
    );
  }

  override destroy(sid: string, callback?: Callback): void {
    report(this.#namespace.delete(sid), callback);
  }

  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    this.#collect().then(
      (sessions) => callback(null, sessions),
      (err: unknown) => callback(err),
    );
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    this.#namespace.count().then(
      (count) => callback(null, count),
      (err: unknown) => callback(err),
    );
  }

  override clear(callback?: Callback): void {
    report(this.#namespace.clear(), callback);
  }

  /** Closes the storage when this store opened it. */
  async close(): Promise<void> {
    if (this.#owned) await this.storage.close();
  }

  async #collect(): Promise<Record<string, SessionData>> {
    const sessions: Record<string, SessionData> = {};
    for await (const entry of this.#namespace.scan()) {
      if (isRecord(entry.value)) sessions[entry.key] = entry.value.data;
    }
    return sessions;
  }
}

function report(work: Promise<unknown>, callback: Callback | undefined): void {
  work.then(
    () => callback?.(),
    (err: unknown) => callback?.(err),
  );
}
