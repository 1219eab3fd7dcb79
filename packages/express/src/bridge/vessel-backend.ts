import { type Session as CoreSession, SessionManager, type SessionRejectEvent, type Storage } from '@vessel/core';
import type { LoadedSession, SessionBackend } from './backend.js';
import { EMPTY_PRINT, type SessionPrint, textsByKey } from './compare.js';
import type { Session } from './session-object.js';
import type { SessionData, SessionStore } from './store.js';

/** The longest record lifetime, in seconds: 400 days, what browsers cap a cookie's lifetime at. */
const MAX_LIFETIME_SECONDS = 400 * 86_400;

/** The longest default pause between two touches of an unchanged session, in seconds. */
const DEFAULT_TOUCH_AFTER_SECONDS = 60;

/** Options of the Vessel backend. */
export interface VesselBackendOptions {
  readonly storage: Storage;
  /** Exposed as `req.sessionStore` (a `VesselStore` over the same storage). */
  readonly store: SessionStore;
  /** Record lifetime of sessions whose cookie has no `maxAge` (browser-session cookies), seconds. */
  readonly defaultTimeoutSeconds: number;
  /** Absolute lifetime of a session from its creation, seconds; `undefined` for none. */
  readonly maxLifetimeSeconds: number | undefined;
  /** Ids accepted from cookies; wider than Vessel's default when `genid` is the app's own. */
  readonly idPattern: RegExp | undefined;
  /**
   * Skip a touch when the record was written less than this many seconds ago (0: touch every
   * time); `undefined`: a tenth of the session's lifetime, at most 60 s.
   */
  readonly touchAfterSeconds: number | undefined;
}

/** One request's session in Vessel's storage. */
export interface VesselHandle {
  /** The core session; `undefined` until a session generated in this request is first saved. */
  core: CoreSession | undefined;
  /** The cookie as the record holds it (loaded or last saved): an unchanged cookie is not set again. */
  cookie: unknown;
  /** Until first saved: when the session this one replaced with its data was created (ms). */
  created?: number | undefined;
}

type CookieJson = Record<string, unknown> & { originalMaxAge?: unknown; expires?: unknown };

/**
 * Sessions in Vessel's storage, through `SessionManager`: one record per session in namespace
 * `session`, the express-session cookie kept in the data as `cookie`. A save writes only the
 * top-level keys this request changed, merged onto the freshest stored copy.
 *
 * The record's lifetime is the cookie's: a session whose cookie has `maxAge` gets that many
 * seconds as its own idle timeout (`Session.setIdleTimeout`, kept with the record), so each
 * save or touch moves the record's expiry to now + `maxAge`, never past `maxLifetimeSeconds`
 * after the session's creation.
 */
export function vesselBackend(options: VesselBackendOptions): SessionBackend<VesselHandle> {
  const { storage, store, defaultTimeoutSeconds, maxLifetimeSeconds, idPattern } = options;
  const manager = new SessionManager(
    {
      timeout: defaultTimeoutSeconds,
      maxLifetime: maxLifetimeSeconds,
      useCookies: false,
      saveAccessedTime: false,
      auto: false,
      ...(idPattern ? { idPattern } : {}),
    },
    storage,
  );

  /** The record lifetime for a cookie `maxAge` (ms); `undefined` for the default (no `maxAge`). */
  function timeoutFor(maxAge: unknown): number | undefined {
    if (typeof maxAge !== 'number' || !Number.isFinite(maxAge)) return undefined;
    return Math.min(MAX_LIFETIME_SECONDS, Math.max(1, Math.ceil(maxAge / 1000)));
  }

  function loaded(core: CoreSession): LoadedSession<VesselHandle> {
    let data = core.toJSON();
    // `cookie` first, where express-session has it (records this backend writes have it there already).
    let first: string | undefined;
    for (first in data) break;
    if (first !== 'cookie' && Object.hasOwn(data, 'cookie')) data = { cookie: undefined, ...data };
    const cookie = data.cookie;
    if (typeof cookie === 'object' && cookie !== null) {
      const json = cookie as CookieJson;
      // Touches move the record's access time, not its data: the cookie expires maxAge after it.
      if (typeof json.originalMaxAge === 'number') {
        const expires = new Date(core.lastAccessed.getTime() + json.originalMaxAge).toISOString();
        data.cookie = { ...json, expires };
      }
    } else {
      delete data.cookie;
    }
    return { data: data as SessionData, handle: { core, cookie } };
  }

  async function load(
    id: string,
    onReject?: (event: SessionRejectEvent) => void,
  ): Promise<LoadedSession<VesselHandle> | undefined> {
    const core = await manager.get(id, onReject ? { onReject } : undefined);
    return core ? loaded(core) : undefined;
  }

  /** Applies to `core` the top-level keys whose text differs between `print` (now) and `storedPrint`. */
  function applyChanges(session: Session, core: CoreSession, print: SessionPrint, storedPrint: SessionPrint): void {
    let sameKeys = print.length === storedPrint.length;
    for (let index = 0; sameKeys && index < print.length; index += 2) sameKeys = print[index] === storedPrint[index];
    if (sameKeys) {
      // The usual save: the same keys as stored, some values changed.
      for (let index = 0; index < print.length; index += 2) {
        if (print[index + 1] !== storedPrint[index + 1])
          core.set(print[index] as string, session[print[index] as string]);
      }
    } else {
      const stored = textsByKey(storedPrint);
      for (let index = 0; index < print.length; index += 2) {
        const key = print[index] as string;
        if (stored.get(key) !== print[index + 1]) core.set(key, session[key]);
        stored.delete(key);
      }
      for (const key of stored.keys()) core.delete(key);
    }
  }

  /** The cookie as the record keeps it: its attributes, unset ones left out. */
  function cookieRecord(session: Session): Record<string, unknown> {
    const attributes = session.cookie.data as unknown as Record<string, unknown>;
    const cookie: Record<string, unknown> = {};
    for (const key in attributes) if (attributes[key] !== undefined) cookie[key] = attributes[key];
    return cookie;
  }

  /** True when the stored cookie has exactly these attributes (Dates by time). */
  function sameCookie(stored: unknown, cookie: Record<string, unknown>): boolean {
    if (typeof stored !== 'object' || stored === null) return false;
    const before = stored as Record<string, unknown>;
    let keys = 0;
    for (const key in cookie) {
      keys++;
      const a = before[key];
      const b = cookie[key];
      if (a !== b && !(a instanceof Date && b instanceof Date && a.getTime() === b.getTime())) return false;
    }
    for (const _ in before) keys--;
    return keys === 0;
  }

  const backend: SessionBackend<VesselHandle> = {
    store,
    isReady: () => true,
    load: (id, _req, onReject) => load(id, onReject),
    fresh: (_id, created) => ({ core: undefined, cookie: undefined, created: created?.getTime() }),

    async save(session, handle, print, storedPrint) {
      const stored = handle.core;
      const core = stored ?? manager.create({ id: session.id, created: handle.created });
      handle.core = core;
      const timeout = timeoutFor(session.cookie.originalMaxAge);
      if (core.idleTimeout !== timeout) core.setIdleTimeout(timeout);
      const cookie = cookieRecord(session);
      // A new record gets `cookie` first, where loading wants it; a stored one only when it changed.
      if (!stored || !sameCookie(handle.cookie, cookie)) core.set('cookie', cookie);
      handle.cookie = cookie;
      applyChanges(session, core, print, stored ? storedPrint : EMPTY_PRINT);
      await core.save();
      return handle;
    },

    touch(session, handle) {
      const { core } = handle;
      // Destroyed: an explicit save in this request found it gone (another request ended it).
      if (!core || core.isNew || core.isDestroyed) return undefined;
      // A new cookie lifetime must reach the record: save the cookie (a touch keeps the data, so no data to compare).
      if (timeoutFor(session.cookie.originalMaxAge) !== core.idleTimeout)
        return backend.save(session, handle, EMPTY_PRINT, EMPTY_PRINT).then(() => undefined);
      const lifetime = core.idleTimeout ?? defaultTimeoutSeconds;
      const touchAfter = options.touchAfterSeconds ?? Math.min(DEFAULT_TOUCH_AFTER_SECONDS, lifetime / 10);
      if (Date.now() - core.lastAccessed.getTime() < touchAfter * 1000) return undefined;
      core.touch();
      return manager.commit(core).then(() => undefined);
    },

    async destroy(id, handle) {
      if (handle?.core && !handle.core.isNew) await handle.core.destroy();
      else await storage.namespace('session').delete(id);
    },

    reload: (id) => load(id),

    async regenerate(_req, handle, generate) {
      const { core } = handle;
      let stillStored = true;
      if (core && !core.isNew) {
        // Gone since this request loaded it (a logout elsewhere, a purge, an expiry): nothing may move on.
        const live = (await manager.get(core.id)) !== null;
        const deleted = await storage.namespace('session').delete(core.id);
        stillStored = live && deleted;
      }
      generate();
      return stillStored;
    },

    times: (handle) => ({
      created: handle.core?.created ?? (handle.created === undefined ? undefined : new Date(handle.created)),
      lastAccessed: handle.core?.lastAccessed,
    }),
  };
  return backend;
}
