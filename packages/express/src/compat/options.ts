import type { IncomingMessage } from 'node:http';
import {
  assertSigningSecrets,
  ConfigError,
  generateSessionId,
  type SessionRejectEvent,
  type SessionType,
} from '@vessel/core';
import type { VesselStorageOptions } from '../bridge/vessel-store.js';
import type { CookieOptions } from './cookie.js';
import type { Secret } from './signature.js';
import type { SessionStore } from './store.js';

/**
 * Options of `session()`: express-session 1.19's, with the same defaults, plus where Vessel
 * keeps sessions when no `store` is given and how it behaves when the storage is down. With a
 * `vessel`, its session config supplies the defaults of `name`, `secret`, `rolling`, `cookie`,
 * `timeout`, `maxLifetime` and `type`; an option given here wins (see docs/express.md).
 */
export interface SessionOptions extends Omit<VesselStorageOptions, 'type'> {
  /** Cookie name. Default: a given `vessel`'s `session.key` (itself `vessel.sid` by default), else `connect.sid`. */
  name?: string;
  /** Old name of `name`. */
  key?: string;
  /**
   * Signs the cookie: a secret, or several (the first signs, all verify), each at least 32 bytes
   * (`MIN_SIGNING_SECRET_BYTES`; an empty or short one is a `ConfigError` at startup). Without
   * it the request's `req.secret` (cookie-parser) is used, else the request fails with an error.
   * An array may change at run time (read per request, as express-session does). Default: a
   * given `vessel`'s `session.secret`.
   */
  secret?: Secret | readonly Secret[];
  /** Save the session at the end of every request even when unchanged. Default `true` (as express-session's). */
  resave?: boolean;
  /** Store sessions that were created and not changed in this request. Default `true` (as express-session's). */
  saveUninitialized?: boolean;
  /** Send the cookie on every response (its expiry restarts). Default: a given `vessel`'s `session.rolling`, else `false`. */
  rolling?: boolean;
  /** Makes the id of a new session; default 24 random bytes in base64url (32 characters). */
  genid?: (req: IncomingMessage) => string;
  /** Trust `X-Forwarded-Proto` (`true`), never (`false`), or follow Express's `trust proxy` (unset). */
  proxy?: boolean;
  /** What `req.session = null` (or `delete req.session`) does: `keep` the stored session, or `destroy` it. Default `keep`. */
  unset?: 'keep' | 'destroy';
  /** An express-session store; without one, sessions live in Vessel's storage (see the storage options). */
  store?: SessionStore;
  /**
   * Cookie settings, or a function of the request returning them. Default `{ path: '/', httpOnly:
   * true, maxAge: null }`; with a `vessel`, its `session.cookiePath`, `cookieDomain`, `secure`,
   * `httpOnly`, `sameSite` and `cookieExpires`, each attribute given here winning over the
   * vessel's (`maxAge` or `expires` given here replaces `cookieExpires`).
   */
  cookie?: CookieOptions | ((req: IncomingMessage) => CookieOptions);
  /**
   * Storage backend; `cookie` keeps the whole session in the cookie, sealed with AES-256-GCM
   * under `secret` (strings of 32 bytes or more; a vessel's `session.encryptKey` seals first):
   * nothing is stored server-side. Default: a given `vessel`'s `session.type`, else inferred
   * from `url`/`cacheDir`, else `memory`.
   */
  type?: SessionType;
  /**
   * Where the middleware reports what no handler can catch, one line each, never a secret or a
   * cookie value: a storage that fails the startup check (`warn`, or `error` for a logger
   * without `warn`; see `ready()`), a cookie-only session too large to send (`error`; the
   * request itself gets `next(err)`). Default `console`.
   */
  logger?: SessionLogger;
  /** Vessel storage: lifetime of sessions whose cookie has no `maxAge`, in seconds. Default: a given `vessel`'s `session.timeout`, else 86400. */
  timeout?: number;
  /**
   * Vessel storage: absolute lifetime of a session from its creation, in seconds, however active
   * it is: the record (so the session) ends then, even while the cookie's `maxAge` would go on.
   * `regenerate()` starts a new session, with a lifetime of its own; `regenerate({ keepData: true })`
   * keeps the creation time, and so the lifetime left. Default: a given `vessel`'s
   * `session.maxLifetime`, else none.
   */
  maxLifetime?: number;
  /**
   * No-cookie mode: where the session id comes from (a header, a URL token) instead of the cookie.
   * Nothing is signed, no cookie is sent and no secret is needed; the app hands `req.sessionID`
   * back itself. Return `undefined` for "no session yet". Default: the signed cookie.
   */
  sessionId?: (req: IncomingMessage) => string | undefined;
  /**
   * Vessel storage: an unchanged session's record is touched (its expiry moved, one write) only
   * when its last write is at least this many seconds old; the record may then expire up to this
   * long before a rolling cookie. 0 touches on every request, as express-session does. Default: a
   * tenth of the session's lifetime (cookie `maxAge`, else `timeout`), at most 60.
   */
  touchAfter?: number;
  /**
   * When the store fails: `error` hands the error to `next(err)` (fail closed); `continue` serves
   * the request without a session (`req.session` undefined, no cookie). Default `error`.
   */
  storeUnavailable?: 'error' | 'continue';
  /**
   * Load the session only when a handler calls `await req.loadSession()`: other requests cost no
   * storage read and get no cookie. Default `false`.
   */
  lazy?: boolean;
  /**
   * Hears every session cookie (or no-cookie id) that was not used, the request then getting a
   * fresh session, as `SessionManager`'s `reject` event does: `bad-signature`, `invalid-id`, and
   * on Vessel storage `unknown`, `expired`, `corrupt` (with an express-session `store`, every
   * miss is `unknown`). For logs and alerts: a corrupt record is otherwise invisible. The event
   * carries no secret and no cookie; an error thrown here reaches `next(err)`. Default: none.
   */
  onReject?: (event: SessionRejectEvent, req: IncomingMessage) => void;
}

/** What the `logger` option takes: `console`, pino, winston and most loggers fit. */
export interface SessionLogger {
  error(message: string): void;
  /** Used for the startup check's warning when present; `error` otherwise. */
  warn?(message: string): void;
}

/** `session()`'s options after validation, with express-session's defaults applied. */
export interface ResolvedOptions {
  readonly name: string;
  /**
   * `undefined`: take `req.secret` per request. The app's own array when it gave one (it may
   * change it at run time, as with express-session), each entry checked at startup.
   */
  readonly secrets: readonly Secret[] | undefined;
  readonly generateId: (req: IncomingMessage) => string;
  readonly resave: boolean;
  readonly saveUninitialized: boolean;
  readonly rolling: boolean;
  readonly trustProxy: boolean | undefined;
  readonly unsetDestroy: boolean;
  readonly continueWithout: boolean;
  readonly lazy: boolean;
  readonly sessionId: ((req: IncomingMessage) => string | undefined) | undefined;
  readonly onReject: ((event: SessionRejectEvent, req: IncomingMessage) => void) | undefined;
  readonly logger: SessionLogger;
  /** The cookie options for a request (the `cookie` option, called when it is a function). */
  cookieFor(req: IncomingMessage): CookieOptions;
}

/**
 * Defaults that stand in for express-session's own where an option is not given: a vessel's
 * session config (`bridge/vessel-options.ts`).
 */
export interface SessionDefaults {
  readonly name?: string | undefined;
  readonly secret?: readonly string[] | undefined;
  readonly rolling?: boolean | undefined;
  readonly cookie?: CookieOptions | undefined;
}

/**
 * Validates `options` as express-session does (the same TypeErrors) and applies `defaults`
 * (a vessel's session config), then express-session's: an option given explicitly wins.
 */
export function resolveOptions(options: SessionOptions, defaults: SessionDefaults = {}): ResolvedOptions {
  const generateId = options.genid ?? generateSessionId;
  if (typeof generateId !== 'function') throw new TypeError('genid option must be a function');
  if (options.unset && options.unset !== 'destroy' && options.unset !== 'keep') {
    throw new TypeError('unset option must be "destroy" or "keep"');
  }
  if (options.onReject !== undefined && typeof options.onReject !== 'function') {
    throw new TypeError('onReject option must be a function');
  }
  if (options.logger !== undefined && typeof options.logger?.error !== 'function') {
    throw new TypeError('logger option must have an error method');
  }
  return {
    name: options.name || options.key || defaults.name || 'connect.sid',
    secrets: signingSecrets(options.secret, defaults.secret, 'secret' in options && !options.sessionId),
    generateId,
    resave: options.resave ?? true,
    saveUninitialized: options.saveUninitialized ?? true,
    rolling: Boolean(options.rolling ?? defaults.rolling),
    trustProxy: options.proxy,
    unsetDestroy: options.unset === 'destroy',
    continueWithout: options.storeUnavailable === 'continue',
    lazy: Boolean(options.lazy),
    sessionId: options.sessionId,
    onReject: options.onReject,
    logger: options.logger ?? console,
    cookieFor: cookieOptionsFor(options.cookie, defaults.cookie),
  };
}

/**
 * The cookie options of a request: the `cookie` option over `defaults`, attribute by attribute;
 * a lifetime given (`maxAge` or `expires`) replaces the defaults' lifetime.
 */
function cookieOptionsFor(
  cookie: SessionOptions['cookie'],
  defaults: CookieOptions | undefined,
): (req: IncomingMessage) => CookieOptions {
  if (!defaults) {
    const given = cookie ?? {};
    return typeof given === 'function' ? given : () => given;
  }
  const over = (given: CookieOptions): CookieOptions => {
    if (!('maxAge' in given) && !('expires' in given)) return { ...defaults, ...given };
    const { maxAge: _maxAge, expires: _expires, ...attributes } = defaults;
    return { ...attributes, ...given };
  };
  if (typeof cookie === 'function') return (req) => over(cookie(req));
  const merged = over(cookie ?? {});
  return () => merged;
}

/**
 * The secrets that sign cookies: the `secret` option, else the vessel's `session.secret`, else
 * `undefined` (then `req.secret`). An empty list is express-session's TypeError; an empty, blank
 * or short secret is core's `ConfigError` (`assertSigningSecrets`): express-session signs with
 * an empty key, so that anyone can forge a cookie for any session id. A `secret` key present
 * with nothing in it (`secret: process.env.SESSION_SECRET`, unset) is a `ConfigError` at startup:
 * express-session would answer every request with a 500 instead.
 */
function signingSecrets(
  secret: Secret | readonly Secret[] | null | undefined,
  vesselSecret: readonly string[] | undefined,
  secretKeyGiven: boolean,
): readonly Secret[] | undefined {
  if (secret === undefined || secret === null) {
    if (vesselSecret === undefined) {
      if (secretKeyGiven) {
        throw new ConfigError(
          'secret',
          `the option is given but ${String(secret)} (an unset environment variable such as SESSION_SECRET?): give it 32 or more random bytes, e.g. \`secret: secretFromEnv('SESSION_SECRET')\` from @vessel/core, or leave the option out to sign with cookie-parser's req.secret`,
        );
      }
      return undefined;
    }
    assertSigningSecrets('session.secret', vesselSecret);
    return vesselSecret;
  }
  const secrets: readonly unknown[] = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0) throw new TypeError('secret option array must contain one or more strings');
  assertSigningSecrets('secret', secrets);
  return secrets;
}
