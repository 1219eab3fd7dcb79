import { CacheManager, getDefaultCacheManager, setDefaultCacheManager } from './cache/manager.js';
import { normalizeConfig } from './config/normalize.js';
import type { ResolvedVesselConfig, VesselConfig } from './config/types.js';
import { SessionManager } from './session/manager.js';
import type { SessionOptions } from './session/types.js';
import { createStorage, type Storage, sessionStorageInput, sharedStorageInput } from './storage/index.js';

/** Code-only session options that configuration files cannot carry. */
export type VesselSessionExtras = Pick<SessionOptions, 'generateId' | 'idPattern' | 'now'>;

/**
 * Options of `createVessel`: the configuration (object form, or what `loadConfig` returned),
 * plus code-only session options.
 */
export interface VesselOptions extends VesselConfig {
  session?: VesselConfig['session'] & VesselSessionExtras;
  /** The file the configuration came from (`loadConfig` sets it); kept as `vessel.configFile`. */
  configFile?: string | undefined;
}

/** Sessions and caches over one storage. */
export interface Vessel {
  /** The validated configuration. */
  readonly config: ResolvedVesselConfig;
  /** The file the configuration came from, when `createVessel` got `loadConfig`'s result. */
  readonly configFile: string | undefined;
  /** The storage under everything (`cacheDir` / `url`). */
  readonly storage: Storage;
  /**
   * Where sessions live: `storage`, or the storage of their own that `session.url`,
   * `session.cacheDir` or a `session.type` of another backend opened. (Cookie-only sessions
   * keep nothing in it.)
   */
  readonly sessionStorage: Storage;
  /**
   * Sessions, stored in the storage's `session` namespace (or in cookies with `session.type:
   * 'cookie'`). Made on first access, which is where a missing `session.secret` is reported.
   */
  readonly sessions: SessionManager;
  /**
   * A new session manager over `sessionStorage`: the vessel's session config with `overrides` on
   * top, keeping the code-only `generateId`, `idPattern` and `now` given to `createVessel` unless
   * overridden. What an adapter runs on when its options change the cookie or the lifetimes.
   */
  sessionManager(overrides?: SessionOptions): SessionManager;
  /** Caches, in storage namespaces `cache:<name>`; regions naming a backend of their own open it on first use. */
  readonly cache: CacheManager;
  /**
   * The startup check: resolves once `storage` and `sessionStorage` are usable (folder created
   * and writable, database opened, server answering, each within `timeoutMs`); rejects with the
   * first `StorageUnavailableError`, naming the location and the option (`cacheDir`,
   * `session.url`, …). Optional: operations connect by themselves. Cache regions with a backend
   * of their own open on first use and are not checked here.
   *
   * @example
   * const vessel = createVessel(await loadConfig())
   * await vessel.ready()   // fails at startup, not at the first request
   */
  ready(): Promise<void>;
  /** Closes the storage (and any storage a session override or a region opened). */
  close(): Promise<void>;
}

/**
 * Builds Vessel from one configuration: a storage rooted at `cacheDir` (SQLite by default) or
 * `url`, shared by the session manager and the cache manager. The cache manager becomes the
 * default of the standalone `cacheRegion` decorator unless another one already is.
 *
 * @example
 * const vessel = createVessel(await loadConfig('development.ini'))
 * const vessel = createVessel({ cacheDir: './data', session: { secret: process.env.SESSION_SECRET, timeout: 3600 } })
 */
export function createVessel(options: VesselOptions = {}): Vessel {
  const { configFile, ...rest } = options;
  const { generateId, idPattern, now, ...sessionConfig } = rest.session ?? {};
  const config = normalizeConfig({ ...rest, session: sessionConfig }, configFile);
  const shared = sharedStorageInput(config);
  const storage = createStorage(shared);
  const ownSessionInput = sessionStorageInput(config);
  const ownSessionStorage = ownSessionInput && createStorage(ownSessionInput);
  // Made on first use, so an app that only caches needs no session secret.
  let sessions: SessionManager | undefined;
  const { regions, ...cacheDefaults } = config.cache;
  const cache = new CacheManager({ ...cacheDefaults, regions, storageDefaults: shared }, storage);
  if (getDefaultCacheManager() === undefined) setDefaultCacheManager(cache);
  return {
    config,
    configFile,
    storage,
    sessionStorage: ownSessionStorage ?? storage,
    get sessions() {
      sessions ??= this.sessionManager();
      return sessions;
    },
    sessionManager(overrides = {}) {
      return new SessionManager(
        { ...sessionConfig, generateId, idPattern, now, ...overrides },
        ownSessionStorage ?? storage,
      );
    },
    cache,
    async ready() {
      await Promise.all([storage.ready(), ownSessionStorage?.ready()]);
    },
    async close() {
      await Promise.all([storage.close(), ownSessionStorage?.close(), cache.close()]);
    },
  };
}
