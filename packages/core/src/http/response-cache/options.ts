/** The response cache's options, their defaults and their checks (the same in every adapter). */
import type { Duration } from '../../config/types.js';
import { ConfigError } from '../../errors.js';

/** Options of a cached route (`cacheResponse` in each adapter); `Request` is the framework's request. */
export interface CacheResponseOptions<Request = unknown> {
  /** The region whose policy and storage the responses use (`cache.regions`). Default: the cache defaults. */
  region?: string;
  /** The cache's name (storage namespace `cache:<name>`). Default `responses`. */
  namespace?: string;
  /**
   * The longest a copy is served, in seconds (`60`, `"5m"`); overrides the region's `expire`. A
   * response's `s-maxage` / `max-age` / `Expires` shortens it. Default: the region's, else 60.
   */
  expire?: Duration;
  /**
   * The cache key of a request. Default: method, path and query, and the host the request names
   * (`Host`, and `X-Forwarded-Host` / `X-Forwarded-Proto` when sent), so that no page is replayed
   * to a request for another host.
   */
  key?: (request: Request) => string;
  /** Status codes worth keeping. Default `[200]`. */
  statuses?: readonly number[];
  /**
   * Keep copies per session instead of one for everyone: requests are keyed by their session id,
   * `Cache-Control: private` responses may be kept (for that session only), and requests without
   * a session are not cached. Needs `session()` before this middleware. Default `false`.
   */
  perSession?: boolean;
  /**
   * More cookie names that mark a request as carrying a session (it then bypasses the shared
   * cache). Always included: `connect.sid` and, given a Vessel, its `session.key`.
   */
  sessionCookies?: readonly string[];
  /** Distinct keys this route keeps (per process; the oldest go first). Default 1000. */
  maxEntries?: number;
  /** A response with a larger body (bytes) is served but not kept. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Bytes of bodies this route keeps (per process; the oldest go first). Default 64 MiB. */
  maxBytes?: number;
}

/** Freshness when neither the options nor the region give an `expire`, in seconds. */
export const DEFAULT_EXPIRE_SECONDS = 60;
/** How long a "not storable" verdict sends a key's requests straight to the handler, in seconds (hit-for-pass). */
export const PASS_SECONDS = 10;

/** The bounds of one route, checked. */
export interface Bounds {
  readonly maxEntries: number;
  readonly maxBodyBytes: number;
  readonly maxBytes: number;
}

function integerAtLeast(
  where: string,
  option: string,
  value: number | undefined,
  fallback: number,
  minimum: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < minimum)
    throw new ConfigError(`${where}.${option}`, `expected an integer of at least ${minimum}, got ${value}`);
  return value;
}

/**
 * The bounds `options` give, defaults applied; a `ConfigError` naming the option (as
 * `<where>.<option>`) for a bad one.
 */
export function boundsOf(options: CacheResponseOptions<never>, where: string): Bounds {
  const maxEntries = integerAtLeast(where, 'maxEntries', options.maxEntries, 1000, 1);
  const maxBodyBytes = integerAtLeast(where, 'maxBodyBytes', options.maxBodyBytes, 1024 * 1024, 0);
  const maxBytes = integerAtLeast(where, 'maxBytes', options.maxBytes, 64 * 1024 * 1024, 1);
  if (maxBytes < maxBodyBytes)
    throw new ConfigError(`${where}.maxBytes`, `must be at least maxBodyBytes (${maxBodyBytes}), got ${maxBytes}`);
  return { maxEntries, maxBodyBytes, maxBytes };
}

/** Every option a cached route takes (for `assertKnownOptions`; `satisfies` keeps it in step with the type). */
export const CACHE_RESPONSE_OPTION_NAMES: readonly string[] = Object.keys({
  region: true,
  namespace: true,
  expire: true,
  key: true,
  statuses: true,
  perSession: true,
  sessionCookies: true,
  maxEntries: true,
  maxBodyBytes: true,
  maxBytes: true,
} as const satisfies Record<keyof CacheResponseOptions, true>);
