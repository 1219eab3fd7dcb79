import { CacheManager, getDefaultCacheManager, setDefaultCacheManager } from './cache/manager.js';
import { normalizeConfig } from './config/normalize.js';
import type { CacheConfig, ResolvedVesselConfig, VesselConfig } from './config/types.js';
import { SessionManager } from './session/manager.js';
import type { SessionOptions } from './session/types.js';
import { createStorage, type Storage } from './storage/index.js';

/** Code-only session options that configuration files cannot carry. */
export type VesselSessionExtras = Pick<SessionOptions, 'generateId' | 'idPattern' | 'now'>;

/** Options of `createVessel`: the configuration (object form), plus code-only session options. */
export interface VesselOptions extends VesselConfig {
  session?: VesselConfig['session'] & VesselSessionExtras;
}

/** Sessions and caches over one storage. */
export interface Vessel {
  /** The validated configuration. */
  readonly config: ResolvedVesselConfig;
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
  /** Caches, in storage namespaces `cache:<name>`; regions naming a backend of their own open it on first use. */
  readonly cache: CacheManager;
  /** Closes the storage (and any storage a session override or a region opened). */
  close(): Promise<void>;
}

/**
 * Builds Vessel from one configuration: a storage rooted at `cacheDir` (SQLite by default) or
 * `url`, shared by the session manager and the cache manager. The cache manager becomes the
 * default of the standalone `cacheRegion` decorator unless another one already is.
 *
 * @example
 * const vessel = createVessel({ cacheDir: './data', session: { secret: process.env.SESSION_SECRET, timeout: 3600 } })
 */
export function createVessel(options: VesselOptions = {}): Vessel {
  const { generateId, idPattern, now, ...sessionConfig } = options.session ?? {};
  const config = normalizeConfig({ ...options, session: sessionConfig });
  const storage = createStorage(config);
  // session.url / session.cacheDir / a session.type of another backend give sessions a storage of their own.
  const { url, cacheDir, type } = config.session;
  const storageType = type === 'cookie' ? undefined : type;
  const ownSessionStorage =
    url || cacheDir || (storageType && storageType !== storage.type)
      ? createStorage({
          type: storageType,
          url,
          cacheDir: cacheDir ?? config.cacheDir,
          prefix: config.prefix,
          timeoutMs: config.timeoutMs,
        })
      : undefined;
  // Made on first use, so an app that only caches needs no session secret.
  let sessions: SessionManager | undefined;
  const cache = new CacheManager(cacheOptions(config), storage);
  if (getDefaultCacheManager() === undefined) setDefaultCacheManager(cache);
  return {
    config,
    storage,
    sessionStorage: ownSessionStorage ?? storage,
    get sessions() {
      sessions ??= new SessionManager({ ...sessionConfig, generateId, idPattern, now }, ownSessionStorage ?? storage);
      return sessions;
    },
    cache,
    async close() {
      await Promise.all([storage.close(), ownSessionStorage?.close(), cache.close()]);
    },
  };
}

/** The cache section for `CacheManager`: a region with a file/sqlite backend of its own but no folder uses `cacheDir`. */
function cacheOptions(config: ResolvedVesselConfig): CacheConfig {
  const { regions, ...defaults } = config.cache;
  const withFolders = Object.entries(regions).map(([name, region]) => {
    const needsFolder = (region.type === 'sqlite' || region.type === 'file') && region.url === undefined;
    return [name, needsFolder ? { ...region, cacheDir: region.cacheDir ?? config.cacheDir } : region];
  });
  return { ...defaults, regions: Object.fromEntries(withFolders) };
}
