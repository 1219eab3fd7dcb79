import { assertKnownOptions, ConfigError } from '@vessel/core';
import { cookieBackend } from './bridge/cookie-backend.js';
import { vesselBackend } from './bridge/vessel-backend.js';
import { vesselSessionDefaults } from './bridge/vessel-options.js';
import { resolveStorage, VesselStore } from './bridge/vessel-store.js';
import type { SessionBackend } from './compat/backend.js';
import { APP_ID_PATTERN, type SessionMiddleware, sessionMiddleware } from './compat/middleware.js';
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './compat/options.js';
import { storeBackend } from './compat/store-backend.js';

/** Every option `session()` takes; anything else is a misspelling (`satisfies` keeps it in step with the type). */
const SESSION_OPTIONS = {
  name: true,
  key: true,
  secret: true,
  resave: true,
  saveUninitialized: true,
  rolling: true,
  genid: true,
  proxy: true,
  unset: true,
  store: true,
  cookie: true,
  type: true,
  timeout: true,
  maxLifetime: true,
  sessionId: true,
  touchAfter: true,
  storeUnavailable: true,
  lazy: true,
  onReject: true,
  logger: true,
  vessel: true,
  storage: true,
  cacheDir: true,
  url: true,
  prefix: true,
} as const satisfies Record<keyof SessionOptions, true>;

/**
 * Session middleware, a drop-in for express-session: the same options, defaults, cookie and
 * `req.session`. Without `store`, sessions live in Vessel's storage (`vessel`, `storage`,
 * `cacheDir`, `type`, `url`; in-process memory when none is given), where a save only writes
 * the keys the request changed; with `type: 'cookie'` (or a vessel's `session.type = cookie`)
 * the whole session is sealed into the cookie instead. A `vessel`'s session config supplies the
 * cookie's name and attributes, `secret`, `rolling`, `timeout` and `maxLifetime`; options given
 * here win. An unknown option is a `ConfigError` naming it and the closest known one. The
 * storage is checked at once: a failure is one warning through `logger`, and `ready()` is the
 * check to await (see `SessionMiddleware.ready`).
 *
 * @example
 * app.use(session({ secret: process.env.SESSION_SECRET, cacheDir: './data', resave: false, saveUninitialized: false }))
 */
export function session(options: SessionOptions = {}): SessionMiddleware {
  assertKnownOptions(options, Object.keys(SESSION_OPTIONS), { where: 'session' });
  const vesselConfig = options.vessel?.config.session;
  const resolved = resolveOptions(options, vesselConfig && vesselSessionDefaults(vesselConfig));
  const appIds = Boolean(options.genid);
  const timeoutSeconds = options.timeout ?? vesselConfig?.timeout ?? 86_400;
  const maxLifetimeSeconds = options.maxLifetime ?? vesselConfig?.maxLifetime;
  const sealed =
    options.type === 'cookie' ||
    (options.type === undefined && !options.store && !options.storage && vesselConfig?.type === 'cookie');

  if (sealed) {
    const revocationStorage = vesselConfig?.revocationList ? options.vessel?.sessionStorage : undefined;
    return sessionMiddleware({
      options: resolved,
      backend: cookieOnly(options, resolved, timeoutSeconds, maxLifetimeSeconds),
      appIds,
      close: async () => {},
      ready: revocationStorage ? revocationStorage.ready() : Promise.resolve(),
    });
  }
  if (options.store) {
    return sessionMiddleware({
      options: resolved,
      backend: storeBackend(options.store),
      appIds,
      close: async () => {},
      ready: options.store instanceof VesselStore ? options.store.storage.ready() : Promise.resolve(),
    });
  }
  const { storage, owned } = resolveStorage({ ...options, type: options.type === 'cookie' ? undefined : options.type });
  // A vessel's encryption at rest holds for sessions the adapter stores in its storage.
  const sealing = options.storage
    ? {}
    : { encryptKey: vesselConfig?.encryptKey, validateKey: vesselConfig?.validateKey };
  const backend: SessionBackend = vesselBackend({
    storage,
    store: new VesselStore({ storage, ...sealing }),
    defaultTimeoutSeconds: timeoutSeconds,
    maxLifetimeSeconds,
    idPattern: appIds ? APP_ID_PATTERN : undefined,
    touchAfterSeconds: options.touchAfter,
    ...sealing,
  });
  return sessionMiddleware({
    options: resolved,
    backend,
    appIds,
    close: owned ? () => storage.close() : async () => {},
    ready: storage.ready(),
  });
}

/** The cookie-only backend for `options`: keys from `secret` (or the vessel's), the vessel's `encryptKey` and revocation list. */
function cookieOnly(
  options: SessionOptions,
  resolved: ResolvedOptions,
  defaultTimeoutSeconds: number,
  maxLifetimeSeconds: number | undefined,
): SessionBackend {
  if (options.store) throw new ConfigError('session.store', 'cookie-only sessions (type "cookie") keep no store');
  if (options.sessionId) {
    throw new ConfigError(
      'session.sessionId',
      'no-cookie mode needs stored sessions: cookie-only ones live in the cookie',
    );
  }
  const secrets = resolved.secrets;
  if (secrets?.some((secret) => typeof secret !== 'string')) {
    throw new ConfigError('session.secret', 'cookie-only sessions seal with string secrets (32 bytes or more)');
  }
  const vesselConfig = options.vessel?.config.session;
  return cookieBackend({
    name: resolved.name,
    secrets: secrets as readonly string[] | undefined,
    encryptKey: vesselConfig?.encryptKey,
    validateKey: vesselConfig?.validateKey,
    defaultTimeoutSeconds,
    maxLifetimeSeconds,
    idPattern: options.genid ? APP_ID_PATTERN : undefined,
    touchAfterSeconds: options.touchAfter,
    rolling: resolved.rolling,
    revocationStorage: vesselConfig?.revocationList ? options.vessel?.sessionStorage : undefined,
    logger: resolved.logger,
  });
}
