import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { generateSessionId } from '@vessel/core';
import type { SessionBackend } from './backend.js';
import { sessionFingerprint } from './compare.js';
import { Cookie, type CookieOptions } from './cookie.js';
import { holdEnd } from './end-hook.js';
import type { SessionOptions } from './options.js';
import { type RegenerateOptions, Session, type SessionController, setController } from './session-object.js';
import { isSecure, readSessionId, type Secret, signId } from './signature.js';
import { inflateSession, type SessionData } from './store.js';
import { storeBackend } from './store-backend.js';
import { vesselBackend } from './vessel-backend.js';
import { resolveStorage, VesselStore } from './vessel-store.js';

const onHeaders = createRequire(import.meta.url)('on-headers') as (res: ServerResponse, listener: () => void) => void;

/** A request as the middleware sees it (Express adds `secret`, `secure`, `originalUrl`). */
interface Req extends IncomingMessage {
  session?: Session | undefined;
  sessionID?: string | undefined;
  sessionStore?: SessionBackend['store'] | undefined;
  secret?: Secret | undefined;
  originalUrl?: string;
  loadSession?: () => Promise<Session | undefined>;
}

/** `session()`'s middleware; `close()` closes a storage the middleware opened itself. */
export interface SessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** Closes the storage opened from `cacheDir`/`type`/`url` (not a given `vessel`, `storage` or `store`). */
  close(): Promise<void>;
}

function pathname(req: Req): string {
  const url = req.originalUrl ?? req.url ?? '/';
  const end = url.search(/[?#]/);
  return (end < 0 ? url : url.slice(0, end)) || '/';
}

function appendSetCookie(res: ServerResponse, value: string): void {
  const previous = res.getHeader('Set-Cookie') ?? [];
  const list = Array.isArray(previous) ? [...previous, value] : [String(previous), value];
  res.setHeader('Set-Cookie', list);
}

/**
 * Session middleware, a drop-in for express-session: the same options, defaults, cookie and
 * `req.session`. Without `store`, sessions live in Vessel's storage (`vessel`, `storage`,
 * `cacheDir`, `type`, `url`; in-process memory when none is given), where a save only writes
 * the keys the request changed.
 *
 * @example
 * app.use(session({ secret: process.env.SESSION_SECRET, cacheDir: './data', resave: false, saveUninitialized: false }))
 */
export function session(options: SessionOptions = {}): SessionMiddleware {
  const cookieOptions = options.cookie ?? {};
  const generateId = options.genid ?? generateSessionId;
  const name = options.name || options.key || 'connect.sid';
  const trustProxy = options.proxy;
  const resave = options.resave ?? true;
  const rolling = Boolean(options.rolling);
  const saveUninitialized = options.saveUninitialized ?? true;
  const continueWithout = options.storeUnavailable === 'continue';
  const lazy = Boolean(options.lazy);

  if (typeof generateId !== 'function') throw new TypeError('genid option must be a function');
  if (options.unset && options.unset !== 'destroy' && options.unset !== 'keep') {
    throw new TypeError('unset option must be "destroy" or "keep"');
  }
  const unsetDestroy = options.unset === 'destroy';
  // A Vessel instance's own session secret (and timeout) apply when the options give none.
  const vesselSession = options.vessel?.config.session;
  const secretOption = (options.secret ?? vesselSession?.secret) as Secret | readonly Secret[] | undefined;
  if (Array.isArray(secretOption) && secretOption.length === 0) {
    throw new TypeError('secret option array must contain one or more strings');
  }
  const secrets: readonly Secret[] | undefined = secretOption
    ? Array.isArray(secretOption)
      ? (secretOption as readonly Secret[])
      : [secretOption as Secret]
    : undefined;

  const resolveCookie = (req: IncomingMessage): CookieOptions =>
    typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions;

  let closeStorage = async () => {};
  let backend: SessionBackend;
  if (options.store) {
    backend = storeBackend(options.store);
  } else {
    const { storage, owned } = resolveStorage(options);
    if (owned) closeStorage = () => storage.close();
    const usualMaxAge = typeof cookieOptions === 'function' ? undefined : new Cookie(cookieOptions).originalMaxAge;
    backend = vesselBackend({
      storage,
      store: new VesselStore({ storage }),
      defaultTimeoutSeconds: options.timeout ?? vesselSession?.timeout ?? 86_400,
      usualMaxAge,
      touchAfterSeconds: options.touchAfter ?? 0,
      // The app's own ids need not look like Vessel's; signatures already vouch for them.
      idPattern: options.genid ? /^(?!\.\.?$)[^\s/\\]{1,256}$/ : undefined,
    });
  }
  const { store } = backend;

  /** Makes a new session on `req` (also what `store.regenerate` calls, as in express-session). */
  function generate(req: Req): void {
    req.sessionID = generateId(req);
    const session = new Session(req);
    const resolved = resolveCookie(req);
    session.cookie = new Cookie(resolved);
    const secure = isSecure(req, trustProxy);
    if (resolved.secure === 'auto') session.cookie.secure = secure;
    if (resolved.sameSite === 'auto') session.cookie.sameSite = secure ? 'none' : 'lax';
    req.session = session;
  }
  store.generate = generate;

  const middleware = function sessionMiddleware(
    request: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) {
    const req = request as Req;
    if (req.session) return next();
    if (!backend.isReady()) return next();
    if (!pathname(req).startsWith(resolveCookie(req).path || '/')) return next();
    const idFromApp = options.sessionId;
    if (!idFromApp && !secrets && !req.secret) return next(new Error('secret option required for sessions'));
    const keys: readonly Secret[] = secrets ?? [req.secret as Secret];

    req.sessionStore = store;
    const cookieId = idFromApp ? idFromApp(req) || undefined : readSessionId(req, name, keys);
    req.sessionID = cookieId;

    let handle: unknown;
    let isNew = false;
    let originalId: string | undefined;
    let originalHash: string | undefined;
    let savedHash: string | undefined;
    let touched = false;
    /** Whether the session was loaded (lazy mode, store outages): nothing is written or sent otherwise. */
    let active = false;

    const isModified = (s: Session) => originalId !== s.id || originalHash !== sessionFingerprint(s);
    const isSaved = (s: Session) => originalId === s.id && savedHash === sessionFingerprint(s);
    const shouldSave = (): boolean => {
      if (typeof req.sessionID !== 'string' || !req.session) return false;
      return !saveUninitialized && !savedHash && cookieId !== req.sessionID
        ? isModified(req.session)
        : !isSaved(req.session);
    };
    const shouldTouch = () => typeof req.sessionID === 'string' && cookieId === req.sessionID && !shouldSave();
    const shouldSetCookie = (s: Session): boolean => {
      if (typeof req.sessionID !== 'string') return false;
      return cookieId !== req.sessionID
        ? saveUninitialized || isModified(s)
        : rolling || (s.cookie.expires != null && isModified(s));
    };
    const touchOnce = (s: Session) => {
      if (!touched) {
        s.touch();
        touched = true;
      }
    };
    const report = (err: unknown) => {
      if (!continueWithout) setImmediate(next, err);
    };

    const controller: SessionController = {
      async save(s) {
        savedHash = sessionFingerprint(s);
        handle = await backend.save(s, handle);
        isNew = false;
      },
      async reload(s) {
        const loaded = await backend.reload(s.id, handle);
        if (!loaded) throw new Error('failed to load session');
        handle = loaded.handle;
        inflateSession(req, loaded.data);
      },
      async destroy(s) {
        delete req.session;
        await backend.destroy(s.id, handle);
      },
      async regenerate(s, { keepData }: RegenerateOptions) {
        const kept = keepData ? { ...s } : undefined;
        await backend.regenerate(req, handle, () => generate(req));
        handle = backend.fresh(req.sessionID ?? '');
        isNew = true;
        if (kept && req.session) Object.assign(req.session, kept);
      },
      invalidate: (s) => controller.regenerate(s, {}),
      async revert(s) {
        if (!isNew) return controller.reload(s);
        for (const key of Object.keys(s)) if (key !== 'cookie') delete s[key];
      },
      isNew: () => isNew,
      created: () => backend.times(handle).created,
      lastAccessed: () => backend.times(handle).lastAccessed,
    };
    setController(req, controller);

    onHeaders(res, () => {
      const s = req.session;
      if (!active || !s || idFromApp || !shouldSetCookie(s)) return;
      if (s.cookie.secure && !isSecure(req, trustProxy)) return;
      touchOnce(s);
      try {
        const { expires, originalMaxAge } = s.cookie;
        // Expires is then exactly maxAge after the response's Date.
        if (expires instanceof Date && typeof originalMaxAge === 'number' && !res.hasHeader('Date') && res.sendDate) {
          res.setHeader('Date', new Date(expires.getTime() - originalMaxAge).toUTCString());
        }
        appendSetCookie(res, s.cookie.serialize(name, signId(req.sessionID as string, keys[0] as Secret)));
      } catch (err) {
        setImmediate(next, err);
      }
    });

    holdEnd(
      res,
      () => {
        if (!active) return undefined;
        if (req.sessionID && unsetDestroy && req.session == null) return backend.destroy(req.sessionID, handle);
        const s = req.session;
        if (!s) return undefined;
        touchOnce(s);
        if (shouldSave()) return controller.save(s);
        if (shouldTouch()) return backend.touch(s, handle);
        return undefined;
      },
      report,
    );

    const start = (): void => {
      generate(req);
      handle = backend.fresh(req.sessionID ?? '');
      isNew = true;
      originalId = req.sessionID;
      originalHash = sessionFingerprint(req.session as Session);
    };
    const inflate = (data: SessionData, loadedHandle: unknown): void => {
      handle = loadedHandle;
      // A record written without a cookie (by Vessel's own API) gets the configured one.
      if (typeof data.cookie !== 'object' || data.cookie === null) data.cookie = new Cookie(resolveCookie(req));
      // Not `store.createSession`: stores built on express-session's Store would make its Session objects.
      const s = inflateSession(req, data);
      originalId = req.sessionID;
      originalHash = sessionFingerprint(s);
      if (!resave) savedHash = originalHash;
    };

    async function load(): Promise<Session | undefined> {
      if (cookieId) {
        let loaded: Awaited<ReturnType<SessionBackend['load']>>;
        try {
          loaded = await backend.load(cookieId, req);
        } catch (err) {
          if (continueWithout) {
            req.sessionID = undefined;
            return undefined;
          }
          throw err;
        }
        if (loaded) inflate(loaded.data, loaded.handle);
        else start();
      } else {
        start();
      }
      active = true;
      return req.session;
    }

    if (lazy) {
      let loading: Promise<Session | undefined> | undefined;
      req.loadSession = () => {
        loading ??= load();
        return loading;
      };
      return next();
    }
    load().then(
      () => next(),
      (err: unknown) => next(err),
    );
  } as SessionMiddleware;
  middleware.close = () => closeStorage();
  return middleware;
}
