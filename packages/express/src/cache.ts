import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CacheManager, CacheMissError, type Duration, type Vessel } from '@vessel/core';
import { useDictionaryProperties } from './dictionary-properties.js';

type Next = (err?: unknown) => void;
type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

function managerOf(source: CacheManager | Vessel): CacheManager {
  return 'cache' in source && typeof source.cache === 'object' ? (source as Vessel).cache : (source as CacheManager);
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

/** Options of `cacheResponse`. */
export interface CacheResponseOptions {
  /** The region whose policy and storage the responses use (`cache.regions`). Default: the cache defaults. */
  region?: string;
  /** The cache's name (storage namespace `cache:<name>`). Default `responses`. */
  namespace?: string;
  /** Freshness in seconds (`60`, `"5m"`); overrides the region's `expire`. */
  expire?: Duration;
  /** The cache key of a request. Default: method and original URL (`GET /report?year=2025`). */
  key?: (req: IncomingMessage) => string;
  /** Status codes worth keeping. Default `[200]`. */
  statuses?: readonly number[];
}

/** Response headers a cached copy replays; the rest (Date, Set-Cookie, connection headers) never are. */
const KEPT_HEADERS = [
  'content-type',
  'content-language',
  'content-encoding',
  'cache-control',
  'etag',
  'last-modified',
  'vary',
  'location',
  'expires',
] as const;

/** A cached response. */
interface CachedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body, base64. */
  body: string;
}

/**
 * Caches whole responses of a route (status, the headers that matter, body) in a cache region,
 * like Beaker's `@beaker_cache` on a controller action. Responses that set cookies, or whose
 * status is not in `statuses`, are never kept. Replays say `X-Vessel-Cache: hit`.
 *
 * @example
 * app.get('/report', cacheResponse(vessel, { region: 'short_term' }), buildReport)
 */
export function cacheResponse(source: CacheManager | Vessel, options: CacheResponseOptions = {}): Handler {
  const manager = managerOf(source);
  const statuses = new Set(options.statuses ?? [200]);
  const keyOf =
    options.key ??
    ((req: IncomingMessage) =>
      `${req.method} ${(req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url}`);
  let responses: ReturnType<CacheManager['getCache']> | undefined;
  const cacheOf = () => {
    responses ??= manager.getCache(options.namespace ?? 'responses', {
      ...(options.region ? { region: options.region } : {}),
      ...(options.expire !== undefined ? { expire: options.expire } : {}),
    });
    return responses;
  };

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const key = keyOf(req);
    const responsesCache = cacheOf();
    responsesCache.get<CachedResponse>(key).then(
      (hit) => {
        res.statusCode = hit.status;
        for (const [name, value] of Object.entries(hit.headers)) res.setHeader(name, value);
        res.setHeader('X-Vessel-Cache', 'hit');
        res.end(req.method === 'HEAD' ? undefined : Buffer.from(hit.body, 'base64'));
      },
      (err: unknown) => {
        if (!(err instanceof CacheMissError)) return next(err);
        record(res, (entry) => {
          responsesCache.set(key, entry).catch(() => {
            // A response that could not be kept is served anyway; the next request tries again.
          });
        });
        res.setHeader('X-Vessel-Cache', 'miss');
        next();
      },
    );
  };

  /** Copies what the handler writes and hands the finished response to `keep` when it is worth keeping. */
  function record(res: ServerResponse, keep: (entry: CachedResponse) => void): void {
    useDictionaryProperties(res);
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    const capture = (chunk: unknown, encoding: unknown) => {
      if (chunk == null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding as BufferEncoding));
    };
    res.write = ((...args: unknown[]) => {
      capture(args[0], typeof args[1] === 'string' ? args[1] : undefined);
      return write(...args);
    }) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => {
      capture(args[0], typeof args[1] === 'string' ? args[1] : undefined);
      return end(...args);
    }) as ServerResponse['end'];
    // Judged once the response is out: the session's cookie is set as the headers go, after its
    // save, and a response whose save failed is replaced by an error or cut (no 'finish').
    res.once('finish', () => {
      if (!statuses.has(res.statusCode) || res.hasHeader('Set-Cookie')) return;
      const headers: Record<string, string | string[]> = {};
      for (const name of KEPT_HEADERS) {
        const value = res.getHeader(name);
        if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value);
      }
      keep({ status: res.statusCode, headers, body: Buffer.concat(chunks).toString('base64') });
    });
  }
}
