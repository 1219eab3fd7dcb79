import { EventEmitter } from 'node:events';
import { normalizeConfig } from '../config/normalize.js';
import type { ResolvedSessionConfig } from '../config/types.js';
import { ConfigError, VesselError } from '../errors.js';
import { encodeValue, type Storage, serializeRecord, setOwn } from '../storage/index.js';
import { readCookieValues } from './cookie-header.js';
import { assertEncryptKeys, cookieSessionKeys, cookieSessions, REVOKED_SESSIONS_NAMESPACE } from './cookie-sessions.js';
import { DEFAULT_ID_PATTERN, generateSessionId, isValidSessionId } from './ids.js';
import { sessionExpiry } from './lifetime.js';
import type { LoadedSession, RejectedSession, SessionPersistence } from './persistence.js';
import { SessionRecordSealer, sessionRecord } from './record.js';
import { dirtyKeys, pristineData, Session, type SessionController, type SessionState, stateOf } from './session.js';
import { SessionCookieWriter } from './session-cookie.js';
import { assertSigningSecrets } from './signing-secrets.js';
import { storedSessions } from './stored-sessions.js';
import type {
  CommitOptions,
  CommitResult,
  LoadRequest,
  SessionOptions,
  SessionRecord,
  SessionRejectEvent,
} from './types.js';

/** The record `state` stands for, holding `data`. */
function recordOf(state: SessionState, data: Record<string, unknown>): SessionRecord {
  const { created, accessed, expiresAt: expires, timeoutSeconds: timeout } = state;
  return sessionRecord({ created, accessed, expires, timeout }, data);
}

/** A session expiring at `expiresAt` (ms, null for never) is still usable at `now`. */
function isLiveAt(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt > now;
}

/** A session's idle and absolute limits, in seconds. */
type SessionLimits = { readonly timeoutSeconds: number | undefined; readonly maxLifetimeSeconds: number | undefined };

/** Idle timeout when neither `timeout` nor `maxLifetime` is set, so no session lives forever (s). */
export const DEFAULT_TIMEOUT_SECONDS = 86_400;
/**
 * Absolute lifetime of a cookie-only session when `maxLifetime` is not set (s): 14 days from
 * its creation, however often it is re-sealed, so a copied cookie cannot be kept alive forever.
 */
export const DEFAULT_COOKIE_MAX_LIFETIME_SECONDS = 14 * 86_400;
/**
 * Authentic cookies of the session's name that one `load` looks up, at most: a browser sends
 * one or two (another path, an old domain); more is a stuffed header, and each costs a storage
 * read. Cookies whose signature or seal fails cost no read and do not count.
 */
export const MAX_SESSION_COOKIE_LOOKUPS = 3;
/** Rejections decided before the storage is read (a failed signature or seal, a malformed id). */
const UNREAD_REJECTIONS: ReadonlySet<RejectedSession['reason']> = new Set([
  'bad-signature',
  'undecryptable',
  'invalid-id',
]);
/** The storage namespace that holds sessions. */
export const SESSION_NAMESPACE = 'session';

/** The event that reports `rejection`. */
function rejectEvent(rejection: RejectedSession): SessionRejectEvent {
  return { reason: rejection.reason, id: rejection.id, detail: rejection.detail };
}

/** Options of `SessionManager.get`. */
export interface GetSessionOptions {
  /** Called when there is no usable session under the id, with the reason. */
  onReject?: (event: SessionRejectEvent) => void;
}

/** Events a `SessionManager` emits. */
export interface SessionManagerEvents {
  /** An incoming cookie or id was not used; a fresh session started instead. */
  reject: [SessionRejectEvent];
}

/**
 * Framework-free sessions: `load` reads a Cookie header (or an id) and returns a `Session`;
 * `commit` persists what the request changed and says which Set-Cookie header to send.
 *
 * @example
 * const sessions = new SessionManager({ secret: process.env.SESSION_SECRET, timeout: '30m' }, storage)
 * const session = await sessions.load({ cookie: req.headers.cookie })
 * session.set('user', 'ada')
 * await session.save()
 * const { setCookie } = await sessions.commit(session)
 */
export class SessionManager extends EventEmitter<SessionManagerEvents> {
  /** The validated options, durations in seconds. */
  readonly options: ResolvedSessionConfig;
  readonly #persistence: SessionPersistence;
  readonly #generateId: () => string;
  readonly #idPattern: RegExp;
  readonly #now: () => number;
  readonly #limits: SessionLimits;
  readonly #cookies: SessionCookieWriter;
  /** What sessions call back into; kept off the public surface. */
  readonly #controller: SessionController = {
    save: (session) => this.#save(stateOf(session), false),
    destroy: (session) => this.#destroy(stateOf(session)),
    invalidate: (session) => this.#invalidate(stateOf(session)),
    regenerate: (session) => this.#regenerate(stateOf(session)),
    revert: (session) => this.#revert(stateOf(session)),
    setIdleTimeout: (session, seconds) => this.#setIdleTimeout(stateOf(session), seconds),
  };

  constructor(options: SessionOptions = {}, storage?: Storage) {
    super();
    const { generateId, idPattern, now, ...config } = options;
    this.options = normalizeConfig({ session: config }).session;
    const { secret, encryptKey, timeout, maxLifetime } = this.options;
    this.#generateId = generateId ?? generateSessionId;
    this.#idPattern = idPattern ?? DEFAULT_ID_PATTERN;
    this.#now = now ?? Date.now;
    this.#limits = {
      timeoutSeconds: timeout ?? (maxLifetime === undefined ? DEFAULT_TIMEOUT_SECONDS : undefined),
      // A stolen cookie-only cookie replayed within its idle timeout is re-sealed each time:
      // without an absolute limit it would never end, and no server-side record can be deleted.
      maxLifetimeSeconds:
        maxLifetime ?? (this.options.type === 'cookie' ? DEFAULT_COOKIE_MAX_LIFETIME_SECONDS : undefined),
    };
    if (this.options.type === 'cookie') {
      const keys = cookieSessionKeys(secret, encryptKey);
      if (this.options.revocationList && !storage) {
        throw new ConfigError(
          'session.revocationList',
          'the revocation list of cookie-only sessions lives in a storage; pass one (createVessel does)',
        );
      }
      // Every copy of a cookie has expired `maxLifetime` after its session was created, so sooner after it was revoked.
      const keepMs = (this.#limits.maxLifetimeSeconds ?? DEFAULT_COOKIE_MAX_LIFETIME_SECONDS) * 1000;
      const revoked =
        this.options.revocationList && storage
          ? { namespace: storage.namespace(REVOKED_SESSIONS_NAMESPACE), keepMs, now: this.#now }
          : undefined;
      this.#persistence = cookieSessions({ keys, revoked, validateKey: this.options.validateKey });
    } else {
      if (!storage)
        throw new ConfigError('session.type', 'stored sessions need a storage; pass one, or use type "cookie"');
      if (this.options.useCookies) {
        if (!secret) throw new ConfigError('session.secret', 'required to sign session cookies');
        assertSigningSecrets('session.secret', secret);
      }
      this.#persistence = storedSessions({
        namespace: storage.namespace(SESSION_NAMESPACE),
        secrets: secret ?? [],
        idPattern: this.#idPattern,
        invalidateCorrupt: this.options.invalidateCorrupt,
        sealer: encryptKey && this.#recordSealer(encryptKey),
      });
    }
    this.#cookies = new SessionCookieWriter(this.options, this.#persistence, this.#now);
  }

  /** Encryption at rest of stored sessions (`session.encryptKey`), its keys checked first. */
  #recordSealer(keys: readonly string[]): SessionRecordSealer {
    assertEncryptKeys(keys);
    return new SessionRecordSealer({ keys, validateKey: this.options.validateKey });
  }

  /** The cookie's name (`session.key`). */
  get cookieName(): string {
    return this.options.key;
  }

  /**
   * The request's session: the one its cookie (or `id`) names when that is authentic, known and
   * unexpired, else a fresh one (and a `reject` event says why). Storage outages throw.
   */
  async load(request: LoadRequest = {}): Promise<Session> {
    const now = this.#now();
    const values = request.id == null ? readCookieValues(request.cookie, this.options.key) : [];
    let rejection: RejectedSession | undefined;
    if (request.id != null) {
      const result = this.#usable(await this.#persistence.fromId(request.id), now);
      if (result.ok) return this.#fromRecord(result, false);
      rejection = result;
    }
    // Browsers can send several cookies of one name (other paths, old domains): use the first good one.
    let lookups = 0;
    for (const value of values) {
      const result = this.#usable(await this.#persistence.fromCookie(value), now);
      if (result.ok) return this.#fromRecord(result, true);
      rejection ??= result;
      // Each authentic cookie costs a storage read: a header stuffed with them must not multiply reads.
      if (!UNREAD_REJECTIONS.has(result.reason) && ++lookups >= MAX_SESSION_COOKIE_LOOKUPS) break;
    }
    if (rejection) this.emit('reject', rejectEvent(rejection));
    const session = this.#fresh(now);
    // A cookie we could not use would come back with every request: ask the browser to drop it.
    stateOf(session).staleCookie = values.length > 0;
    return session;
  }

  /**
   * A new, empty session under `id` (checked against `idPattern`), or under a generated id:
   * for adapters whose ids come from elsewhere, such as express-session's `genid`. Nothing is
   * stored until it is saved. `created` (ms since 1970; default now) carries an older session's
   * creation over to one that replaces it (an adapter's `regenerate` keeping the data), so
   * `maxLifetime` keeps counting from there.
   */
  create(options: { id?: string; created?: number } = {}): Session {
    const { id, created } = options;
    if (id !== undefined && !isValidSessionId(id, this.#idPattern)) {
      throw new TypeError(
        `invalid session id ${JSON.stringify(String(id).slice(0, 64))}: it must match ${this.#idPattern} (widen idPattern for custom ids)`,
      );
    }
    const now = this.#now();
    // Never in the future: a later `created` would stretch the absolute lifetime.
    return this.#fresh(now, id, typeof created === 'number' && Number.isFinite(created) ? Math.min(created, now) : now);
  }

  /**
   * The stored session `id` without a cookie (admin tools, no-cookie mode); `null` when gone.
   * `onReject` hears why there is none (`invalid-id`, `unknown`, `expired`, `corrupt`): the
   * reason a `reject` event would carry, which `get` itself does not emit.
   */
  async get(id: string, options: GetSessionOptions = {}): Promise<Session | null> {
    const result = this.#usable(await this.#persistence.fromId(id), this.#now());
    if (result.ok) return this.#fromRecord(result, false);
    options.onReject?.(rejectEvent(result));
    return null;
  }

  /**
   * Ends session `id` wherever its cookie is, from any process sharing the storage (an admin's
   * "log out everywhere", a password change): deletes a stored session's record; puts a
   * cookie-only session's id on the revocation list. True when a stored record was deleted (or,
   * cookie-only, always); false for an id of the wrong shape. Cookie-only sessions without
   * `revocationList` cannot be revoked: that throws a `VesselError` (`VESSEL_UNSUPPORTED`).
   */
  async revoke(id: string): Promise<boolean> {
    if (this.#persistence.kind === 'cookie' && !this.options.revocationList) {
      throw new VesselError(
        'VESSEL_UNSUPPORTED',
        'cookie-only sessions can only be revoked with session.revocationList on: nothing else is stored',
      );
    }
    if (!isValidSessionId(id, this.#idPattern)) return false;
    return this.#persistence.remove(id);
  }

  /**
   * Ends the request for `session`: saves it when `auto` is on (`options.auto`, else the
   * manager's `session.auto`) and it changed, stores the access time when due, and returns the
   * Set-Cookie header to send (if any).
   */
  async commit(session: Session, options: CommitOptions = {}): Promise<CommitResult> {
    const state = stateOf(session);
    if (state.status === 'active') {
      const dirty = (options.auto ?? this.options.auto) ? dirtyKeys(state) : undefined;
      if (dirty && dirty.size > 0) {
        await this.#save(state, false, dirty);
      } else if (!state.isNew && !state.saved) {
        const accessDue =
          this.options.saveAccessedTime && this.#now() - state.accessed >= this.options.accessedTimeThrottle * 1000;
        // An access-time write stores the access only, never changes the app did not save.
        if (state.touched || accessDue) await this.#save(state, true);
      }
    }
    return { setCookie: this.#setCookie(state), id: state.id, saved: state.saved };
  }

  /** Persists `state`: its changes (`dirty`, when the caller already worked them out), or with `accessOnly` just the access time. */
  async #save(
    state: SessionState,
    accessOnly: boolean,
    dirty: ReadonlySet<string> = accessOnly ? new Set<string>() : dirtyKeys(state),
  ): Promise<void> {
    if (state.status === 'destroyed') {
      throw new VesselError('VESSEL_SESSION_DESTROYED', `session ${state.id} was destroyed in this request`);
    }
    const now = this.#now();
    const cookieKind = this.#persistence.kind === 'cookie';
    const data = accessOnly && cookieKind ? pristineData(state) : state.data;
    const isLive = (stored: SessionRecord) =>
      isLiveAt(this.#expiry(stored.created, stored.accessed, stored.expires, stored.timeout), now);
    const limits = this.#limitsOf(state.timeoutSeconds);
    // The loaded version lets a save land in one step; an access-time write must not carry this
    // request's unsaved changes, so it always starts from a fresh read.
    const loadedIsLive = isLiveAt(
      this.#expiry(state.created, state.accessed, state.expiresAt, state.timeoutSeconds),
      now,
    );
    const version = !accessOnly && loadedIsLive ? state.version : undefined;
    const saved = await this.#persistence.save({
      id: state.id,
      isNew: state.isNew,
      created: state.created,
      data,
      dirty,
      version,
      versionKeys: version === undefined ? undefined : state.versionKeys,
      now,
      clock: this.#now,
      timeout: state.timeoutSeconds,
      expiryFor: (created) => sessionExpiry(created, now, limits),
      isLive,
    });
    if (!saved) {
      this.#vanished(state, state.id, 'save');
      return;
    }
    const { record } = saved;
    // Refuse an oversized cookie before anything about the session changes.
    if (cookieKind) this.#cookies.checkSize(state.id, record);
    // After an access-time write the stored data may hold others' changes that `state.data` lacks.
    state.version = accessOnly ? undefined : saved.version;
    state.versionKeys = state.version === undefined ? undefined : Object.keys(record.data);
    const wasNew = state.isNew;
    state.isNew = false;
    state.created = record.created;
    state.accessed = record.accessed;
    state.expiresAt = record.expires;
    state.saved = true;
    state.touched = false;
    if (wasNew || cookieKind) state.cookieDue = true;
    if (!accessOnly) this.#adoptSaved(state, record.data, dirty);
    state.pristine = saved.pristine ?? saved.version ?? serializeRecord({ value: record });
  }

  /**
   * Takes the merged record as the session's data. Where the merge started from a fresh read,
   * keys this request did not change keep the objects the application holds when the stored
   * copy is still what they were loaded as.
   */
  #adoptSaved(state: SessionState, merged: Record<string, unknown>, dirty: ReadonlySet<string>): void {
    if (merged !== state.data && state.read.size > 0) {
      const before = pristineData(state);
      for (const key of state.read) {
        if (dirty.has(key) || !Object.hasOwn(merged, key) || !Object.hasOwn(before, key)) continue;
        if (encodeValue(merged[key]).json === encodeValue(before[key]).json) setOwn(merged, key, state.data[key]);
      }
    }
    state.data = merged;
    state.changed.clear();
  }

  async #destroy(state: SessionState): Promise<void> {
    if (!state.isNew) await this.#persistence.remove(state.id);
    this.#clear(state, 'destroyed');
  }

  async #invalidate(state: SessionState): Promise<void> {
    if (!state.isNew) await this.#persistence.remove(state.id);
    this.#clear(state, 'active');
    state.staleCookie ||= state.hadCookie;
    const now = this.#now();
    Object.assign(state, {
      id: this.#generateId(),
      isNew: true,
      created: now,
      accessed: now,
      timeoutSeconds: undefined,
      expiresAt: sessionExpiry(now, now, this.#limits),
    });
  }

  /**
   * The new record is written before the old one is deleted, so a crash between loses nothing.
   * A session that another request destroyed, regenerated or let expire since this one loaded it
   * stays gone: its data is not carried to a new id (that would undo a logout or a revocation).
   */
  async #regenerate(state: SessionState): Promise<void> {
    if (state.status === 'destroyed') {
      throw new VesselError('VESSEL_SESSION_DESTROYED', `session ${state.id} was destroyed in this request`);
    }
    const oldId = state.id;
    const wasStored = !state.isNew;
    const stored = this.#persistence.kind === 'stored';
    state.id = this.#generateId();
    if (!wasStored) return;
    if (stored && !this.#usable(await this.#persistence.fromId(oldId), this.#now()).ok) {
      this.#vanished(state, oldId, 'regenerate');
      return;
    }
    state.isNew = true;
    for (const key of Object.keys(state.data)) state.changed.add(key);
    await this.#save(state, false);
    // Deleted by someone else since the check: the copy must not outlive it either.
    if (!(await this.#persistence.remove(oldId)) && stored) {
      await this.#persistence.remove(state.id);
      this.#vanished(state, oldId, 'regenerate');
    }
  }

  /** Ends `state` in this request because its stored session `id` was gone when `operation` wrote. */
  #vanished(state: SessionState, id: string, operation: 'save' | 'regenerate'): void {
    this.emit('reject', {
      reason: 'vanished',
      id,
      detail: `destroyed or expired by another request before this ${operation}`,
    });
    this.#clear(state, 'destroyed');
  }

  async #revert(state: SessionState): Promise<void> {
    if (state.isNew) {
      state.data = {};
    } else if (this.#persistence.kind === 'cookie') {
      state.data = pristineData(state);
    } else {
      const stored = await this.#persistence.fromId(state.id);
      if (stored.ok)
        Object.assign(state, {
          data: stored.record.data,
          version: stored.version,
          versionKeys: Object.keys(stored.record.data),
          pristine: stored.pristine ?? stored.version,
        });
    }
    state.changed.clear();
    state.read.clear();
    state.touched = false;
  }

  /** When a stored session expires: its stored expiry or its limits under the current options, whichever is sooner. */
  #expiry(created: number, accessed: number, expires: number | null, timeout: number | undefined): number | null {
    const limit = sessionExpiry(created, accessed, this.#limitsOf(timeout));
    return expires === null ? limit : limit === null ? expires : Math.min(expires, limit);
  }

  /** The idle and absolute limits of a session with its own idle timeout `timeoutSeconds` (or none). */
  #limitsOf(timeoutSeconds: number | undefined): SessionLimits {
    if (timeoutSeconds === undefined) return this.#limits;
    return { timeoutSeconds, maxLifetimeSeconds: this.#limits.maxLifetimeSeconds };
  }

  #setIdleTimeout(state: SessionState, seconds: number | undefined): void {
    if (state.status === 'destroyed') throw new Error(`session ${state.id} was destroyed in this request`);
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds > 0)) {
      throw new RangeError(`idle timeout must be a whole number of seconds > 0, got ${seconds}`);
    }
    state.timeoutSeconds = seconds;
    state.expiresAt = sessionExpiry(state.created, this.#now(), this.#limitsOf(seconds));
    state.touched = true;
  }

  /** Applies the session-level expiry (idle and absolute, with the current options) to a load. */
  #usable(result: LoadedSession | RejectedSession, now: number): LoadedSession | RejectedSession {
    if (!result.ok) return result;
    const { created, accessed, expires, timeout } = result.record;
    const expiresAt = this.#expiry(created, accessed, expires, timeout);
    if (!isLiveAt(expiresAt, now)) return { ok: false, reason: 'expired', id: result.id };
    const { id, record, stale, version, pristine } = result;
    const usable = sessionRecord({ created, accessed, expires: expiresAt, timeout }, record.data);
    return { ok: true, id, stale, version, pristine, record: usable };
  }

  #fromRecord({ id, record, stale, version, pristine }: LoadedSession, hadCookie: boolean): Session {
    const session = this.#session({
      id,
      isNew: false,
      created: record.created,
      accessed: record.accessed,
      expiresAt: record.expires,
      data: record.data,
      hadCookie,
    });
    const state = stateOf(session);
    state.timeoutSeconds = record.timeout;
    state.version = version;
    state.versionKeys = version === undefined ? undefined : Object.keys(record.data);
    state.pristine = pristine ?? version;
    // Verified with an older secret: re-send the cookie under the current one.
    if (stale && hadCookie) state.cookieDue = true;
    return session;
  }

  #fresh(now: number, id: string = this.#generateId(), created = now): Session {
    const expiresAt = sessionExpiry(created, now, this.#limits);
    return this.#session({
      id,
      isNew: true,
      created,
      accessed: now,
      expiresAt,
      data: {},
      hadCookie: false,
    });
  }

  #session(
    base: Pick<SessionState, 'id' | 'isNew' | 'created' | 'accessed' | 'expiresAt' | 'data' | 'hadCookie'>,
  ): Session {
    // Spelled out: spreading `base` here took a slow path in V8 and doubled the cost of a load.
    const state: SessionState = {
      id: base.id,
      isNew: base.isNew,
      created: base.created,
      accessed: base.accessed,
      expiresAt: base.expiresAt,
      timeoutSeconds: undefined,
      data: base.data,
      hadCookie: base.hadCookie,
      status: 'active',
      changed: new Set(),
      read: new Set(),
      pristine: undefined,
      touched: false,
      cookieDue: false,
      staleCookie: false,
      version: undefined,
      versionKeys: undefined,
      saved: false,
    };
    return new Session(state, this.#controller);
  }

  #clear(state: SessionState, status: SessionState['status']): void {
    state.status = status;
    state.data = {};
    state.changed.clear();
    state.read.clear();
    state.pristine = undefined;
    state.version = undefined;
    state.versionKeys = undefined;
    state.touched = false;
    state.cookieDue = false;
  }

  #setCookie(state: SessionState): string | undefined {
    if (!this.options.useCookies) return undefined;
    if (state.status === 'destroyed' || state.isNew) {
      // Nothing is stored under the cookie the browser holds any more: tell it to drop it.
      const stale = state.hadCookie || state.staleCookie;
      return stale ? this.#cookies.expired() : undefined;
    }
    const refresh = this.options.rolling || (this.options.cookieExpires !== false && state.saved);
    if (!state.cookieDue && !refresh) return undefined;
    // A cookie-only session's cookie carries what was saved, never unsaved changes.
    const data = this.#persistence.kind === 'cookie' ? pristineData(state) : state.data;
    return this.#cookies.header(state.id, recordOf(state, data));
  }
}
