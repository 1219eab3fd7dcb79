import { type Session as CoreSession, generateSessionId, SessionManager, type Storage } from '@vessel/core';
import type { LoadedSession, SessionBackend } from './backend.js';
import { comparisonText } from './compare.js';
import type { Session } from './session-object.js';
import type { SessionData, SessionStore } from './store.js';

/** The longest record lifetime, in seconds: 400 days, what browsers cap a cookie's lifetime at. */
const MAX_LIFETIME_SECONDS = 400 * 86_400;
/** Managers kept for distinct cookie lifetimes; more are rebuilt on demand. */
const MAX_MANAGERS = 32;

/** Options of the Vessel backend. */
export interface VesselBackendOptions {
  readonly storage: Storage;
  /** Exposed as `req.sessionStore` (a `VesselStore` over the same storage). */
  readonly store: SessionStore;
  /** Record lifetime of sessions whose cookie has no `maxAge` (browser-session cookies), seconds. */
  readonly defaultTimeoutSeconds: number;
  /** The `maxAge` (ms) of the configured cookie, the lifetime most sessions have. */
  readonly usualMaxAge: number | null | undefined;
  /** Ids accepted from cookies; wider than Vessel's default when `genid` is the app's own. */
  readonly idPattern: RegExp | undefined;
  /** Skip a touch when the record was written less than this many seconds ago (0: touch every time). */
  readonly touchAfterSeconds: number;
}

/** One request's session in Vessel's storage. */
export interface VesselHandle {
  /** The core session; `undefined` until a session generated in this request is first saved. */
  core: CoreSession | undefined;
  /** The idle timeout (s) of the manager `core` came from. */
  timeoutSeconds: number;
  /** The comparison text of each top-level value as loaded or last saved (`cookie` excluded). */
  readonly snapshot: Map<string, string>;
}

type CookieJson = Record<string, unknown> & { originalMaxAge?: unknown; expires?: unknown };

/**
 * Sessions in Vessel's storage, through `SessionManager`: one record per session in namespace
 * `session`, the express-session cookie kept in the data as `cookie`. A save writes only the
 * top-level keys this request changed, merged onto the freshest stored copy.
 *
 * The record's lifetime is the cookie's: a session whose cookie has `maxAge` is stored with an
 * idle timeout of that many seconds (one manager per distinct lifetime, since a manager's
 * timeout is fixed), so each save or touch moves the record's expiry to now + `maxAge`.
 */
export function vesselBackend(options: VesselBackendOptions): SessionBackend<VesselHandle> {
  const { storage, store, defaultTimeoutSeconds, idPattern } = options;
  const managers = new Map<number, SessionManager>();
  /** The id the next fresh core session gets: `generateId` is called synchronously by `load({})`. */
  let nextId: string | undefined;
  const generateId = () => {
    const id = nextId ?? generateSessionId();
    nextId = undefined;
    return id;
  };

  function manager(timeoutSeconds: number): SessionManager {
    let found = managers.get(timeoutSeconds);
    if (!found) {
      if (managers.size >= MAX_MANAGERS) {
        const [oldest] = managers.keys();
        if (oldest !== undefined) managers.delete(oldest);
      }
      found = new SessionManager(
        {
          timeout: timeoutSeconds,
          useCookies: false,
          saveAccessedTime: false,
          auto: false,
          generateId,
          ...(idPattern ? { idPattern } : {}),
        },
        storage,
      );
      managers.set(timeoutSeconds, found);
    }
    return found;
  }

  function timeoutFor(maxAge: unknown): number {
    if (typeof maxAge !== 'number' || !Number.isFinite(maxAge)) return defaultTimeoutSeconds;
    return Math.min(MAX_LIFETIME_SECONDS, Math.max(1, Math.ceil(maxAge / 1000)));
  }

  const usualTimeout = timeoutFor(options.usualMaxAge);

  async function freshCore(id: string, timeoutSeconds: number): Promise<CoreSession> {
    nextId = id;
    const core = await manager(timeoutSeconds).load({});
    // `load({})` takes the id synchronously today; should that change, fail loudly rather than
    // store the session under an id its cookie does not name.
    if (core.id !== id) throw new Error(`session ${id} could not be created under its own id`);
    return core;
  }

  function loaded(core: CoreSession, timeoutSeconds: number): LoadedSession<VesselHandle> {
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
    return { data: data as SessionData, handle: { core, timeoutSeconds, snapshot } };
  }

  /**
   * A manager only sees a record as live within its own timeout, so a record stored with a
   * longer lifetime than the usual one is looked up again under its own.
   */
  async function load(id: string): Promise<LoadedSession<VesselHandle> | undefined> {
    let core = await manager(usualTimeout).get(id);
    let timeoutSeconds = usualTimeout;
    if (!core) {
      const wide = await manager(MAX_LIFETIME_SECONDS).get(id);
      if (!wide) return undefined;
      timeoutSeconds = timeoutFor((wide.get('cookie') as CookieJson | undefined)?.originalMaxAge);
      if (timeoutSeconds <= usualTimeout) return undefined;
      core = await manager(timeoutSeconds).get(id);
    } else {
      const own = timeoutFor((core.get('cookie') as CookieJson | undefined)?.originalMaxAge);
      if (own !== usualTimeout) {
        timeoutSeconds = own;
        core = await manager(own).get(id);
      }
    }
    return core ? loaded(core, timeoutSeconds) : undefined;
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
    load,
    fresh: () => ({ core: undefined, timeoutSeconds: usualTimeout, snapshot: new Map() }),

    async save(session, handle) {
      const timeoutSeconds = timeoutFor(session.cookie.originalMaxAge);
      let { core } = handle;
      if (!core || handle.timeoutSeconds !== timeoutSeconds) {
        // The lifetime changed (or nothing is stored yet): continue under the manager of the new one.
        const stored = core && !core.isNew ? await manager(timeoutSeconds).get(session.id) : null;
        core = stored ?? (await freshCore(session.id, timeoutSeconds));
        if (!stored) handle.snapshot.clear();
        handle.core = core;
        handle.timeoutSeconds = timeoutSeconds;
      }
      applyChanges(session, handle, core);
      await core.save();
      return handle;
    },

    touch(session, handle) {
      const { core } = handle;
      if (!core || core.isNew) return undefined;
      // A new cookie lifetime must reach the record (a touch keeps the data): save instead.
      if (timeoutFor(session.cookie.originalMaxAge) !== handle.timeoutSeconds)
        return backend.save(session, handle).then(() => undefined);
      if (Date.now() - core.lastAccessed.getTime() < options.touchAfterSeconds * 1000) return undefined;
      core.touch();
      return manager(handle.timeoutSeconds)
        .commit(core)
        .then(() => undefined);
    },

    async destroy(id, handle) {
      if (handle?.core && !handle.core.isNew) await handle.core.destroy();
      else await storage.namespace('session').delete(id);
    },

    reload: (id) => load(id),

    async regenerate(_req, handle, generate) {
      const { core } = handle;
      if (core && !core.isNew) await core.destroy();
      generate();
    },

    times: (handle) => ({ created: handle.core?.created, lastAccessed: handle.core?.lastAccessed }),
  };
  return backend;
}
