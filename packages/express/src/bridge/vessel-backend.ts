import {
  type Session as CoreSession,
  type SecretList,
  SessionManager,
  type SessionRejectEvent,
  type Storage,
} from '@vessel/core';
import type { LoadedSession, SessionBackend } from '../compat/backend.js';
import { EMPTY_PRINT } from '../compat/compare.js';
import type { SessionStore } from '../compat/store.js';
import { expressData, sessionTimes, timeoutFor, touchDue, writeInto } from './core-session.js';

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
  /** The vessel's `session.encryptKey`: records' data sealed at rest. */
  readonly encryptKey?: SecretList | undefined;
  /** The vessel's `session.validateKey`, mixed into the sealing keys. */
  readonly validateKey?: string | undefined;
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
      encryptKey: options.encryptKey,
      validateKey: options.validateKey,
      ...(idPattern ? { idPattern } : {}),
    },
    storage,
  );

  function loaded(core: CoreSession): LoadedSession<VesselHandle> {
    const { data, cookie } = expressData(core);
    return { data, handle: { core, cookie } };
  }

  async function load(
    id: string,
    onReject?: (event: SessionRejectEvent) => void,
  ): Promise<LoadedSession<VesselHandle> | undefined> {
    const core = await manager.get(id, onReject ? { onReject } : undefined);
    return core ? loaded(core) : undefined;
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
      handle.cookie = writeInto(core, session, stored && { cookie: handle.cookie, print: storedPrint }, print);
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
      if (!touchDue(core, options.touchAfterSeconds, defaultTimeoutSeconds)) return undefined;
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

    times: sessionTimes,
  };
  return backend;
}
