import { assertKnownOptions, ConfigError, type SessionConfig, type Vessel } from '@vessel/core';
import type { ExtendableContext } from 'koa';

/**
 * Options of `session()`: the vessel, a few of Vessel's own, and koa-session's names where they
 * mean something on top of the vessel's session config (which supplies everything not given
 * here: secret, idle and absolute lifetime, storage, cookie-only mode).
 */
export interface KoaSessionOptions {
  /** The vessel whose storage and `session` config the sessions use: `createVessel(await loadConfig())`. Required. */
  readonly vessel: Vessel;
  /**
   * Load the session only when a handler calls `await ctx.loadSession()`: requests that never do
   * cost no storage read and get no cookie. Default `false` (loaded before the next middleware).
   */
  readonly lazy?: boolean | undefined;
  /**
   * Believe `X-Forwarded-Proto` when deciding whether a request came over HTTPS (a `secure`
   * cookie is not sent over plain HTTP). Default: Koa's own answer, `ctx.secure`, which trusts
   * the header when `app.proxy` is set.
   */
  readonly trustProxy?: boolean | undefined;
  /**
   * No-cookie mode: reads the session id from the request (a header, a query parameter); `null`
   * or `undefined` for none. No cookie is read or written; send `ctx.session.externalKey` back
   * yourself. Default: the id travels in the session cookie.
   */
  readonly sessionId?: ((ctx: ExtendableContext) => string | null | undefined) | undefined;
  /** Cookie name (the vessel's `session.key`). Default: the vessel's, `vessel.sid`. */
  readonly key?: string | undefined;
  /**
   * Session lifetime in milliseconds: the idle timeout (`session.timeout`, rounded up to whole
   * seconds) and the cookie's lifetime from each response that sends it (`session.cookieExpires`).
   * `'session'`: a cookie that ends with the browser, the idle timeout left as configured.
   * Default: the vessel's (no `session.timeout`: one day; a browser-session cookie).
   */
  readonly maxAge?: number | 'session' | undefined;
  /** Send the cookie on every response, so its expiry slides (`session.rolling`). Default: the vessel's, `false`. */
  readonly rolling?: boolean | undefined;
  /**
   * Accepted for koa-session configs; changes nothing: Vessel sessions renew by themselves (the
   * idle timeout restarts with each request, whose access time is stored at most every
   * `session.accessedTimeThrottle` seconds, and an expiring cookie is sent again with it).
   */
  readonly renew?: boolean | undefined;
  /**
   * Store what a request changed when it ends. `false`: only `ctx.session.save()` (or
   * `manuallyCommit()`) stores changes; the cookie is still written. Default `true`.
   */
  readonly autoCommit?: boolean | undefined;
  /** Cookie `Secure` (`session.secure`). Default: the vessel's, `false`. */
  readonly secure?: boolean | undefined;
  /** Cookie `HttpOnly` (`session.httpOnly`). Default: the vessel's, `true`. */
  readonly httpOnly?: boolean | undefined;
  /**
   * Cookie `SameSite` (`session.sameSite`): `'strict'`, `'lax'`, `'none'` (needs `secure`), or
   * `true` for `'strict'`. `null`: the vessel's. Default: the vessel's, `'lax'`.
   */
  readonly sameSite?: 'strict' | 'lax' | 'none' | true | null | undefined;
  /** Cookie `Path` (`session.cookiePath`). Default: the vessel's, `/`. */
  readonly path?: string | undefined;
  /** Cookie `Domain` (`session.cookieDomain`). Default: the vessel's, none (host-only). */
  readonly domain?: string | undefined;
  /** Accepted for koa-session configs; changes nothing: the session cookie is set once per response. */
  readonly overwrite?: boolean | undefined;
  /** Accepted as `true` for koa-session configs: the session cookie is always signed (`false` is refused). */
  readonly signed?: true | undefined;
}

/** Every option `session()` takes. */
const KNOWN_OPTIONS = {
  vessel: true,
  lazy: true,
  trustProxy: true,
  sessionId: true,
  key: true,
  maxAge: true,
  rolling: true,
  renew: true,
  autoCommit: true,
  secure: true,
  httpOnly: true,
  sameSite: true,
  path: true,
  domain: true,
  overwrite: true,
  signed: true,
} as const satisfies Record<keyof KoaSessionOptions, true>;

const COOKIE_WRITER =
  "the cookie is Vessel's: a signed id, or (session.type 'cookie' in the vessel's config) the session sealed with AES-256-GCM; a custom encoding would bypass both";

/** koa-session options with no meaning here, and why: refused rather than silently ignored. */
const UNSUPPORTED_OPTIONS: Readonly<Record<string, string>> = {
  store:
    "sessions live in the vessel's storage (cacheDir, url or session.url in its config): no store object is needed",
  ContextStore:
    "sessions live in the vessel's storage (cacheDir, url or session.url in its config): no store class is needed",
  externalKey:
    'the id travels in the signed session cookie; to read it from a header or URL instead, pass sessionId: (ctx) => id (no-cookie mode)',
  encode: COOKIE_WRITER,
  decode: COOKIE_WRITER,
  genid: 'session ids are made by Vessel (192 random bits, checked against an id pattern before any storage read)',
  prefix: "storage keys are the vessel's: set prefix in its config (createVessel({ prefix }))",
  valid:
    'there is no validation hook: check ctx.session in a middleware after session(), and assign ctx.session = null to end a session you refuse',
  beforeSave: 'there is no save hook: change ctx.session before your middleware returns',
  maxage: "koa-session's old spelling: use maxAge (milliseconds)",
};

/** The whole message for each of `UNSUPPORTED_OPTIONS`. */
const UNSUPPORTED_MESSAGES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(UNSUPPORTED_OPTIONS).map(([key, reason]) => [key, `not supported by @vessel/koa: ${reason}`]),
);

/** koa-session option → the vessel session option it sets, for error messages. */
const VESSEL_NAMES: Readonly<Record<string, readonly string[]>> = {
  key: ['key'],
  maxAge: ['timeout', 'cookieExpires'],
  rolling: ['rolling'],
  autoCommit: ['auto'],
  secure: ['secure'],
  httpOnly: ['httpOnly'],
  sameSite: ['sameSite'],
  path: ['cookiePath'],
  domain: ['cookieDomain'],
};

/** What `session()` works from once its options are checked. */
export interface CheckedKoaSessionOptions {
  readonly vessel: Vessel;
  readonly lazy: boolean;
  readonly trustProxy: boolean | undefined;
  readonly sessionId: ((ctx: ExtendableContext) => string | null | undefined) | undefined;
  /** Store what a request changed when it ends (`autoCommit`, default true), whatever `session.auto` says. */
  readonly auto: boolean;
  /** The vessel session options these options change (empty: the vessel's own manager fits). */
  readonly overrides: Readonly<SessionConfig>;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function optionalBoolean(option: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new ConfigError(option, `expected true or false, got ${describe(value)}`);
}

function optionalString(option: string, value: unknown): string | undefined {
  if (value === undefined || (typeof value === 'string' && value !== '')) return value;
  if (typeof value === 'function') {
    throw new ConfigError(
      option,
      'a function is not supported: the cookie attributes are fixed when session() is made',
    );
  }
  throw new ConfigError(option, `expected a non-empty string, got ${describe(value)}`);
}

function isVessel(value: unknown): value is Vessel {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Vessel>;
  return typeof candidate.config === 'object' && typeof candidate.sessionManager === 'function';
}

/** `maxAge` (ms, or `'session'`) as vessel session options. */
function lifetimeOverrides(maxAge: unknown): SessionConfig {
  if (maxAge === undefined) return {};
  if (maxAge === 'session') return { cookieExpires: false };
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0) {
    throw new ConfigError(
      'maxAge',
      `expected milliseconds > 0 or 'session', got ${JSON.stringify(maxAge) ?? describe(maxAge)}`,
    );
  }
  const seconds = Math.ceil(maxAge / 1000);
  return { timeout: seconds, cookieExpires: seconds };
}

function sameSiteOverride(sameSite: unknown): SessionConfig['sameSite'] {
  if (sameSite === undefined || sameSite === null) return undefined;
  if (sameSite === true) return 'strict';
  if (sameSite === false) {
    throw new ConfigError(
      'sameSite',
      "false is not supported: Vessel always sends SameSite; use 'none' (with secure) for cross-site requests",
    );
  }
  const value = typeof sameSite === 'string' ? sameSite.toLowerCase() : undefined;
  if (value === 'strict' || value === 'lax' || value === 'none') return value;
  throw new ConfigError(
    'sameSite',
    `expected 'strict', 'lax', 'none' or true, got ${JSON.stringify(sameSite) ?? describe(sameSite)}`,
  );
}

/** Checks `options` and works out the vessel session options they set. Throws a `ConfigError` naming the option. */
export function checkKoaSessionOptions(options: KoaSessionOptions): CheckedKoaSessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('session', `expected an options object, session({ vessel }), got ${describe(options)}`);
  }
  if (typeof (options as { use?: unknown }).use === 'function') {
    throw new ConfigError(
      'session',
      "got a Koa app: that is koa-session's session(app, options); @vessel/koa takes session({ vessel, ...options }) and needs no app",
    );
  }
  assertKnownOptions(options, Object.keys(KNOWN_OPTIONS), { unsupported: UNSUPPORTED_MESSAGES });
  const { vessel } = options;
  if (!isVessel(vessel)) {
    throw new ConfigError(
      'vessel',
      vessel === undefined
        ? 'required: session({ vessel: createVessel(await loadConfig()) }) — the vessel holds the storage and the session config'
        : `expected a vessel from createVessel(), got ${describe(vessel)}`,
    );
  }
  if (options.signed !== undefined && options.signed !== true) {
    throw new ConfigError('signed', 'only true is supported: an unsigned session id could be forged');
  }
  for (const name of ['renew', 'overwrite'] as const) optionalBoolean(name, options[name]);
  if (options.sessionId !== undefined && typeof options.sessionId !== 'function') {
    throw new ConfigError('sessionId', `expected a function (ctx) => id, got ${describe(options.sessionId)}`);
  }
  const autoCommit = optionalBoolean('autoCommit', options.autoCommit);
  const wanted: SessionConfig = {
    key: optionalString('key', options.key),
    ...lifetimeOverrides(options.maxAge),
    rolling: optionalBoolean('rolling', options.rolling),
    secure: optionalBoolean('secure', options.secure),
    httpOnly: optionalBoolean('httpOnly', options.httpOnly),
    sameSite: sameSiteOverride(options.sameSite),
    cookiePath: optionalString('path', options.path),
    cookieDomain: optionalString('domain', options.domain),
    // No cookie, so no signature and no secret needed.
    useCookies: options.sessionId === undefined ? undefined : false,
  };
  const current = vessel.config.session;
  const overrides: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(wanted)) {
    if (value !== undefined && value !== current[name as keyof typeof current]) overrides[name] = value;
  }
  return {
    vessel,
    lazy: optionalBoolean('lazy', options.lazy) ?? false,
    trustProxy: optionalBoolean('trustProxy', options.trustProxy),
    sessionId: options.sessionId,
    // koa-session stores what changed when the request ends; Vessel's config default (Beaker's) is explicit saves.
    auto: autoCommit ?? true,
    overrides,
  };
}

/**
 * `error` renamed after the koa-session option that set the vessel option it names
 * (`session.cookiePath` → `path`); other errors unchanged.
 */
export function koaOptionError(error: unknown, options: object): unknown {
  if (!(error instanceof ConfigError) || !error.option.startsWith('session.')) return error;
  const vesselName = error.option.slice('session.'.length);
  for (const [koaName, vesselNames] of Object.entries(VESSEL_NAMES)) {
    if (!vesselNames.includes(vesselName) || !Object.hasOwn(options, koaName)) continue;
    const detail = error.message.slice(error.option.length + 2);
    return new ConfigError(koaName, detail, { cause: error });
  }
  return error;
}
