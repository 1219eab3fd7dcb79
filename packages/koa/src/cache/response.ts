/**
 * `cacheResponse()` for Koa: middleware in front of a route that answers from the cache, or runs
 * the rest of the chain once for every request waiting on the key and keeps what it answered.
 * Every rule lives in core's `ResponseCache`.
 */
import { Stream } from 'node:stream';
import {
  broughtSessionOf,
  type CachedAnswer,
  type CacheExchange,
  type CacheResponseOptions,
  type HeaderValue,
  liveSessionId,
  type ResponseCacheSource,
  responseCacheOf,
  type SentResponse,
  sessionInUse,
} from '@vessel/core/http';
import type { Context, Next } from 'koa';
import { httpSessionOf } from '../session/context-accessors.js';

/** Options of Koa's `cacheResponse` (see `@vessel/core/http`); `key` gets the context (default: method, URL and host). */
export type KoaCacheResponseOptions = CacheResponseOptions<Context>;

/** What `cacheResponse()` returns: Koa 2/3 middleware. */
export type KoaCacheResponseMiddleware = (ctx: Context, next: Next) => Promise<void>;

/**
 * `ctx.body` as the bytes Koa sends; `undefined` for a stream (not recorded), for an object JSON
 * cannot write (a BigInt, a cycle: Koa answers it with a 500), or for one over `maxBytes`.
 */
function bytesOf(body: unknown, maxBytes: number): Uint8Array | undefined {
  let bytes: Uint8Array | undefined;
  if (body === null || body === undefined) bytes = new Uint8Array(0);
  else if (typeof body === 'string') bytes = Buffer.from(body);
  else if (body instanceof Uint8Array) bytes = body;
  else if (!(body instanceof Stream) && !(body instanceof ReadableStream) && !(body instanceof Blob)) {
    try {
      bytes = Buffer.from(JSON.stringify(body));
    } catch {
      return undefined;
    }
  }
  return bytes !== undefined && bytes.byteLength <= maxBytes ? bytes : undefined;
}

/** What a handler that threw sent, as the cache sees it: an error, never kept. */
const FAILED: SentResponse = { status: 500, header: () => undefined, body: undefined };

class KoaExchange implements CacheExchange {
  readonly method: string;
  readonly url: string;

  constructor(
    private readonly ctx: Context,
    private readonly next: Next,
    readonly key: string | undefined,
    private readonly settle: (error?: unknown) => void,
  ) {
    this.method = ctx.method;
    this.url = ctx.originalUrl;
  }

  header(name: string): HeaderValue {
    return this.ctx.headers[name];
  }

  sessionInUse(): boolean {
    return sessionInUse(httpSessionOf(this.ctx)?.current);
  }

  async broughtSession() {
    const http = httpSessionOf(this.ctx);
    return http === undefined ? undefined : broughtSessionOf(await http.load());
  }

  currentSessionId(): unknown {
    return liveSessionId(httpSessionOf(this.ctx)?.current);
  }

  pass(): void {
    this.ctx.set('X-Vessel-Cache', 'pass');
    this.next().then(() => this.settle(), this.settle);
  }

  replay(answer: CachedAnswer): void {
    const { ctx } = this;
    // Headers before the body, so that Koa keeps the copy's Content-Type.
    ctx.set(answer.headers);
    ctx.body = answer.body === undefined ? null : Buffer.from(answer.body);
    // After the body: an empty one would otherwise turn the status into 204.
    ctx.status = answer.status;
    this.settle();
  }

  async run(maxBodyBytes: number): Promise<SentResponse> {
    const { ctx } = this;
    ctx.set('X-Vessel-Cache', 'miss');
    try {
      await this.next();
    } catch (error) {
      // Koa's error handling answers this request; what the cache keeps of it is nothing.
      this.settle(error);
      return FAILED;
    }
    // The request goes on first: whatever recording the body does, Koa answers it.
    this.settle();
    const headers = ctx.response.headers;
    return {
      status: ctx.status,
      header: (name) => headers[name] as HeaderValue,
      body: ctx.method === 'HEAD' ? new Uint8Array(0) : bytesOf(ctx.body, maxBodyBytes),
    };
  }

  fail(error: unknown): void {
    this.settle(error);
  }
}

/**
 * Caches whole responses of the middleware after it like a shared HTTP cache (RFC 9111), with
 * the rules of Express's `cacheResponse` (one implementation, in `@vessel/core/http`): responses
 * marked `private`, `no-store` or `no-cache`, that set a cookie, vary on `*`, `Cookie` or
 * `Authorization`, or answer a request carrying credentials or a session are never kept; `Vary`
 * is keyed on; concurrent misses run the rest of the chain once, across processes. Replays say
 * `X-Vessel-Cache: hit`; stream bodies are served, never kept. Mount it after `session()` and
 * before the route. An unknown option is a `ConfigError` naming it.
 *
 * @example
 * router.get('/report', cacheResponse(vessel, { expire: '5m' }), buildReport)
 */
export function cacheResponse(
  source: ResponseCacheSource,
  options: KoaCacheResponseOptions = {},
): KoaCacheResponseMiddleware {
  const route = responseCacheOf(source, options);
  const keyOf = options.key;
  return (ctx, next) => {
    if (!route.applies(ctx.method)) return next();
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      route.handle(new KoaExchange(ctx, next, keyOf?.(ctx), settle));
    });
  };
}
