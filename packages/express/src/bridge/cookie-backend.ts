import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CookieTooLargeError,
  type Session as CoreSession,
  MAX_COOKIE_BYTES,
  type SessionConfig,
  SessionManager,
  type SessionRejectEvent,
  type Storage,
  VesselError,
} from '@vessel/core';
import type { SessionBackend } from '../compat/backend.js';
import { EMPTY_PRINT } from '../compat/compare.js';
import type { Session } from '../compat/session-object.js';
import { type SessionStore, Store } from '../compat/store.js';
import { expressData, sessionTimes, timeoutFor, touchDue, writeInto } from './core-session.js';

/** Options of the cookie-only backend. */
export interface CookieBackendOptions {
  /** The cookie's name. */
  readonly name: string;
  /** Sealing keys after `encryptKey` (the first seals, all open): strings of 32 bytes or more. */
  readonly secrets: readonly string[] | undefined;
  /** Seals before `secrets` (a vessel's `session.encryptKey`). */
  readonly encryptKey: SessionConfig['encryptKey'];
  /** Mixed into every key's derivation (a vessel's `session.validateKey`). */
  readonly validateKey: string | undefined;
  /** Idle timeout of sessions whose cookie has no `maxAge`, seconds. */
  readonly defaultTimeoutSeconds: number;
  /** Absolute lifetime from creation, seconds; `undefined`: core's default for cookie-only sessions (14 days). */
  readonly maxLifetimeSeconds: number | undefined;
  /** Ids accepted from cookies; wider than Vessel's default when `genid` is the app's own. */
  readonly idPattern: RegExp | undefined;
  /** Re-seal an unchanged session only when its last seal is at least this old (s); `undefined`: a tenth of its lifetime, at most 60. */
  readonly touchAfterSeconds: number | undefined;
  /** Re-seal (and so send) the cookie on every response. */
  readonly rolling: boolean;
  /** Where the revocation list lives, when it is on (a vessel's `session.revocationList`). */
  readonly revocationStorage: Storage | undefined;
  /** Hears a session too large for its cookie (one line; no secret, no cookie value). */
  readonly logger: { error(message: string): void };
}

/** One request's cookie-only session. */
export interface CookieHandle {
  /** The core session; `undefined` until a session generated in this request is first saved. */
  core: CoreSession | undefined;
  /** The cookie as the sealed record holds it (loaded or last saved). */
  cookie: unknown;
  /** Until first saved: when the session this one replaced with its data was created (ms). */
  created?: number | undefined;
  /** The cookie value sealed in this request (a save, a touch, a rotated key); `''` once destroyed. */
  value: string | undefined;
}

const NOTHING_STORED = 'cookie-only sessions keep nothing server-side: the session is in its cookie';

/**
 * `req.sessionStore` of cookie-only sessions: there is no store to read or write by id, so
 * `get`, `set` and `destroy` report a `VesselError` (`VESSEL_UNSUPPORTED`) to their callback.
 */
function cookieOnlyStore(): SessionStore {
  const store = new Store();
  const unsupported = (callback: ((err?: unknown) => void) | undefined) =>
    callback?.(new VesselError('VESSEL_UNSUPPORTED', NOTHING_STORED));
  store.get = (_sid, callback) => unsupported(callback);
  store.set = (_sid, _session, callback) => unsupported(callback);
  store.destroy = (_sid, callback) => unsupported(callback);
  return store;
}

/**
 * Cookie-only sessions (`type: 'cookie'`): the whole session, sealed by core's `SessionManager`
 * (AES-256-GCM; Beaker's cookie sessions), is the cookie. Nothing is written to storage (but
 * the revocation list, when on). A save or touch seals the session again, and that value is the
 * cookie the response sends; a destroyed session's cookie is cleared.
 */
export function cookieBackend(options: CookieBackendOptions): SessionBackend<CookieHandle> {
  const { name, defaultTimeoutSeconds, idPattern, rolling, logger } = options;
  const manager = new SessionManager(
    {
      type: 'cookie',
      key: name,
      secret: options.secrets,
      encryptKey: options.encryptKey,
      validateKey: options.validateKey,
      timeout: defaultTimeoutSeconds,
      maxLifetime: options.maxLifetimeSeconds,
      revocationList: options.revocationStorage !== undefined,
      useCookies: true,
      saveAccessedTime: false,
      auto: false,
      rolling: false,
      cookieExpires: false,
      ...(idPattern ? { idPattern } : {}),
    },
    options.revocationStorage,
  );
  // The manager reports rejected cookies as events: each goes to the `onReject` of the load that
  // met it (made only for apps that listen).
  let rejections: AsyncLocalStorage<(event: SessionRejectEvent) => void> | undefined;
  manager.on('reject', (event) => rejections?.getStore()?.(event));

  /** The sealed value of the manager's Set-Cookie for `core`, when it has one to send. */
  async function sealedValue(core: CoreSession): Promise<string | undefined> {
    const { setCookie } = await manager.commit(core);
    if (!setCookie) return undefined;
    const end = setCookie.indexOf(';');
    return decodeURIComponent(setCookie.slice(name.length + 1, end < 0 ? undefined : end));
  }

  /** Seals `core` into `handle.value`, refusing (and logging) a Set-Cookie past the browser limit. */
  async function seal(session: Session, core: CoreSession, handle: CookieHandle): Promise<void> {
    try {
      // The manager refuses its own cookie past the limit when saving; this is the one the response sends.
      const value = await sealedValue(core);
      if (value === undefined) return;
      const size = Buffer.byteLength(session.cookie.serialize(name, value));
      if (size > MAX_COOKIE_BYTES) throw new CookieTooLargeError(size, MAX_COOKIE_BYTES);
      handle.value = value;
    } catch (err) {
      throw tooLarge(session, err);
    }
  }

  /** Logs `err` when it is a cookie too large (once, as it passes), and hands it back. */
  function tooLarge(session: Session, err: unknown): unknown {
    if (err instanceof CookieTooLargeError) {
      const { req } = session;
      const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
      const path = url.split('?', 1)[0];
      logger.error(`@vessel/express: cookie-only session not saved (${req.method} ${path}): ${err.message}`);
    }
    return err;
  }

  async function open(cookie: string | undefined) {
    const core = await manager.load({ cookie });
    if (core.isNew) return undefined;
    const { data, cookie: stored } = expressData(core);
    // Sealed under an older key: the manager re-seals it under the current one, sent at once.
    const handle: CookieHandle = { core, cookie: stored, value: await sealedValue(core) };
    return { id: core.id, data, handle };
  }

  const backend: SessionBackend<CookieHandle> = {
    store: cookieOnlyStore(),
    sealed: {
      open(req, onReject) {
        if (!onReject) return open(req.headers.cookie);
        rejections ??= new AsyncLocalStorage();
        return rejections.run(onReject, () => open(req.headers.cookie));
      },
      value: (handle) => handle.value,
    },
    isReady: () => true,
    load: () => Promise.reject(new VesselError('VESSEL_UNSUPPORTED', NOTHING_STORED)),
    fresh: (_id, created) => ({ core: undefined, cookie: undefined, created: created?.getTime(), value: undefined }),

    async save(session, handle, print, storedPrint) {
      const stored = handle.core;
      const core = stored ?? manager.create({ id: session.id, created: handle.created });
      handle.core = core;
      handle.cookie = writeInto(core, session, stored && { cookie: handle.cookie, print: storedPrint }, print);
      try {
        await core.save();
      } catch (err) {
        throw tooLarge(session, err);
      }
      await seal(session, core, handle);
      return handle;
    },

    touch(session, handle) {
      const { core } = handle;
      if (!core || core.isNew || core.isDestroyed) return undefined;
      // A new cookie lifetime must reach the sealed record: save the cookie.
      if (timeoutFor(session.cookie.originalMaxAge) !== core.idleTimeout)
        return backend.save(session, handle, EMPTY_PRINT, EMPTY_PRINT).then(() => undefined);
      if (!rolling && !touchDue(core, options.touchAfterSeconds, defaultTimeoutSeconds)) return undefined;
      core.touch();
      return seal(session, core, handle);
    },

    async destroy(_id, handle) {
      if (!handle) return;
      // Puts the id on the revocation list when it is on; otherwise only the cleared cookie ends it.
      if (handle.core && !handle.core.isNew && !handle.core.isDestroyed) await handle.core.destroy();
      handle.value = '';
    },

    // Nothing to re-read: the session as this request loaded or last sealed it.
    async reload(_id, handle) {
      const { core } = handle;
      if (!core || core.isNew || core.isDestroyed) return undefined;
      const { data, cookie } = expressData(core);
      handle.cookie = cookie;
      return { data, handle };
    },

    async regenerate(_req, handle, generate) {
      const { core } = handle;
      if (core && !core.isNew && !core.isDestroyed) await core.destroy();
      generate();
      return true;
    },

    times: sessionTimes,
  };
  return backend;
}
