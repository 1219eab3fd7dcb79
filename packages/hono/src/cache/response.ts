/**
 * `cacheResponse()` for Hono: middleware in front of a route that answers from the cache, or runs
 * the route once for every request waiting on the key and keeps what it answered (read from a
 * clone of the `Response`, while the original streams to the client). Every rule lives in core's
 * `ResponseCache`.
 */
import type { Session } from '@vessel/core';
import {
  broughtSessionOf,
  type CachedAnswer,
  type CacheExchange,
  type CacheResponseOptions,
  type HeaderValue,
  isEventStream,
  liveSessionId,
  type ResponseCacheSource,
  responseCacheOf,
  type SentResponse,
  sessionInUse,
} from '@vessel/core/http';
import type { Context, MiddlewareHandler, Next } from 'hono';

/** Options of Hono's `cacheResponse` (see `@vessel/core/http`); `key` gets the context (default: method, URL and host). */
export type HonoCacheResponseOptions = CacheResponseOptions<Context>;

/** A clone of `response` for the cache; `undefined` when its body was already read. */
function cloneOf(response: Response): Response | undefined {
  try {
    return response.clone();
  } catch {
    return undefined;
  }
}

/** The session variables `session()` sets, as the cache reads them (either mode). */
interface SessionParts {
  session?: Session | undefined;
  loadSession?: () => Promise<Session>;
}

/** Up to `maxBytes` of `response`'s body; `undefined` (and the read cancelled) past them. */
async function readUpTo(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes || response.body === null) {
    await response.body?.cancel();
    return declared > maxBytes ? undefined : new Uint8Array(0);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the clone (the iterator's `return`); the original is not touched.
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** What a route that threw sent, as the cache sees it: an error, never kept. */
const FAILED: SentResponse = { status: 500, header: () => undefined, body: undefined };

class HonoExchange implements CacheExchange {
  readonly method: string;
  readonly url: string;

  constructor(
    private readonly c: Context,
    private readonly next: Next,
    readonly key: string | undefined,
    private readonly settle: (result: Response | Error | undefined) => void,
  ) {
    this.method = c.req.method;
    this.url = pathAndQuery(c.req.url);
  }

  #session(): Session | undefined {
    return (this.c.var as SessionParts).session;
  }

  header(name: string): HeaderValue {
    return this.c.req.header(name);
  }

  sessionInUse(): boolean {
    return sessionInUse(this.#session());
  }

  async broughtSession() {
    const load = (this.c.var as SessionParts).loadSession;
    return load === undefined ? undefined : broughtSessionOf(await load());
  }

  currentSessionId(): unknown {
    return liveSessionId(this.#session());
  }

  pass(): void {
    this.next().then(
      () => {
        this.c.header('X-Vessel-Cache', 'pass');
        this.settle(undefined);
      },
      (error: Error) => this.settle(error),
    );
  }

  replay(answer: CachedAnswer): void {
    const { c } = this;
    const status = answer.status as 200;
    this.settle(
      answer.body === undefined
        ? c.body(null, status, answer.headers)
        : c.body(answer.body as Uint8Array<ArrayBuffer>, status, answer.headers),
    );
  }

  async run(maxBodyBytes: number): Promise<SentResponse> {
    const { c } = this;
    try {
      await this.next();
    } catch (error) {
      // Hono's error handling answers this request; what the cache keeps of it is nothing.
      this.settle(error instanceof Error ? error : new Error(String(error)));
      return FAILED;
    }
    c.header('X-Vessel-Cache', 'miss');
    const response = c.res;
    const head = c.req.method === 'HEAD';
    // A clone for the cache; the original goes to the client now, not once the cache has read it
    // all. An event stream never ends, and a body the route already read cannot be cloned: both
    // are served, never kept.
    const copy =
      head || isEventStream(response.headers.get('content-type') ?? undefined) ? undefined : cloneOf(response);
    this.settle(undefined);
    const headers = response.headers;
    return {
      status: response.status,
      header: (name) => headers.get(name) ?? undefined,
      body: head ? new Uint8Array(0) : copy && (await readUpTo(copy, maxBodyBytes)),
    };
  }

  fail(error: unknown): void {
    this.settle(error instanceof Error ? error : new Error(String(error)));
  }
}

/** The request's path and query, as sent. */
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start);
}

/**
 * Caches whole responses of a route like a shared HTTP cache (RFC 9111), with the rules of
 * Express's `cacheResponse` (one implementation, in `@vessel/core/http`): responses marked
 * `private`, `no-store` or `no-cache`, that set a cookie, vary on `*`, `Cookie` or
 * `Authorization`, or answer a request carrying credentials or a session are never kept; `Vary`
 * is keyed on; concurrent misses run the route once, across processes. Replays say
 * `X-Vessel-Cache: hit`. Mount it after `session()`. An unknown option is a `ConfigError` naming it.
 *
 * @example
 * app.get('/report', cacheResponse(vessel, { expire: '5m' }), (c) => c.json(buildReport()))
 */
export function cacheResponse(source: ResponseCacheSource, options: HonoCacheResponseOptions = {}): MiddlewareHandler {
  const route = responseCacheOf(source, options);
  const keyOf = options.key;
  return function vesselCacheResponse(c, next) {
    if (!route.applies(c.req.method)) return next();
    return new Promise<Response | undefined>((resolve, reject) => {
      const settle = (result: Response | Error | undefined) =>
        result instanceof Error ? reject(result) : resolve(result);
      route.handle(new HonoExchange(c, next, keyOf?.(c), settle));
    });
  };
}
