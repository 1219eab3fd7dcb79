import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Cache,
  type CacheManager,
  CacheMissError,
  ConfigError,
  type Duration,
  LockTimeoutError,
  type Vessel,
} from '@vessel/core';
import { useDictionaryProperties } from './dictionary-properties.js';
import { KeyBudget } from './response-cache/budget.js';
import { type JudgeOptions, judgeResponse } from './response-cache/policy.js';
import { recordBody } from './response-cache/recorder.js';
import { broughtSessionId, currentSessionId, isPersonal, mayNotFill, sessionInUse } from './response-cache/request.js';
import {
  type CachedResponse,
  PASS,
  type StoredValue,
  sameHeaders,
  storedValueOf,
  type VaryMarker,
  variantKey,
  variantOf,
} from './response-cache/stored.js';

type Next = (err?: unknown) => void;
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

/** Options of `cacheResponse`. */
export interface CacheResponseOptions {
  /** The region whose policy and storage the responses use (`cache.regions`). Default: the cache defaults. */
  region?: string;
  /** The cache's name (storage namespace `cache:<name>`). Default `responses`. */
  namespace?: string;
  /**
   * The longest a copy is served, in seconds (`60`, `"5m"`); overrides the region's `expire`. A
   * response's `s-maxage` / `max-age` / `Expires` shortens it. Default: the region's, else 60.
   */
  expire?: Duration;
  /** The cache key of a request. Default: method and original URL (`GET /report?year=2025`). */
  key?: (req: IncomingMessage) => string;
  /** Status codes worth keeping. Default `[200]`. */
  statuses?: readonly number[];
  /**
   * Keep copies per session instead of one for everyone: requests are keyed by their session id,
   * `Cache-Control: private` responses may be kept (for that session only), and requests without
   * a session are not cached. Needs `session()` before this middleware. Default `false`.
   */
  perSession?: boolean;
  /**
   * More cookie names that mark a request as carrying a session (it then bypasses the shared
   * cache). Always included: `connect.sid` and, given a Vessel, its `session.key`.
   */
  sessionCookies?: readonly string[];
  /** Distinct keys this route keeps (per process; the oldest go first). Default 1000. */
  maxEntries?: number;
  /** A response with a larger body (bytes) is served but not kept. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Bytes of bodies this route keeps (per process; the oldest go first). Default 64 MiB. */
  maxBytes?: number;
}

/** Freshness when neither the options nor the region give an `expire`, in seconds. */
const DEFAULT_EXPIRE_SECONDS = 60;
/** How long a "not storable" verdict sends a key's requests straight to the handler, in seconds (hit-for-pass). */
const PASS_SECONDS = 10;
const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Response headers a cached copy replays; the rest (Date, Set-Cookie, connection headers, the app's own) never are. */
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

/** One request on its way through the cache. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly next: Next;
  /** The request's primary key (with its session's digest in `perSession` mode). */
  readonly primary: string;
  /** `perSession`: the session id the key was made from. */
  readonly sessionId: string | undefined;
}

/** The variant a key was computed for: the header list and the request's digest of it. */
interface Variant {
  readonly vary: readonly string[];
  readonly variant: string;
}

/** What the creator of a key decided, read once its creation is over. */
interface Made {
  /** How long the stored value may stay, in seconds. */
  expireSeconds: number;
}

/**
 * Caches whole responses of a route (status, the headers that describe the body, body), like a
 * shared HTTP cache (RFC 9111) in front of the handler: responses marked `private`, `no-store`
 * or `no-cache`, that set a cookie, vary on `*`, `Cookie` or `Authorization`, allow 0 seconds,
 * or answer a request carrying credentials or a session are never kept; `Vary` is keyed on;
 * `s-maxage` / `max-age` / `Expires` shorten `expire`. Concurrent misses of a key run the
 * handler once (the cache's dog-pile lock). Replays say `X-Vessel-Cache: hit`. See
 * docs/express.md, "Caching".
 *
 * @example
 * app.get('/report', cacheResponse(vessel, { region: 'short_term' }), buildReport)
 */
export function cacheResponse(source: CacheManager | Vessel, options: CacheResponseOptions = {}): Handler {
  const sessionCookies = new Set(['connect.sid', ...(options.sessionCookies ?? [])]);
  if (isVessel(source)) sessionCookies.add(source.config.session.key);
  const route = new ResponseCacheRoute(managerOf(source), [...sessionCookies], options);
  return (req, res, next) => route.handle(req, res, next);
}

function positiveInteger(option: string, value: number | undefined, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < minimum)
    throw new ConfigError(`cacheResponse.${option}`, `expected an integer of at least ${minimum}, got ${value}`);
  return value;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function pass(exchange: Exchange): void {
  exchange.res.setHeader('X-Vessel-Cache', 'pass');
  exchange.next();
}

function ignore(): void {}

/** The parts of `res` a copy keeps. */
function copyOf(res: ServerResponse, body: Buffer, expireSeconds: number): CachedResponse {
  const headers: Record<string, string | string[]> = {};
  for (const name of KEPT_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value);
  }
  const storedAt = Date.now();
  return {
    kind: 'response',
    status: res.statusCode,
    headers,
    body: body.toString('base64'),
    storedAt,
    freshUntil: storedAt + expireSeconds * 1000,
  };
}

/** `true` when `If-None-Match` names the copy's ETag (weak comparison, RFC 9110 §13.1.2), or is `*`. */
function notModified(ifNoneMatch: string, etag: string | string[] | undefined): boolean {
  if (typeof etag !== 'string') return false;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const candidate of ifNoneMatch.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === opaque) return true;
  }
  return false;
}

function replay({ req, res }: Exchange, hit: CachedResponse): void {
  res.statusCode = hit.status;
  for (const name of Object.keys(hit.headers)) res.setHeader(name, hit.headers[name] as string | string[]);
  res.setHeader('Age', String(Math.max(0, Math.floor((Date.now() - hit.storedAt) / 1000))));
  res.setHeader('X-Vessel-Cache', 'hit');
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && notModified(ifNoneMatch, hit.headers.etag)) {
    res.statusCode = 304;
    for (const name of ['content-type', 'content-length', 'content-encoding']) res.removeHeader(name);
    res.end();
  } else {
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(hit.body, 'base64'));
  }
}

/** One `cacheResponse` middleware: its options, its cache (made on first use) and its bound. */
class ResponseCacheRoute {
  readonly #manager: CacheManager;
  readonly #options: CacheResponseOptions;
  readonly #sessionCookies: readonly string[];
  readonly #perSession: boolean;
  readonly #judge: JudgeOptions;
  readonly #maxBodyBytes: number;
  readonly #budget: KeyBudget;
  readonly #keyOf: (req: IncomingMessage) => string;
  #cache: Cache | undefined;
  /** The cache's `expire`, in seconds: the longest any copy stays. */
  #expireSeconds = DEFAULT_EXPIRE_SECONDS;

  constructor(manager: CacheManager, sessionCookies: readonly string[], options: CacheResponseOptions) {
    this.#manager = manager;
    this.#options = options;
    this.#sessionCookies = sessionCookies;
    this.#perSession = options.perSession === true;
    this.#judge = { statuses: new Set(options.statuses ?? [200]), perSession: this.#perSession };
    this.#maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 0);
    const maxBytes = positiveInteger('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES);
    if (maxBytes < this.#maxBodyBytes)
      throw new ConfigError('cacheResponse.maxBytes', `must be at least maxBodyBytes (${this.#maxBodyBytes})`);
    const maxEntries = positiveInteger('maxEntries', options.maxEntries, DEFAULT_MAX_ENTRIES);
    this.#budget = new KeyBudget(maxEntries, maxBytes, (key) => {
      this.#cache?.remove(key).catch(ignore);
    });
    this.#keyOf =
      options.key ??
      ((req: IncomingMessage) =>
        `${req.method} ${(req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url}`);
  }

  handle(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !this.#responses().enabled) next();
    else if (this.#perSession) this.#handlePerSession(req, res, next);
    else {
      const exchange: Exchange = { req, res, next, primary: this.#keyOf(req), sessionId: undefined };
      if (isPersonal(req, this.#sessionCookies)) pass(exchange);
      else this.#lookup(exchange, exchange.primary, undefined);
    }
  }

  /** The cache, made on first use; stale copies are never served (HTTP freshness is strict). */
  #responses(): Cache {
    if (this.#cache !== undefined) return this.#cache;
    const { region, expire } = this.#options;
    const name = this.#options.namespace ?? 'responses';
    const policy = {
      ...(region !== undefined ? { region } : {}),
      ...(expire !== undefined ? { expire } : {}),
      staleWhileRecreate: 0,
      grace: 0,
      refreshAhead: 0,
    };
    let responses = this.#manager.getCache(name, policy);
    if (responses.policy.expire === undefined)
      responses = this.#manager.getCache(name, { ...policy, expire: DEFAULT_EXPIRE_SECONDS });
    this.#expireSeconds = responses.policy.expire ?? DEFAULT_EXPIRE_SECONDS;
    this.#cache = responses;
    return responses;
  }

  #handlePerSession(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const key = this.#keyOf(req);
    // Credentials, not the session, would then say whose page it is: never kept.
    if (req.headers.authorization !== undefined) {
      pass({ req, res, next, primary: key, sessionId: undefined });
      return;
    }
    broughtSessionId(req, this.#sessionCookies).then((sessionId) => {
      const primary = sessionId === undefined ? key : `${key}\nsession:${digest(sessionId)}`;
      const exchange: Exchange = { req, res, next, primary, sessionId };
      if (sessionId === undefined) pass(exchange);
      else this.#lookup(exchange, primary, undefined);
    }, next);
  }

  /** Reads `key` (the primary, or a variant): a hit is replayed, a miss filled. */
  #lookup(exchange: Exchange, key: string, variant: Variant | undefined): void {
    (this.#cache as Cache).get(key).then(
      (found) => this.#serve(exchange, key, found, variant),
      (error: unknown) => {
        if (error instanceof CacheMissError) this.#fill(exchange, key, variant);
        else exchange.next(error);
      },
    );
  }

  /** Answers from what `key` holds: a copy (when its variant matches), the way to a variant, or the handler. */
  #serve(exchange: Exchange, key: string, found: unknown, variant: Variant | undefined): void {
    const value = storedValueOf(found);
    if (value?.kind === 'response') {
      if (this.#replayable(exchange, key, value, variant)) replay(exchange, value);
      else pass(exchange);
    } else if (value?.kind === 'vary' && key === exchange.primary) {
      const digestOfRequest = variantOf(exchange.req, value.vary);
      this.#lookup(exchange, variantKey(key, digestOfRequest), { vary: value.vary, variant: digestOfRequest });
    } else {
      // A pass marker; or not something this middleware stored (an older version's entry),
      // which is never replayed and is dropped.
      if (value === undefined) this.#cache?.remove(key).catch(ignore);
      pass(exchange);
    }
  }

  /** `true` when `copy` is still fresh and was made for the request's variant. */
  #replayable(exchange: Exchange, key: string, copy: CachedResponse, variant: Variant | undefined): boolean {
    if (copy.freshUntil <= Date.now()) {
      // Stale, though the entry's expiry has not caught up yet (see `freshUntil`).
      this.#cache?.remove(key).catch(ignore);
      return false;
    }
    if (copy.vary === undefined) return true;
    const known = variant !== undefined && sameHeaders(variant.vary, copy.vary);
    return (known ? variant.variant : variantOf(exchange.req, copy.vary)) === copy.variant;
  }

  /**
   * The miss path: through the cache's dog-pile lock, one request (the creator) runs the handler
   * and its response, once finished, is what the others (waiting on the same key, here or in
   * another process) are answered from — a copy, or a pass marker that sends each to the handler.
   */
  #fill(exchange: Exchange, key: string, variant: Variant | undefined): void {
    if (mayNotFill(exchange.req)) {
      pass(exchange);
      return;
    }
    const responses = this.#cache as Cache;
    let made: Made | undefined;
    const createfunc = () => {
      made = { expireSeconds: Math.min(PASS_SECONDS, this.#expireSeconds) };
      return this.#make(exchange, key, variant, made);
    };
    responses.get<StoredValue>(key, { createfunc }).then(
      (value) => {
        if (made === undefined) this.#serve(exchange, key, value, variant);
        // The cache stored it for `expire`; a shorter life is set over it.
        else if (made.expireSeconds < this.#expireSeconds)
          responses.set(key, value, { expire: made.expireSeconds }).catch(ignore);
      },
      (error: unknown) => {
        // With `made`, the creator's response went out (or its client left): nothing more to answer.
        if (made !== undefined) return;
        if (error instanceof LockTimeoutError) pass(exchange);
        else exchange.next(error);
      },
    );
  }

  /** Runs the handler and, once its response is out, turns it into what `key` keeps. */
  async #make(exchange: Exchange, key: string, variant: Variant | undefined, made: Made): Promise<StoredValue> {
    const { req, res } = exchange;
    useDictionaryProperties(res);
    res.setHeader('X-Vessel-Cache', 'miss');
    const recording = recordBody(res, this.#maxBodyBytes, req.method !== 'HEAD');
    exchange.next();
    const body = await recording;
    const personal = this.#perSession ? currentSessionId(req) !== exchange.sessionId : sessionInUse(req);
    const storable = body === undefined || personal ? undefined : judgeResponse(res, this.#judge);
    if (storable === undefined) {
      this.#budget.admit(key, 0);
      return PASS;
    }
    const expireSeconds = Math.min(this.#expireSeconds, storable.freshSeconds ?? this.#expireSeconds);
    const copy = copyOf(res, body as Buffer, expireSeconds);
    const size = copy.body.length + key.length;
    if (storable.vary.length === 0) {
      made.expireSeconds = expireSeconds;
      this.#budget.admit(key, size);
      return copy;
    }
    const sameAsKey = variant !== undefined && sameHeaders(variant.vary, storable.vary);
    const varied: CachedResponse = {
      ...copy,
      vary: storable.vary,
      variant: sameAsKey ? variant.variant : variantOf(req, storable.vary),
    };
    const marker: VaryMarker = { kind: 'vary', vary: storable.vary };
    if (key !== exchange.primary) {
      // Under a variant key. When the route's Vary changed, the primary points at the new list;
      // this copy is checked against each request anyway.
      if (!sameAsKey) this.#cache?.set(exchange.primary, marker).catch(ignore);
      made.expireSeconds = expireSeconds;
      this.#budget.admit(key, size);
      return varied;
    }
    // Under the primary: the copy goes under its variant's key before the marker is handed to
    // the waiters, so those with the same variant find it.
    const copyKey = variantKey(exchange.primary, varied.variant as string);
    await (this.#cache as Cache).set(copyKey, varied, { expire: expireSeconds }).catch(ignore);
    this.#budget.admit(copyKey, size);
    made.expireSeconds = this.#expireSeconds;
    this.#budget.admit(key, 0);
    return marker;
  }
}
