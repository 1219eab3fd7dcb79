import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertSigningSecrets, DEFAULT_ID_PATTERN } from '@vessel/core';
import type { SessionBackend } from './backend.js';
import { Cookie } from './cookie.js';
import { useDictionaryProperties } from './dictionary-properties.js';
import { resolveOptions, type SessionOptions } from './options.js';
import { type Req, RequestSession, type SessionContext } from './request-session.js';
import { Session } from './session-object.js';
import { isSecure, signedSessionId } from './signature.js';
import { storeBackend } from './store-backend.js';
import { vesselBackend } from './vessel-backend.js';
import { resolveStorage, VesselStore } from './vessel-store.js';

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

/**
 * Ids an app's own `genid` may make: any string of 1–256 characters (control characters are
 * refused by core's `isValidSessionId`), as express-session takes any id, base64's `/`, `+`
 * and `=` included. Signatures vouch for ids from cookies, and an id is only ever a storage key
 * behind the storage's own encoding (hashed into a file name on the file backend), so a
 * `../` in it reaches no path.
 */
const APP_ID_PATTERN = /^[\s\S]{1,256}$/;

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

  /** Makes a new session on `req` (also what `store.regenerate` calls, as in express-session). */
  function generate(req: Req): Session {
    req.sessionID = resolved.generateId(req);
    const session = new Session(req);
    const cookieOptions = resolved.cookieFor(req);
    session.cookie = new Cookie(cookieOptions);
    if (cookieOptions.secure === 'auto' || cookieOptions.sameSite === 'auto') {
      const secure = isSecure(req, resolved.trustProxy);
      if (cookieOptions.secure === 'auto') session.cookie.secure = secure;
      if (cookieOptions.sameSite === 'auto') session.cookie.sameSite = secure ? 'none' : 'lax';
    }
    req.session = session;
    return session;
  }
  store.generate = generate;

  const context: SessionContext = {
    options: resolved,
    backend,
    signedId: signedSessionId(resolved.name, resolved.secrets),
    appSessionId(req) {
      // Typed as a string, but `req.query.session` can be an array or an object.
      const given: unknown = resolved.sessionId?.(req);
      if (given === undefined || given === null || given === '') return undefined;
      return typeof given === 'string' && idPattern.test(given) ? given : false;
    },
    generate,
  };

  /** Loads the session now; the request goes on once it is there. */
  function loadNow(req: Req, res: ServerResponse, next: (err?: unknown) => void): void {
    const loading = new RequestSession(req, res, next, context).load(next);
    req.loadSession = () => loading;
  }

  /** Lazy mode: nothing but `req.loadSession` until a handler calls it. */
  function deferLoad(req: Req, res: ServerResponse, next: (err?: unknown) => void): void {
    let loading: Promise<Session | undefined> | undefined;
    req.loadSession = () => {
      loading ??= new RequestSession(req, res, next, context).load();
      return loading;
    };
  }

  /** The last `req.secret` that passed `assertSigningSecrets`. */
  let checkedRequestSecret: unknown;

  const middleware = function sessionMiddleware(
    request: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) {
    const req = request as Req;
    if (req.session || !backend.isReady()) return next();
    const cookiePath = resolved.cookieFor(req).path || '/';
    // Every path starts with "/": only a narrower cookie path needs the request's path.
    if (cookiePath !== '/' && !pathname(req).startsWith(cookiePath)) return next();
    if (!resolved.sessionId && !resolved.secrets) {
      const requestSecret = req.secret;
      if (!requestSecret) return next(new Error('secret option required for sessions'));
      // cookie-parser's secret, the same on every request: checked as `secret` is, once per value.
      if (requestSecret !== checkedRequestSecret) {
        try {
          assertSigningSecrets('req.secret', [requestSecret]);
        } catch (err) {
          return next(err);
        }
        checkedRequestSecret = requestSecret;
      }
    }
    // Before the first property the middleware adds to either (see the module).
    useDictionaryProperties(req);
    useDictionaryProperties(res);
    // Each in a function of its own: closures here would cost every request a context, lazy ones too.
    if (resolved.lazy) {
      deferLoad(req, res, next);
      return next();
    }
    loadNow(req, res, next);
  } as SessionMiddleware;
  middleware.close = () => closeStorage();
  return middleware;
}
