/**
 * The shapes of Vessel's configuration: `VesselConfig` is what a user writes in code (loose:
 * durations may be `"15m"`), `ResolvedVesselConfig` is what `normalizeConfig` returns (strict:
 * integer seconds, defaults applied, read-only). Each option's unit and default is stated
 * where it is declared; `docs/configuration.md` has the same table with the flat key names.
 */
import type { BreakerOptions, StorageType } from '../storage/index.js';

/** Seconds as a number (`90`) or a string with units (`"90s"`, `"15m"`, `"2h"`, `"1d"`, `"1h30m"`). */
export type Duration = number | string;

/** A point in time: a `Date` or an ISO 8601 string (`"2025-01-31T12:00:00Z"`). */
export type DateInput = Date | string;

/** Where a session lives: in the cookie itself (encrypted), or in a storage backend. */
export type SessionType = 'cookie' | StorageType;

/** The cookie's `SameSite` attribute. */
export type SameSite = 'strict' | 'lax' | 'none';

/** Secrets that sign session cookies, newest first: the first signs, every one verifies. */
export type SecretList = readonly [string, ...string[]];

/** Session options (flat keys `session.*`). */
export interface SessionConfig {
  /** Cookie name. Default `vessel.sid`. */
  key?: string;
  /**
   * Cookie-signing secret, or several for rotation (the first signs, all verify). In flat
   * config a comma-separated list; in code a single string is one secret, commas and all.
   * Cookie-only sessions (`type: 'cookie'`) need 32 bytes or more in each.
   */
  secret?: string | readonly string[];
  /** Idle timeout, sliding with each request, in seconds. Default: none. */
  timeout?: Duration;
  /** Absolute lifetime from creation, however active the session, in seconds. Default: none. */
  maxLifetime?: Duration;
  /**
   * When the cookie expires: `false` (or `true`, Beaker's spelling) for a browser-session
   * cookie, a duration in seconds from each response, or a fixed date. Default: browser session.
   */
  cookieExpires?: boolean | Duration | DateInput;
  /** Re-send the cookie on every response so its expiry slides. Default `false`. */
  rolling?: boolean;
  /** Cookie `Domain`. Default: none (host-only cookie). */
  cookieDomain?: string;
  /** Cookie `Path`. Default `/`. */
  cookiePath?: string;
  /** Cookie `Secure` (HTTPS only). Default `false`. */
  secure?: boolean;
  /** Cookie `HttpOnly` (hidden from page scripts). Default `true`. */
  httpOnly?: boolean;
  /** Cookie `SameSite`. Default `lax`. */
  sameSite?: SameSite;
  /** Save changed sessions at the end of each request without an explicit `save()`. Default `false`. */
  auto?: boolean;
  /** Record the access time on reads too (throttled by `accessedTimeThrottle`). Default `true`. */
  saveAccessedTime?: boolean;
  /** Minimum gap between two access-time writes of one session, in seconds. Default 60. */
  accessedTimeThrottle?: Duration;
  /** Carry the session id in a cookie; `false` lets the application pass the id. Default `true`. */
  useCookies?: boolean;
  /** `cookie` keeps the whole session in an encrypted cookie; a storage type overrides the shared storage. Default: the shared storage. */
  type?: SessionType;
  /** Treat an undecodable stored session as absent (fresh session) instead of failing. Default `true`. */
  invalidateCorrupt?: boolean;
  /**
   * Cookie-only sessions: keep the ids of destroyed, invalidated and regenerated sessions (and
   * those passed to `revoke`) in the storage namespace `session-revoked` until every copy of
   * their cookie has expired, and refuse them on load. Costs one storage read per request.
   * No effect on stored sessions, whose record is deleted. Default `false`.
   */
  revocationList?: boolean;
  /**
   * Encryption key (Beaker name), 32 bytes or more; a list rotates (the first seals, all open).
   * Stored sessions: their data is sealed at rest (AES-256-GCM, bound to the session id).
   * Cookie-only sessions: seals the cookie before `secret` does. Default: none.
   */
  encryptKey?: string | SecretList;
  /**
   * Beaker's `validate_key`: mixed into the derivation of every `encryptKey` (and, for
   * cookie-only sessions, `secret`) key, as Beaker salts its encryption key with it; values then
   * open only with both. Changing it ends every sealed session. Default: none.
   */
  validateKey?: string;
  /** Storage URL for sessions only, overriding the top-level `url`. */
  url?: string;
  /** Storage folder for sessions only, overriding the top-level `cacheDir`. */
  cacheDir?: string;
}

/**
 * How a cache behaves. Set at the cache level (`cache.*`) these are the defaults of every region
 * and of `getCache`; a region (`cache.<region>.*`) or `getCache` options override them.
 */
export interface CachePolicyConfig {
  /** How long a created value is fresh, in seconds. Default: never stale. */
  expire?: Duration;
  /** Keys longer than this many characters are stored under their SHA-256; at least 16. Default 250. */
  keyLength?: number;
  /**
   * How long past `expire` a stale value is kept and handed out while one caller recreates it, in
   * seconds; 0 makes every caller wait for the new value instead. Default: as long as `expire`.
   */
  staleWhileRecreate?: Duration;
  /** How long past `expire` a stale value may stand in when `createfunc` or the storage fails, in seconds. Default 0. */
  grace?: Duration;
  /** A hit this many seconds or less before expiry recreates the value in the background. Default 0 (off). */
  refreshAhead?: Duration;
  /** How long a caller waits for another caller's `createfunc` before giving up, in seconds. Default 30. */
  waitTimeout?: Duration;
  /**
   * How long a creator's lock lives without renewal, so a crashed creator cannot block a key, in
   * seconds. A live creator renews it every third of this. Default 30.
   */
  lockTtl?: Duration;
  /**
   * How long one `createfunc` may run before its caller gets `CreateTimeoutError`, the lock is
   * released and waiting callers go on, in seconds: a `createfunc` that never settles cannot
   * wedge its key. Default: 3 × `lockTtl`.
   */
  createTimeout?: Duration;
  /** Entries of the in-process tier kept in front of a non-memory storage (LRU). Default: no tier. */
  localMaxEntries?: number;
  /** How long the in-process tier trusts its copy before reading the storage again, in seconds. Default 5. */
  localTtl?: Duration;
  /** Entries created before this moment are stale (region-wide invalidation); epoch seconds allowed. */
  starttime?: DateInput | number;
}

/** One cache region (flat keys `cache.<region>.*`): the policy, and optionally a storage of its own. */
export interface RegionConfig extends CachePolicyConfig {
  /** Storage type for this region only. Default: the shared storage. */
  type?: StorageType;
  /** Storage URL for this region only. */
  url?: string;
  /** Storage folder for this region only. */
  cacheDir?: string;
  /** `false` turns the region off: every call runs its `createfunc`. Default `true`. */
  enabled?: boolean;
}

/** Cache options (flat keys `cache.*`): defaults for every region, and the regions. */
export interface CacheConfig extends CachePolicyConfig {
  /** `false` turns caching off everywhere. Default `true`. */
  enabled?: boolean;
  /** Named regions; in flat config listed with `cache.regions = short_term, long_term`. */
  regions?: Readonly<Record<string, RegionConfig>>;
}

/**
 * Configuration in object form, as written in code. Storage options are described in
 * `docs/storage.md` and checked by `createStorage`.
 */
export interface VesselConfig {
  /** Folder of the file and sqlite stores; a relative path in a config file is relative to that file. */
  cacheDir?: string;
  /** Storage backend. Default: inferred by `createStorage` from `url` / `cacheDir`. */
  type?: StorageType;
  /** Storage URL (`redis://`, `postgres://`, `sqlite://`). */
  url?: string;
  /** Prefix before every stored key. Default `vessel` (applied by `createStorage`). */
  prefix?: string;
  /** Redis cluster seed URLs. */
  cluster?: readonly string[];
  /** Connect and per-operation storage timeout, in milliseconds. Default 5000 (applied by `createStorage`). */
  timeoutMs?: number;
  /** PostgreSQL schema of Vessel's tables (`schema`); default `public`. */
  schema?: string;
  /** PostgreSQL pool size (`pool_size`); default 10. */
  poolSize?: number;
  /**
   * Circuit breaker of the storage (`breaker.failure_threshold`, `breaker.cool_down_ms`,
   * `breaker.max_in_flight`), or `false` for none. Default `{ failureThreshold: 5, coolDownMs:
   * 250, maxInFlight: 1000 }` (applied by `createStorage`; see docs/storage.md, Failures).
   */
  breaker?: BreakerOptions | false;
  /** Memory backend: most entries kept (`max_entries`). Default 100000. */
  maxEntries?: number;
  /** Memory backend: background sweep period in ms (`sweep_interval_ms`), 0 for none. Default 60000. */
  sweepIntervalMs?: number;
  /** Session options. */
  session?: SessionConfig;
  /** Cache options. */
  cache?: CacheConfig;
}

/** A session's options after validation: durations in integer seconds, defaults applied. */
export interface ResolvedSessionConfig {
  readonly key: string;
  /** `undefined` when no secret was configured; the session layer decides whether that is fatal. */
  readonly secret: SecretList | undefined;
  /** Idle timeout in seconds; `undefined` for none. */
  readonly timeout: number | undefined;
  /** Absolute lifetime in seconds; `undefined` for none. */
  readonly maxLifetime: number | undefined;
  /** `false`: browser-session cookie; a number: seconds from each response; a Date: fixed. */
  readonly cookieExpires: false | number | Date;
  readonly rolling: boolean;
  readonly cookieDomain: string | undefined;
  readonly cookiePath: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: SameSite;
  readonly auto: boolean;
  readonly saveAccessedTime: boolean;
  /** Seconds. */
  readonly accessedTimeThrottle: number;
  readonly useCookies: boolean;
  /** `undefined`: the shared top-level storage. */
  readonly type: SessionType | undefined;
  readonly invalidateCorrupt: boolean;
  readonly revocationList: boolean;
  readonly encryptKey: SecretList | undefined;
  readonly validateKey: string | undefined;
  readonly url: string | undefined;
  readonly cacheDir: string | undefined;
}

/** A cache policy after validation: durations in integer seconds, defaults applied. */
export interface ResolvedCachePolicy {
  /** Seconds; `undefined` for never stale. */
  readonly expire: number | undefined;
  readonly keyLength: number;
  /** Seconds; `undefined` means "as long as `expire`". */
  readonly staleWhileRecreate: number | undefined;
  /** Seconds. */
  readonly grace: number;
  /** Seconds; 0 is off. */
  readonly refreshAhead: number;
  /** Seconds. */
  readonly waitTimeout: number;
  /** Seconds. */
  readonly lockTtl: number;
  /** Seconds; `undefined` means 3 × `lockTtl`. */
  readonly createTimeout: number | undefined;
  /** `undefined`: no in-process tier. */
  readonly localMaxEntries: number | undefined;
  /** Seconds. */
  readonly localTtl: number;
  readonly starttime: Date | undefined;
}

/** A region after validation: its policy (falling back to the cache level's) and storage. */
export interface ResolvedRegionConfig extends ResolvedCachePolicy {
  readonly type: StorageType | undefined;
  readonly url: string | undefined;
  readonly cacheDir: string | undefined;
  /** `false` when the region or the whole cache (`cache.enabled`) is off. */
  readonly enabled: boolean;
}

/** Cache options after validation: the cache-level policy is the default of every region. */
export interface ResolvedCacheConfig extends ResolvedCachePolicy {
  readonly enabled: boolean;
  readonly regions: Readonly<Record<string, ResolvedRegionConfig>>;
}

/**
 * The validated, frozen configuration. Storage fields are kept as given (only `type` and
 * `timeoutMs` are checked here); `createStorage` resolves them and applies their defaults.
 */
export interface ResolvedVesselConfig {
  readonly cacheDir: string | undefined;
  readonly type: StorageType | undefined;
  readonly url: string | undefined;
  readonly prefix: string | undefined;
  readonly cluster: readonly string[] | undefined;
  /** Milliseconds. */
  readonly timeoutMs: number | undefined;
  readonly schema: string | undefined;
  readonly poolSize: number | undefined;
  readonly breaker: Readonly<BreakerOptions> | false | undefined;
  readonly maxEntries: number | undefined;
  /** Milliseconds. */
  readonly sweepIntervalMs: number | undefined;
  readonly session: ResolvedSessionConfig;
  readonly cache: ResolvedCacheConfig;
}
