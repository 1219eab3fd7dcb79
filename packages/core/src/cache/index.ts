export { argumentKey } from './argument-key.js';
export { Cache, type CacheEvents, type CacheGetOptions, type CacheSetOptions, type CacheStats } from './cache.js';
export {
  CACHE_NAMESPACE_PREFIX,
  CacheManager,
  type CacheManagerOptions,
  type CacheManagerStats,
  type CacheMethodDecorator,
  cacheRegion,
  type GetCacheOptions,
  getDefaultCacheManager,
  setDefaultCacheManager,
} from './manager.js';
export type { Memoized } from './memoize.js';
