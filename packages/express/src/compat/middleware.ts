import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertSigningSecrets, DEFAULT_ID_PATTERN } from '@vessel/core';
import { useDictionaryProperties } from '../dictionary-properties.js';
import type { SessionBackend } from './backend.js';
import { Cookie } from './cookie.js';
import type { ResolvedOptions } from './options.js';
import { type Req, RequestSession, type SessionContext } from './request-session.js';
import { Session } from './session-object.js';
import { isSecure, signedSessionId } from './signature.js';

/** `session()`'s middleware; `close()` closes a storage the middleware opened itself. */
export interface SessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /**
   * The startup check `session()` began: resolves once the session storage is usable (folder
   * created and writable, database opened, server answering within `timeoutMs`); rejects with
   * the `StorageUnavailableError` naming the location and the option. The same promise on every
   * call. Awaiting it is optional: a failure is also logged once as a warning, never an
   * unhandled rejection, and requests do not wait for it. Resolves at once for cookie-only
   * sessions and for an express-session `store` other than `VesselStore`.
   *
   * @example
   * const sessions = session({ secret, cacheDir: './data' })
   * await sessions.ready()   // throws at startup when ./data cannot be written
   */
  ready(): Promise<void>;
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
export const APP_ID_PATTERN = /^[\s\S]{1,256}$/;

/** What `sessionMiddleware` runs on: the resolved options and where sessions live. */
export interface MiddlewareParts {
  readonly options: ResolvedOptions;
  readonly backend: SessionBackend;
  /** The app gave its own `genid`: ids it hands over (no-cookie mode) may have any shape. */
  readonly appIds: boolean;
  /** Closes what the middleware opened itself (a storage from `cacheDir`/`type`/`url`). */
  readonly close: () => Promise<void>;
  /** The startup check of where sessions live, begun by `session()` (see `SessionMiddleware.ready`). */
  readonly ready: Promise<void>;
}

/**
 * express-session's request handling over `backend`: generates, loads and commits `req.session`
 * with express-session's rules (see `request-session.ts`). `session()` picks the backend.
 */
export function sessionMiddleware(parts: MiddlewareParts): SessionMiddleware {
  const { options: resolved, backend } = parts;
  const { store } = backend;
  // Ids the app hands over (no-cookie mode) are unsigned: only well-formed ones reach the store.
  const idPattern = parts.appIds ? APP_ID_PATTERN : DEFAULT_ID_PATTERN;

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
    if (!resolved.sessionId && !resolved.secrets && !backend.sealed) {
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
  let closed = false;
  // One warning at startup, and the promise handled, so an app that never awaits it sees no
  // unhandled rejection. Quiet once closed: a check cut short by closing (this middleware, or
  // the vessel or storage it was given) reports nothing.
  parts.ready.catch((err: unknown) => {
    if (closed || (err as { code?: unknown } | null)?.code === 'VESSEL_CLOSED') return;
    const message = `@vessel/express: session storage not ready: ${err instanceof Error ? err.message : String(err)}; ${
      resolved.continueWithout ? 'requests go on without a session' : 'requests fail with 503'
    } until it is`;
    if (resolved.logger.warn) resolved.logger.warn(message);
    else resolved.logger.error(message);
  });
  middleware.ready = () => parts.ready;
  middleware.close = () => {
    closed = true;
    return parts.close();
  };
  return middleware;
}
