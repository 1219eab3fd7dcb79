import {
  CorruptEntryError,
  createStorage,
  type SessionRejectEvent,
  type Storage,
  type StorageType,
  type Vessel,
} from '@vessel/core';
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

/** True when `record` ended (expired, or destroyed: see `VesselStore.destroy`) by `now`. */
function hasEnded(record: StoredRecord, now: number): boolean {
  return record.expires !== null && record.expires <= now;
}

/** Compare-and-set rounds a write tries before giving up while other writes keep landing. */
const MAX_WRITE_ROUNDS = 8;

/**
 * An express-session store backed by Vessel's storage, for apps that keep express-session:
 * `session({ store: new VesselStore({ cacheDir: './data' }), ... })`. Records are Vessel session
 * records (`{ created, accessed, expires, data }`, the express session JSON as `data`) in the
 * namespace `session`, where `session-inspect` sees them. Storage errors reach the callback.
 *
 * A destroyed session stays destroyed: express-session saves (or touches) a session at the end
 * of every request that loaded it, so a slower request that ends after a logout would write the
 * session back. `destroy` therefore leaves the record ended (`expires` = the logout, data
 * emptied) for what was left of its lifetime, and `set`/`touch` write only over a live record or
 * none, through the storage's compare-and-set, so a logout landing between their read and their
 * write is seen too. Ended records are no session: `get` misses them, `all`/`length` skip them,
 * `session-inspect list --expired` shows them and the storage drops them at their expiry.
 *
 * A record that cannot be decoded (corrupt, or nested or sized past the codec's bounds) is a miss
 * too, so express-session starts a fresh session; the store emits `reject` with a
 * `SessionRejectEvent` (`reason: 'corrupt'`) for it.
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

  /**
   * Writes the session `update` makes of the stored record (`undefined`: none yet): only while
   * the record is live or absent, never over an ended one, and only over the version read.
   */
  async #update(sid: string, update: (existing: StoredRecord | undefined) => SessionData | undefined): Promise<void> {
    const namespace = this.#namespace;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await namespace.getVersioned(sid);
      const existing = current && isRecord(current.value) ? current.value : undefined;
      const now = Date.now();
      if (existing && hasEnded(existing, now)) return;
      const session = update(existing);
      if (!session) return;
      const expires = this.#expiry(session, now);
      if (expires <= now) {
        await namespace.delete(sid);
        return;
      }
      // The JSON form is what express-session stores keep (cookie.expires as an ISO string).
      const data = JSON.parse(JSON.stringify(session)) as SessionData;
      const record: StoredRecord = { created: existing?.created ?? now, accessed: now, expires, data };
      const options = { ttlMs: expires - now };
      if (!current) {
        await namespace.set(sid, record, options);
        return;
      }
      if (await namespace.setIfVersion(sid, current.version, record, options)) return;
    }
    throw new Error(`session ${sid} was rewritten ${MAX_WRITE_ROUNDS} times while this write tried to land`);
  }

  async #read(sid: string): Promise<StoredRecord | undefined> {
    let value: unknown;
    try {
      value = await this.#namespace.get(sid);
    } catch (error) {
      // A record that cannot be read is no session: express-session starts a fresh one instead
      // of answering this browser with an error page until its cookie expires. An outage still throws.
      if (!(error instanceof CorruptEntryError)) throw error;
      const event: SessionRejectEvent = { reason: 'corrupt', id: sid, detail: error.message };
      this.emit('reject', event);
      return undefined;
    }
    if (!isRecord(value) || hasEnded(value, Date.now())) return undefined;
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
      this.#update(sid, () => session),
      callback,
    );
  }

  override touch(sid: string, session: SessionData, callback?: Callback): void {
    report(
      this.#update(sid, (existing) => existing && { ...existing.data, cookie: session.cookie }),
      callback,
    );
  }

  /** Ends the session: its record stays, ended and emptied, for what was left of its lifetime (see the class). */
  override destroy(sid: string, callback?: Callback): void {
    report(this.#end(sid), callback);
  }

  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    this.#collect().then(
      (sessions) => callback(null, sessions),
      (err: unknown) => callback(err),
    );
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    this.#collect().then(
      (sessions) => callback(null, Object.keys(sessions).length),
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
    const now = Date.now();
    for await (const entry of this.#namespace.scan()) {
      if (isRecord(entry.value) && !hasEnded(entry.value, now)) sessions[entry.key] = entry.value.data;
    }
    return sessions;
  }

  async #end(sid: string): Promise<void> {
    const namespace = this.#namespace;
    const now = Date.now();
    // A record that cannot be read (corrupt) is simply deleted; an outage still throws below.
    const value = await namespace.get(sid).catch(() => undefined);
    const left = isRecord(value) ? (value.expires === null ? this.#ttlMs : value.expires - now) : 0;
    if (!isRecord(value) || left <= 0) {
      await namespace.delete(sid);
      return;
    }
    // Written over whatever version is there: a logout wins over every write it races with.
    const ended: StoredRecord = { created: value.created, accessed: now, expires: now, data: {} as SessionData };
    await namespace.set(sid, ended, { ttlMs: left });
  }
}

function report(work: Promise<unknown>, callback: Callback | undefined): void {
  work.then(
    () => callback?.(),
    (err: unknown) => callback?.(err),
  );
}
