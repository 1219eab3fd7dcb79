import { type Session as CoreSession, SessionManager, type SessionRejectEvent, type Storage } from '@vessel/core';
import type { LoadedSession, SessionBackend } from './backend.js';
import { comparisonText } from './compare.js';
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
  /** The comparison text of each top-level value as loaded or last saved (`cookie` excluded). */
  readonly snapshot: Map<string, string>;
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
    // `cookie` first, where express-session has it.
    const data: Record<string, unknown> = { cookie: undefined, ...core.toJSON() };
    const snapshot = new Map<string, string>();
    for (const key of Object.keys(data)) {
      if (key === 'cookie') continue;
      const text = comparisonText(data[key]);
      if (text !== undefined) snapshot.set(key, text);
    }
    const cookie = data.cookie;
    if (typeof cookie === 'object' && cookie !== null) {
      const json = { ...(cookie as CookieJson) };
      // Touches move the record's access time, not its data: the cookie expires maxAge after it.
      if (typeof json.originalMaxAge === 'number') {
        json.expires = new Date(core.lastAccessed.getTime() + json.originalMaxAge).toISOString();
      }
      data.cookie = json;
    } else {
      delete data.cookie;
    }
    return { data: data as SessionData, handle: { core, snapshot } };
  }

  async function load(
    id: string,
    onReject?: (event: SessionRejectEvent) => void,
  ): Promise<LoadedSession<VesselHandle> | undefined> {
    const core = await manager.get(id, { onReject });
    return core ? loaded(core) : undefined;
  }

  /** Applies the top-level keys that differ from the snapshot to `core`. */
  function applyChanges(session: Session, handle: VesselHandle, core: CoreSession): void {
    const seen = new Set<string>();
    for (const key of Object.keys(session)) {
      if (key === 'cookie') continue;
      const value = session[key];
      const text = comparisonText(value);
      if (text === undefined) continue;
      seen.add(key);
      if (handle.snapshot.get(key) !== text) {
        core.set(key, value);
        handle.snapshot.set(key, text);
      }
    }
    for (const key of [...handle.snapshot.keys()]) {
      if (seen.has(key)) continue;
      core.delete(key);
      handle.snapshot.delete(key);
    }
    const cookie: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(session.cookie.toJSON())) if (value !== undefined) cookie[key] = value;
    core.set('cookie', cookie);
  }

  const backend: SessionBackend<VesselHandle> = {
    store,
    isReady: () => true,
    load: (id, _req, onReject) => load(id, onReject),
    fresh: () => ({ core: undefined, snapshot: new Map() }),

    async save(session, handle) {
      const core = handle.core ?? manager.create({ id: session.id });
      if (!handle.core) handle.snapshot.clear();
      handle.core = core;
      const timeout = timeoutFor(session.cookie.originalMaxAge);
      if (core.idleTimeout !== timeout) core.setIdleTimeout(timeout);
      applyChanges(session, handle, core);
      await core.save();
      return handle;
    },

    touch(session, handle) {
      const { core } = handle;
      // Destroyed: an explicit save in this request found it gone (another request ended it).
      if (!core || core.isNew || core.isDestroyed) return undefined;
      // A new cookie lifetime must reach the record (a touch keeps the data): save instead.
      if (timeoutFor(session.cookie.originalMaxAge) !== core.idleTimeout)
        return backend.save(session, handle).then(() => undefined);
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

    times: (handle) => ({ created: handle.core?.created, lastAccessed: handle.core?.lastAccessed }),
  };
  return backend;
}
