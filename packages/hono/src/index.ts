/**
 * @vessel/hono — Vessel's sessions and caches for Hono 4 and for plain Fetch handlers on Node:
 * `session()` middleware (`c.get('session')`, typed `SessionVariables`), `withSession()` for a
 * Next.js route handler or any `(Request) => Response` server, and `cache()` for the cache
 * manager. All three run on `@vessel/core/http`, the rules every Vessel adapter shares.
 * @packageDocumentation
 */

/** Core's `secretFromEnv`, here so that an app needs one import: `session: { secret: secretFromEnv() }`. */
export { secretFromEnv } from '@vessel/core';
export { type CacheVariables, cache } from './cache/cache.js';
export { cacheResponse, type HonoCacheResponseOptions } from './cache/response.js';
export { type FetchSessionOptions, type SessionHandler, withSession } from './fetch/with-session.js';
export {
  type LazySessionVariables,
  type SessionOptions,
  type SessionVariables,
  session,
} from './session/middleware.js';
export type { SessionSource } from './session/options.js';
