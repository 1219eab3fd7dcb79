/**
 * @vessel/koa — Koa 2/3 middleware over Vessel's sessions and caches: `session()` (`ctx.session`
 * with koa-session's option names and members, on a vessel's storage and session config, over
 * core's HTTP session layer) and `cache()` (`ctx.cache`).
 * @packageDocumentation
 */
import './context.js';
import { session } from './session/middleware.js';

/** Core's `secretFromEnv`, here so that a Koa app needs one import for its secret. */
export { secretFromEnv } from '@vessel/core';
export { cache, type KoaCacheMiddleware } from './cache/cache.js';
export {
  cacheResponse,
  type KoaCacheResponseMiddleware,
  type KoaCacheResponseOptions,
} from './cache/response.js';
export type { KoaSession, KoaSessionAssignment, KoaSessionMembers, SessionData } from './context.js';
export { type KoaSessionMiddleware, session } from './session/middleware.js';
export type { KoaSessionOptions } from './session/options.js';

export default session;
