export type { BroughtSession, CachedAnswer, CacheExchange, HeaderValue, SentResponse } from './exchange.js';
export { CACHE_RESPONSE_OPTION_NAMES, type CacheResponseOptions } from './options.js';
export { isEventStream } from './policy.js';
export {
  ResponseCache,
  type ResponseCacheSetup,
  type ResponseCacheSource,
  responseCacheOf,
} from './response-cache.js';
export { broughtSessionOf, liveSessionId, sessionInUse } from './session-state.js';
