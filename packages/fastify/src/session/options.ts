import {
  assertKnownOptions,
  ConfigError,
  type SameSite,
  type SessionManager,
  type SessionOptions,
  type Vessel,
} from '@vessel/core';
import type { FastifyRequest } from 'fastify';

/**
 * The session cookie, in @fastify/session's terms (`cookie: { … }`). Each attribute left out
 * comes from the vessel's `session` config (`cookiePath`, `cookieDomain`, `httpOnly`, `secure`,
 * `sameSite`, `cookieExpires`), whose defaults differ from @fastify/session's where noted.
 */
export interface FastifySessionCookieOptions {
  /** `Path`. Default: the vessel's `session.cookiePath` (`/`). */
  path?: string;
  /**
   * Lifetime in milliseconds (rounded up to whole seconds). It sets both the cookie's `Max-Age`
   * (`Expires`) and the session's idle timeout, so a session ends with its cookie, as with
   * @fastify/session. Default: the vessel's `session.cookieExpires` and `session.timeout`
   * (a browser-session cookie).
   */
  maxAge?: number;
  /** A fixed expiry date for the cookie; wins over `maxAge` for the cookie, as in @fastify/session. */
  expires?: Date;
  /** `HttpOnly`. Default: the vessel's `session.httpOnly` (`true`). */
  httpOnly?: boolean;
  /**
   * `Secure`: `true` (the cookie is not sent on a plain-HTTP request, as @fastify/session does),
   * `false`, or `'auto'` (`Secure` exactly when `request.protocol` is `https`, which honours
   * Fastify's `trustProxy`). Default: the vessel's `session.secure` (`false`, where
   * @fastify/session defaults to `true`).
   */
  secure?: boolean | 'auto';
  /**
   * `SameSite`: `'lax'`, `'strict'`, `'none'` (needs `secure`), `true` (`strict`) or `false`
   * (sent as `lax`: Vessel always writes the attribute, and browsers read a missing one as
   * `lax`). Default: the vessel's `session.sameSite` (`lax`).
   */
  sameSite?: SameSite | boolean;
  /** `Domain`. Default: the vessel's `session.cookieDomain` (none: a host-only cookie). */
  domain?: string;
}

/**
 * Options of `fastifySession`: `vessel` and `lazy`, then @fastify/session's names where the two
 * overlap (so migrating is a rename), each mapped onto the vessel's session options. Anything
 * else (idle and absolute timeouts, encryption, cookie-only sessions) comes from the vessel's
 * config.
 */
export interface FastifySessionOptions {
  /** Where sessions live and how they behave: `createVessel(await loadConfig())`. Required. */
  vessel: Vessel;
  /**
   * Load the session on first use: `await request.loadSession()` before `request.session`.
   * Requests that never ask cost no storage read and get no cookie. Default `false` (loaded in
   * `onRequest`, before any handler, as @fastify/session does).
   */
  lazy?: boolean;
  /**
   * Cookie-signing secret, or several for rotation (the first signs, all verify); 32 bytes or
   * more each. Default: the vessel's `session.secret`. A custom signer object is refused.
   */
  secret?: string | readonly string[];
  /** The cookie's name. Default: the vessel's `session.key` (`vessel.sid`; @fastify/session's is `sessionId`). */
  cookieName?: string;
  /** The cookie's attributes; see `FastifySessionCookieOptions`. */
  cookie?: FastifySessionCookieOptions;
  /**
   * Re-send the cookie on every response that loaded the session. Default: the vessel's
   * `session.rolling` (`false`). A cookie with a lifetime is re-sent whenever the session is
   * written anyway (changes, and access-time writes at most once a minute), so its expiry slides
   * with use, as @fastify/session's default `rolling: true` makes it.
   */
  rolling?: boolean;
  /**
   * Store sessions that were loaded but never changed (and send their cookie). Default `false`,
   * where @fastify/session's is `true`: a visitor who stores nothing costs no record and no cookie.
   */
  saveUninitialized?: boolean;
  /**
   * Makes ids for new sessions. Unlike @fastify/session's, it is called without the request.
   * Default: 32 random base64url characters (192 bits).
   */
  idGenerator?: () => string;
  /**
   * Ids accepted from cookies. Default: Vessel's base64url pattern, or any id of 1 to 256
   * characters when `idGenerator` is given (the signature vouches for them).
   */
  idPattern?: RegExp;
  /**
   * No-cookie mode: reads the session id from the request (a header, a URL parameter); `null` or
   * `undefined` for none. The cookie is then neither read nor written. Default: off.
   */
  sessionId?: (request: FastifyRequest) => string | null | undefined;
  /** Accepted for @fastify/session compatibility: `'s:'` is the only prefix Vessel writes (express-session's format). */
  cookiePrefix?: 's:';
  /** Accepted for @fastify/session compatibility: signatures are HMAC-SHA256. */
  algorithm?: 'sha256';
  /**
   * Not supported: sessions live in the vessel's storage (`cacheDir`, `url` or `session.url`
   * of its config), one store that `session-inspect` reads. Passing one throws a `ConfigError`.
   */
  store?: never;
}

/** The `secure` handling a request needs at commit. */
export type SecureMode = 'always' | 'never' | 'auto';

/** `FastifySessionOptions`, checked and turned into what the plugin runs on. */
export interface ResolvedFastifySession {
  /** The manager every request goes through (the vessel's, or one built with the overrides). */
  readonly manager: SessionManager;
  readonly lazy: boolean;
  readonly saveUninitialized: boolean;
  readonly secure: SecureMode;
  readonly sessionId: ((request: FastifyRequest) => string | null | undefined) | undefined;
}

const KNOWN_OPTIONS: readonly string[] = [
  'vessel',
  'lazy',
  'secret',
  'cookieName',
  'cookie',
  'rolling',
  'saveUninitialized',
  'idGenerator',
  'idPattern',
  'sessionId',
  'cookiePrefix',
  'algorithm',
];
const KNOWN_COOKIE_OPTIONS: readonly string[] = [
  'path',
  'maxAge',
  'expires',
  'httpOnly',
  'secure',
  'sameSite',
  'domain',
];

/** @fastify/session options that have no meaning over Vessel, with what to do instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  store:
    "not supported: sessions live in the vessel's storage (cacheDir, url or session.url of its config), the one store session-inspect reads; drop this option",
};
const UNSUPPORTED_COOKIE: Readonly<Record<string, string>> = {
  signed: 'not supported: the session cookie is always signed with `secret`',
  partitioned: 'not supported by the session cookie (Vessel writes Path, Domain, Expires, HttpOnly, Secure, SameSite)',
  priority: 'not supported by the session cookie (Vessel writes Path, Domain, Expires, HttpOnly, Secure, SameSite)',
  encode: 'not supported: the session cookie is encoded as express-session encodes it',
};

/** Any id of 1 to 256 characters: an app's own `idGenerator` may make other shapes; signatures vouch for them. */
const APP_ID_PATTERN = /^[\s\S]{1,256}$/;

function assertType(option: string, value: unknown, type: 'boolean' | 'string' | 'function'): void {
  if (value !== undefined && typeof value !== type) {
    throw new ConfigError(option, `expected a ${type}, got ${typeof value}`);
  }
}

/** The cookie attributes as the manager's session options. */
function cookieOverrides(cookie: FastifySessionCookieOptions): SessionOptions {
  assertKnownOptions(cookie, KNOWN_COOKIE_OPTIONS, { where: 'cookie', unsupported: UNSUPPORTED_COOKIE });
  const overrides: SessionOptions = {};
  if (cookie.path !== undefined) overrides.cookiePath = cookie.path;
  if (cookie.domain !== undefined) overrides.cookieDomain = cookie.domain;
  if (cookie.httpOnly !== undefined) overrides.httpOnly = cookie.httpOnly;
  // 'auto' is `Secure` on the manager's side; the plugin strips it again on plain-HTTP requests.
  if (cookie.secure !== undefined) overrides.secure = cookie.secure === 'auto' ? true : cookie.secure;
  if (cookie.sameSite !== undefined) {
    overrides.sameSite = cookie.sameSite === true ? 'strict' : cookie.sameSite === false ? 'lax' : cookie.sameSite;
  }
  if (cookie.maxAge !== undefined) {
    if (typeof cookie.maxAge !== 'number' || !Number.isFinite(cookie.maxAge) || cookie.maxAge <= 0) {
      throw new ConfigError('cookie.maxAge', `expected a number of milliseconds > 0, got ${String(cookie.maxAge)}`);
    }
    const seconds = Math.ceil(cookie.maxAge / 1000);
    overrides.cookieExpires = seconds;
    overrides.timeout = seconds;
  }
  if (cookie.expires !== undefined) {
    if (!(cookie.expires instanceof Date)) throw new ConfigError('cookie.expires', 'expected a Date');
    overrides.cookieExpires = cookie.expires;
  }
  return overrides;
}

/**
 * Checks `options` and builds what the plugin runs on. The manager is the vessel's own
 * (`vessel.sessions`, with the `generateId`/`idPattern`/`now` given to `createVessel`) when no
 * option overrides its config; otherwise `vessel.sessionManager(overrides)`, which keeps them too.
 * Either way changes are saved when the request ends, as @fastify/session does: the plugin
 * commits with `auto` on (see `HttpSessions`), whatever the vessel's `session.auto` says.
 */
export function resolveFastifySession(options: FastifySessionOptions): ResolvedFastifySession {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('vessel', 'fastifySession needs options: { vessel: createVessel(await loadConfig()) }');
  }
  assertKnownOptions(options, KNOWN_OPTIONS, { unsupported: UNSUPPORTED });
  const { vessel } = options;
  if (typeof vessel !== 'object' || vessel === null || typeof vessel.config !== 'object') {
    throw new ConfigError(
      'vessel',
      'required: register fastifySession with { vessel: createVessel(await loadConfig()) }',
    );
  }
  assertType('lazy', options.lazy, 'boolean');
  assertType('saveUninitialized', options.saveUninitialized, 'boolean');
  assertType('rolling', options.rolling, 'boolean');
  assertType('cookieName', options.cookieName, 'string');
  assertType('idGenerator', options.idGenerator, 'function');
  assertType('sessionId', options.sessionId, 'function');
  if (options.cookiePrefix !== undefined && options.cookiePrefix !== 's:') {
    throw new ConfigError(
      'cookiePrefix',
      `Vessel writes express-session's format, prefix "s:"; got ${JSON.stringify(options.cookiePrefix)}`,
    );
  }
  if (options.algorithm !== undefined && options.algorithm !== 'sha256') {
    throw new ConfigError(
      'algorithm',
      `cookies are signed with HMAC-SHA256 only; got ${JSON.stringify(options.algorithm)}`,
    );
  }
  if (options.idPattern !== undefined && !(options.idPattern instanceof RegExp)) {
    throw new ConfigError('idPattern', 'expected a RegExp');
  }
  const secret: unknown = options.secret;
  if (secret !== undefined && typeof secret !== 'string' && !Array.isArray(secret)) {
    throw new ConfigError(
      'secret',
      'expected a string or an array of strings (a custom signer object is not supported)',
    );
  }
  const cookie = options.cookie ?? {};
  if (typeof cookie !== 'object' || cookie === null) throw new ConfigError('cookie', 'expected an object');

  const overrides: SessionOptions = cookieOverrides(cookie);
  if (options.secret !== undefined) overrides.secret = options.secret;
  if (options.cookieName !== undefined) overrides.key = options.cookieName;
  if (options.rolling !== undefined) overrides.rolling = options.rolling;
  if (options.idGenerator !== undefined) overrides.generateId = options.idGenerator;
  const idPattern = options.idPattern ?? (options.idGenerator ? APP_ID_PATTERN : undefined);
  if (idPattern !== undefined) overrides.idPattern = idPattern;

  const manager = Object.keys(overrides).length === 0 ? vessel.sessions : vessel.sessionManager(overrides);
  return {
    manager,
    lazy: options.lazy ?? false,
    saveUninitialized: options.saveUninitialized ?? false,
    secure: cookie.secure === 'auto' ? 'auto' : manager.options.secure ? 'always' : 'never',
    sessionId: options.sessionId,
  };
}
