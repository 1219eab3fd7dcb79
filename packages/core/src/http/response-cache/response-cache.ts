/**
 * A cached route's request path, for every adapter: lookup, replay, and the miss path through the
 * dog-pile lock. The adapter presents each request as a `CacheExchange`.
 */
import { createHash } from 'node:crypto';
import type { Cache } from '../../cache/cache.js';
import type { CacheManager } from '../../cache/manager.js';
import { assertKnownOptions } from '../../config/known-options.js';
import { CacheMissError, LockTimeoutError } from '../../errors.js';
import type { Vessel } from '../../vessel.js';
import { KeyBudget } from './budget.js';
import { copyOf, replayOf } from './copy.js';
import type { CacheExchange } from './exchange.js';
import {
  boundsOf,
  CACHE_RESPONSE_OPTION_NAMES,
  type CacheResponseOptions,
  DEFAULT_EXPIRE_SECONDS,
  PASS_SECONDS,
} from './options.js';
import { type JudgeOptions, judgeResponse } from './policy.js';
import { defaultKey, hasSessionCookie, isPersonal, mayNotFill } from './request.js';
import {
  type CachedResponse,
  PASS,
  type StoredValue,
  sameHeaders,
  storedValueOf,
  type VaryMarker,
  variantKey,
  variantOf,
} from './stored.js';

/** One request on its way through the cache. */
interface Exchange {
  readonly request: CacheExchange;
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

/** How a route was set up, besides its options. */
export interface ResponseCacheSetup {
  /** The name errors give the options (`cacheResponse`). */
  readonly where: string;
  /**
   * Cookie names that mark a request as carrying a session; always with `connect.sid`, the
   * manager's own `session.key`, and the options' `sessionCookies`.
   */
  readonly sessionCookies?: readonly string[];
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function ignore(): void {}

/**
 * One cached route: its options, its cache (made on first use) and its bound. Caches whole
 * responses like a shared HTTP cache (RFC 9111) in front of the handler, or per session with
 * `perSession` (see `CacheResponseOptions`). An adapter makes one per route and hands it each
 * request as a `CacheExchange`.
 */
export class ResponseCache {
  readonly #manager: CacheManager;
  readonly #options: CacheResponseOptions<never>;
  readonly #sessionCookies: readonly string[];
  readonly #perSession: boolean;
  readonly #judge: JudgeOptions;
  readonly #maxBodyBytes: number;
  readonly #budget: KeyBudget;
  #cache: Cache | undefined;
  /** The cache's `expire`, in seconds: the longest any copy stays. */
  #expireSeconds = DEFAULT_EXPIRE_SECONDS;

  /** Checks the bounds in `options` (a `ConfigError` naming a bad one); the cache is made on first use. */
  constructor(manager: CacheManager, options: CacheResponseOptions<never>, setup: ResponseCacheSetup) {
    this.#manager = manager;
    this.#options = options;
    this.#sessionCookies = [
      ...new Set(['connect.sid', ...(setup.sessionCookies ?? []), ...(options.sessionCookies ?? [])]),
    ];
    this.#perSession = options.perSession === true;
    this.#judge = { statuses: new Set(options.statuses ?? [200]), perSession: this.#perSession };
    const bounds = boundsOf(options, setup.where);
    this.#maxBodyBytes = bounds.maxBodyBytes;
    this.#budget = new KeyBudget(bounds.maxEntries, bounds.maxBytes, (key) => {
      this.#cache?.remove(key).catch(ignore);
    });
  }

  /** Whether a request with `method` may go through the cache at all (GET and HEAD, cache enabled). */
  applies(method: string): boolean {
    return (method === 'GET' || method === 'HEAD') && this.#responses().enabled;
  }

  /** Answers `request`: from a copy, by running the handler once for all waiting on its key, or by passing it on. */
  handle(request: CacheExchange): void {
    if (!this.applies(request.method)) request.pass();
    else if (this.#perSession) this.#handlePerSession(request);
    else {
      const exchange: Exchange = { request, primary: request.key ?? defaultKey(request), sessionId: undefined };
      if (isPersonal(request, this.#sessionCookies)) request.pass();
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

  #handlePerSession(request: CacheExchange): void {
    // Credentials, not the session, would then say whose page it is: never kept.
    if (request.header('authorization') !== undefined) {
      request.pass();
      return;
    }
    this.#sessionOf(request).then(
      (sessionId) => {
        if (sessionId === undefined) request.pass();
        else {
          const primary = `${request.key ?? defaultKey(request)}\nsession:${digest(sessionId)}`;
          this.#lookup({ request, primary, sessionId }, primary, undefined);
        }
      },
      (error: unknown) => request.fail(error),
    );
  }

  /**
   * The id of the stored session the request brought, for `perSession` keys: what the adapter
   * says; for a session middleware that cannot tell new from stored, only with a session cookie.
   */
  async #sessionOf(request: CacheExchange): Promise<string | undefined> {
    const session = await request.broughtSession();
    if (session === undefined || session.id === '' || session.stored === false) return undefined;
    return session.stored || hasSessionCookie(request, this.#sessionCookies) ? session.id : undefined;
  }

  /** Reads `key` (the primary, or a variant): a hit is replayed, a miss filled. */
  #lookup(exchange: Exchange, key: string, variant: Variant | undefined): void {
    (this.#cache as Cache).get(key).then(
      (found) => this.#serve(exchange, key, found, variant),
      (error: unknown) => {
        if (error instanceof CacheMissError) this.#fill(exchange, key, variant);
        else exchange.request.fail(error);
      },
    );
  }

  /** Answers from what `key` holds: a copy (when its variant matches), the way to a variant, or the handler. */
  #serve(exchange: Exchange, key: string, found: unknown, variant: Variant | undefined): void {
    const value = storedValueOf(found);
    if (value?.kind === 'response') {
      if (this.#replayable(exchange, key, value, variant)) exchange.request.replay(replayOf(exchange.request, value));
      else exchange.request.pass();
    } else if (value?.kind === 'vary' && key === exchange.primary) {
      const digestOfRequest = variantOf(exchange.request, value.vary);
      this.#lookup(exchange, variantKey(key, digestOfRequest), { vary: value.vary, variant: digestOfRequest });
    } else {
      // A pass marker; or not something this middleware stored (an older version's entry),
      // which is never replayed and is dropped.
      if (value === undefined) this.#cache?.remove(key).catch(ignore);
      exchange.request.pass();
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
    return (known ? variant.variant : variantOf(exchange.request, copy.vary)) === copy.variant;
  }

  /**
   * The miss path: through the cache's dog-pile lock, one request (the creator) runs the handler
   * and its response, once finished, is what the others (waiting on the same key, here or in
   * another process) are answered from — a copy, or a pass marker that sends each to the handler.
   */
  #fill(exchange: Exchange, key: string, variant: Variant | undefined): void {
    if (mayNotFill(exchange.request)) {
      exchange.request.pass();
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
        if (error instanceof LockTimeoutError) exchange.request.pass();
        else exchange.request.fail(error);
      },
    );
  }

  /** Runs the handler and, once its response is out, turns it into what `key` keeps. */
  async #make(exchange: Exchange, key: string, variant: Variant | undefined, made: Made): Promise<StoredValue> {
    const { request } = exchange;
    const res = await request.run(this.#maxBodyBytes);
    const { body } = res;
    const personal = this.#perSession ? request.currentSessionId() !== exchange.sessionId : request.sessionInUse();
    const storable = body === undefined || personal ? undefined : judgeResponse(res, this.#judge);
    if (storable === undefined) {
      this.#budget.admit(key, 0);
      return PASS;
    }
    const expireSeconds = Math.min(this.#expireSeconds, storable.freshSeconds ?? this.#expireSeconds);
    // Bytes a middleware before this one encodes on their way out are kept as recorded, without
    // its Content-Encoding: that middleware encodes the replay again.
    const copy = copyOf(res, body as Uint8Array, expireSeconds, res.encodedAfter === true);
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
      variant: sameAsKey ? variant.variant : variantOf(request, storable.vary),
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

/** What a cached route keeps its copies in: a vessel's cache manager, or a cache manager. */
export type ResponseCacheSource = CacheManager | Pick<Vessel, 'cache' | 'config'>;

function isVessel(source: ResponseCacheSource): source is Pick<Vessel, 'cache' | 'config'> {
  return 'cache' in source && typeof source.cache === 'object';
}

/**
 * The `ResponseCache` of one `cacheResponse(source, options)` in any adapter: the options checked
 * (an unknown one, or a bad bound, is a `ConfigError` naming it as `<where>.<option>`), and a
 * vessel's session cookie (`session.key`) known to mark a request as carrying a session.
 */
export function responseCacheOf(
  source: ResponseCacheSource,
  options: CacheResponseOptions<never>,
  where = 'cacheResponse',
): ResponseCache {
  assertKnownOptions(options, CACHE_RESPONSE_OPTION_NAMES, { where });
  const vessel = isVessel(source);
  return new ResponseCache(vessel ? source.cache : source, options, {
    where,
    sessionCookies: vessel ? [source.config.session.key] : [],
  });
}
