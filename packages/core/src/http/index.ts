/**
 * `@vessel/core/http` — the framework-neutral HTTP session layer every adapter (Express, Fastify,
 * Hono, Koa, a plain Fetch handler) translates onto: request facts in, a session, and at the end
 * the `Set-Cookie` values to write; and the response cache every adapter's `cacheResponse` runs on.
 * @packageDocumentation
 */
export { isStorageOutage, sessionErrorStatus } from './errors.js';
export { type HttpCommit, HttpRequestSession, type HttpSessionOptions, HttpSessions } from './http-sessions.js';
export { type HttpRequestFacts, isSecureRequest, type SecureRequestParts } from './request-facts.js';
export {
  type BroughtSession,
  broughtSessionOf,
  CACHE_RESPONSE_OPTION_NAMES,
  type CachedAnswer,
  type CacheExchange,
  type CacheResponseOptions,
  type HeaderValue,
  isEventStream,
  liveSessionId,
  ResponseCache,
  type ResponseCacheSetup,
  type ResponseCacheSource,
  responseCacheOf,
  type SentResponse,
  sessionInUse,
} from './response-cache/index.js';
export { sessionProperties } from './session-properties.js';
