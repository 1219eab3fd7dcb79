import {
  CorruptEntryError,
  createStorage,
  isSessionRecord,
  type SessionRecord,
  SessionRecordSealer,
  type SessionRejectEvent,
  type Storage,
  type StorageType,
  sessionRecord,
  sessionRecordEnded,
  type Vessel,
} from '@vessel/core';
import type { Callback } from '../compat/session-object.js';
import { type SessionData, type SessionStore, Store } from '../compat/store.js';

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
  /**
   * Seals the sessions' data at rest (AES-256-GCM, bound to the session id), as core's
   * `session.encryptKey`: 32 bytes or more; a list rotates. Default: a given `vessel`'s
   * `session.encryptKey`, else none.
   */
  encryptKey?: string | readonly string[];
  /** Beaker's `validate_key`, mixed into the keys. Default: a given `vessel`'s `session.validateKey`. */
  validateKey?: string;
}

/** The storage the options name, and whether its owner is the caller (`owned`: we close it). */
export function resolveStorage(options: VesselStorageOptions): { storage: Storage; owned: boolean } {
  if (options.storage) return { storage: options.storage, owned: false };
  if (options.vessel) return { storage: options.vessel.sessionStorage, owned: false };
  const { cacheDir, type, url, prefix } = options;
  const inferred = type ?? (url || cacheDir ? undefined : 'memory');
  return { storage: createStorage({ type: inferred, cacheDir, url, prefix }), owned: true };
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
  readonly #sealer: SessionRecordSealer | undefined;

  constructor(options: VesselStoreOptions = {}) {
    super();
    const { storage, owned } = resolveStorage(options);
    this.storage = storage;
    this.#owned = owned;
    this.#ttlMs = (options.ttl ?? 86_400) * 1000;
    const fromVessel = options.vessel?.config.session;
    const encryptKey = options.encryptKey ?? fromVessel?.encryptKey;
    const keys = typeof encryptKey === 'string' ? [encryptKey] : encryptKey;
    const validateKey = options.validateKey ?? fromVessel?.validateKey;
    this.#sealer = keys && new SessionRecordSealer({ keys, validateKey });
  }

  /** The readable record of `sid` as stored, or `undefined` when it is none (or does not open). */
  #open(sid: string, stored: unknown): SessionRecord | undefined {
    if (this.#sealer) return this.#sealer.open(sid, stored)?.record;
    return isSessionRecord(stored) ? stored : undefined;
  }

  /** What storage holds for `record`: sealed when encryption at rest is on. */
  #atRest(sid: string, record: SessionRecord): unknown {
    return this.#sealer ? this.#sealer.seal(sid, record) : record;
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
  async #update(sid: string, update: (existing: SessionRecord | undefined) => SessionData | undefined): Promise<void> {
    const namespace = this.#namespace;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await namespace.getVersioned(sid);
      const existing = current && this.#open(sid, current.value);
      const now = Date.now();
      if (existing && sessionRecordEnded(existing, now)) return;
      const session = update(existing);
      if (!session) return;
      const expires = this.#expiry(session, now);
      if (expires <= now) {
        await namespace.delete(sid);
        return;
      }
      // The JSON form is what express-session stores keep (cookie.expires as an ISO string).
      const data = JSON.parse(JSON.stringify(session)) as SessionData;
      const record = this.#atRest(
        sid,
        sessionRecord({ created: existing?.created ?? now, accessed: now, expires }, data),
      );
      const options = { ttlMs: expires - now };
      if (!current) {
        await namespace.set(sid, record, options);
        return;
      }
      if (await namespace.setIfVersion(sid, current.version, record, options)) return;
    }
    throw new Error(`session ${sid} was rewritten ${MAX_WRITE_ROUNDS} times while this write tried to land`);
  }

  async #read(sid: string): Promise<SessionRecord | undefined> {
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
    const record = this.#open(sid, value);
    if (record === undefined && value !== undefined)
      this.emit('reject', { reason: 'corrupt', id: sid, detail: 'not a session record, or sealed under another key' });
    if (record === undefined || sessionRecordEnded(record, Date.now())) return undefined;
    return record;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.#read(sid).then(
      (record) => callback(null, (record?.data as SessionData | undefined) ?? null),
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
      const record = this.#open(entry.key, entry.value);
      if (record && !sessionRecordEnded(record, now)) sessions[entry.key] = record.data as SessionData;
    }
    return sessions;
  }

  async #end(sid: string): Promise<void> {
    const namespace = this.#namespace;
    const now = Date.now();
    // A record that cannot be read (corrupt) is simply deleted; an outage still throws below.
    const record = this.#open(sid, await namespace.get(sid).catch(() => undefined));
    const left = record ? (record.expires === null ? this.#ttlMs : record.expires - now) : 0;
    if (!record || left <= 0) {
      await namespace.delete(sid);
      return;
    }
    // Written over whatever version is there: a logout wins over every write it races with.
    const ended = sessionRecord({ created: record.created, accessed: now, expires: now }, {});
    await namespace.set(sid, this.#atRest(sid, ended), { ttlMs: left });
  }
}

function report(work: Promise<unknown>, callback: Callback | undefined): void {
  work.then(
    () => callback?.(),
    (err: unknown) => callback?.(err),
  );
}
