import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { DEFAULT_ID_PATTERN, type SessionRejectEvent } from '@vessel/core';
import type { SessionBackend } from './backend.js';
import { Cookie } from './cookie.js';
import { holdEnd } from './end-hook.js';
import { resolveOptions, type SessionOptions } from './options.js';
import { type Req, RequestSession } from './request-session.js';
import { Session, setController } from './session-object.js';
import { isSecure, readSessionId, type Secret } from './signature.js';
import { storeBackend } from './store-backend.js';
import { vesselBackend } from './vessel-backend.js';
import { resolveStorage, VesselStore } from './vessel-store.js';

const onHeaders = createRequire(import.meta.url)('on-headers') as (res: ServerResponse, listener: () => void) => void;

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

/** Ids an app's own `genid` may make: anything printable without path separators (signatures vouch for them). */
const APP_ID_PATTERN = /^(?!\.\.?$)[^\s/\\]{1,256}$/;

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
  // A Vessel instance's own session secret, timeout and maxLifetime apply when the options give none.
  const vesselSession = options.vessel?.config.session;
  const resolved = resolveOptions(options, vesselSession?.secret);

  let closeStorage = async () => {};
  let backend: SessionBackend;
  if (options.store) {
    backend = storeBackend(options.store);
  } else {
    const { storage, owned } = resolveStorage(options);
    if (owned) closeStorage = () => storage.close();
    backend = vesselBackend({
      storage,
      store: new VesselStore({ storage }),
      defaultTimeoutSeconds: options.timeout ?? vesselSession?.timeout ?? 86_400,
      maxLifetimeSeconds: options.maxLifetime ?? vesselSession?.maxLifetime,
      idPattern: options.genid ? APP_ID_PATTERN : undefined,
      touchAfterSeconds: options.touchAfter,
    });
  }
  const { store } = backend;
  // Ids the app hands over (no-cookie mode) are unsigned: only well-formed ones reach the store.
  const idPattern = options.genid ? APP_ID_PATTERN : DEFAULT_ID_PATTERN;

  /** The request's session id and, when it brought one that cannot be used, why. */
  function incomingId(req: Req, keys: readonly Secret[]): { id?: string; refused?: SessionRejectEvent } {
    const { sessionId } = resolved;
    if (!sessionId) {
      const { id, refused } = readSessionId(req, resolved.name, keys);
      return refused ? { refused: { reason: 'bad-signature' } } : { id };
    }
    // Typed as a string, but `req.query.session` can be an array or an object.
    const given: unknown = sessionId(req);
    if (given === undefined || given === null || given === '') return {};
    return typeof given === 'string' && idPattern.test(given) ? { id: given } : { refused: { reason: 'invalid-id' } };
  }

  /** Makes a new session on `req` (also what `store.regenerate` calls, as in express-session). */
  function generate(req: Req): void {
    req.sessionID = resolved.generateId(req);
    const session = new Session(req);
    const cookieOptions = resolved.cookieFor(req);
    session.cookie = new Cookie(cookieOptions);
    const secure = isSecure(req, resolved.trustProxy);
    if (cookieOptions.secure === 'auto') session.cookie.secure = secure;
    if (cookieOptions.sameSite === 'auto') session.cookie.sameSite = secure ? 'none' : 'lax';
    req.session = session;
  }
  store.generate = generate;

  /**
   * Starts the session machinery for one request: reads the cookie's id and hooks the response
   * so the cookie and the store write happen at its end. In lazy mode this waits for the first
   * `req.loadSession()`, so requests that never ask for the session pay for none of it.
   */
  function begin(
    req: Req,
    res: ServerResponse,
    next: (err?: unknown) => void,
    keys: readonly Secret[],
  ): RequestSession {
    req.sessionStore = store;
    const { id, refused } = incomingId(req, keys);
    req.sessionID = id;
    const current = new RequestSession(req, resolved, backend, generate, keys, refused);
    setController(req, current);
    onHeaders(res, () => {
      try {
        current.writeCookie(res);
      } catch (err) {
        setImmediate(next, err);
      }
    });
    holdEnd(res, () => current.commit(), resolved.continueWithout ? undefined : (err) => setImmediate(next, err));
    return current;
  }

  const middleware = function sessionMiddleware(
    request: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) {
    const req = request as Req;
    if (req.session) return next();
    if (!backend.isReady()) return next();
    const cookiePath = resolved.cookieFor(req).path || '/';
    // Every path starts with "/": only a narrower cookie path needs the request's path.
    if (cookiePath !== '/' && !pathname(req).startsWith(cookiePath)) return next();
    if (!resolved.sessionId && !resolved.secrets && !req.secret)
      return next(new Error('secret option required for sessions'));
    const keys: readonly Secret[] = resolved.secrets ?? [req.secret as Secret];

    let loading: Promise<Session | undefined> | undefined;
    if (resolved.lazy) {
      req.loadSession = () => {
        loading ??= begin(req, res, next, keys).load();
        return loading;
      };
      return next();
    }
    const current = begin(req, res, next, keys);
    loading = current.load();
    req.loadSession = () => loading as Promise<Session | undefined>;
    loading.then(
      () => next(),
      (err: unknown) => next(err),
    );
  } as SessionMiddleware;
  middleware.close = () => closeStorage();
  return middleware;
}
