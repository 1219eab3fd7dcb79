import type { CacheManager, Vessel } from '@vessel/core';
import type { ExtendableContext, Next } from 'koa';

/** What `cache()` returns: Koa 2/3 middleware. */
export type KoaCacheMiddleware = (ctx: ExtendableContext, next: Next) => Promise<unknown>;

function isVessel(source: CacheManager | Vessel): source is Vessel {
  return 'cache' in source && typeof source.cache === 'object';
}

/**
 * Puts a cache manager on every request as `ctx.cache` (Beaker's `environ['beaker.cache']`): a
 * vessel's (`vessel.cache`) or the one given. Route-level response caching is `cacheResponse`.
 *
 * @example
 * app.use(cache(vessel))
 * app.use(async (ctx) => { ctx.body = await ctx.cache.getCache('users').get(id, { createfunc: () => loadUser(id) }) })
 */
export function cache(source: CacheManager | Vessel): KoaCacheMiddleware {
  const manager = isVessel(source) ? source.cache : source;
  return (ctx, next) => {
    ctx.cache = manager;
    return next();
  };
}
