import { type CacheManager, ConfigError, type Vessel } from '@vessel/core';
import type { MiddlewareHandler } from 'hono';

/** The context variables of `cache()`. */
export interface CacheVariables {
  /** The vessel's cache manager (Beaker's `environ['beaker.cache']`): `getCache`, `region`, `cacheRegion`. */
  cache: CacheManager;
}

/**
 * Hono middleware putting a cache manager at `c.get('cache')`: the vessel's (`cache(vessel)`) or
 * the one given. Route-level response caching is `cacheResponse`.
 *
 * @example
 * const app = new Hono<{ Variables: CacheVariables }>();
 * app.use(cache(vessel));
 * app.get('/report', async (c) => {
 *   const reports = c.get('cache').getCache('reports', { expire: '1m' });
 *   return c.json(await reports.get('daily', { createfunc: buildReport }));
 * });
 */
export function cache(source: Pick<Vessel, 'cache'> | CacheManager): MiddlewareHandler<{ Variables: CacheVariables }> {
  const manager = managerOf(source);
  return async function vesselCache(c, next) {
    c.set('cache', manager);
    await next();
  };
}

/** Told apart by shape, not `instanceof`: an app may hold another copy of @vessel/core. */
function managerOf(source: unknown): CacheManager {
  if (isCacheManager(source)) return source;
  const fromVessel = typeof source === 'object' && source !== null ? (source as { cache?: unknown }).cache : undefined;
  if (isCacheManager(fromVessel)) return fromVessel;
  throw new ConfigError('cache', 'expected a vessel or a CacheManager, e.g. cache(createVessel(await loadConfig()))');
}

function isCacheManager(value: unknown): value is CacheManager {
  return (
    typeof value === 'object' && value !== null && typeof (value as { getCache?: unknown }).getCache === 'function'
  );
}
