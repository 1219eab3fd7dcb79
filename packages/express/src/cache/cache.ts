import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheManager, Vessel } from '@vessel/core';
import { type CacheResponseOptions as CoreCacheResponseOptions, responseCacheOf } from '@vessel/core/http';
import { useDictionaryProperties } from '../dictionary-properties.js';
import { ExpressExchange, type Next } from './exchange.js';

/** Options of `cacheResponse` (see `@vessel/core/http`); `key` gets the request (default: method, URL and host). */
export type CacheResponseOptions = CoreCacheResponseOptions<IncomingMessage>;

type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

function managerOf(source: CacheManager | Vessel): CacheManager {
  return isVessel(source) ? source.cache : source;
}

function isVessel(source: CacheManager | Vessel): source is Vessel {
  return 'cache' in source && typeof source.cache === 'object';
}

/**
 * Puts a cache manager on every request as `req.cache` (Beaker's `environ['beaker.cache']`).
 *
 * @example
 * app.use(cache(vessel))
 * app.get('/user/:id', async (req, res) => res.json(await req.cache.getCache('users').get(req.params.id, { createfunc })))
 */
export function cache(source: CacheManager | Vessel): Handler {
  const manager = managerOf(source);
  return (req, _res, next) => {
    useDictionaryProperties(req);
    (req as IncomingMessage & { cache?: CacheManager }).cache = manager;
    next();
  };
}

/**
 * Caches whole responses of a route (status, the headers that describe the body, body), like a
 * shared HTTP cache (RFC 9111) in front of the handler: responses marked `private`, `no-store`
 * or `no-cache`, that set a cookie, vary on `*`, `Cookie` or `Authorization`, allow 0 seconds,
 * or answer a request carrying credentials or a session are never kept; `Vary` is keyed on;
 * `s-maxage` / `max-age` / `Expires` shorten `expire`. Concurrent misses of a key run the
 * handler once (the cache's dog-pile lock). Replays say `X-Vessel-Cache: hit`. An unknown
 * option is a `ConfigError` naming it and the closest known one. See
 * docs/express.md, "Caching".
 *
 * @example
 * app.get('/report', cacheResponse(vessel, { region: 'short_term' }), buildReport)
 */
export function cacheResponse(source: CacheManager | Vessel, options: CacheResponseOptions = {}): Handler {
  const route = responseCacheOf(source, options);
  const keyOf = options.key;
  return (req, res, next) => {
    if (route.applies(req.method ?? 'GET')) route.handle(new ExpressExchange(req, res, next, keyOf?.(req)));
    else next();
  };
}
