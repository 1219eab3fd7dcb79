/**
 * The `cacheResponse` middleware's request path: lookup, replay, and the miss path through the
 * dog-pile lock.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Cache, type CacheManager, CacheMissError, LockTimeoutError } from '@vessel/core';
import { useDictionaryProperties } from '../dictionary-properties.js';
import { KeyBudget } from './budget.js';
import { copyOf, replay } from './copy.js';
import { boundsOf, type CacheResponseOptions, DEFAULT_EXPIRE_SECONDS, PASS_SECONDS } from './options.js';
import { type JudgeOptions, judgeResponse } from './policy.js';
import { recordBody } from './recorder.js';
import { broughtSessionId, currentSessionId, isPersonal, mayNotFill, sessionInUse } from './request.js';
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

/** Express's `next`. */
export type Next = (err?: unknown) => void;

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

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function pass(exchange: Exchange): void {
  exchange.res.setHeader('X-Vessel-Cache', 'pass');
  exchange.next();
}

function ignore(): void {}

/** One `cacheResponse` middleware: its options, its cache (made on first use) and its bound. */
export class ResponseCacheRoute {
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
    const bounds = boundsOf(options);
    this.#maxBodyBytes = bounds.maxBodyBytes;
    this.#budget = new KeyBudget(bounds.maxEntries, bounds.maxBytes, (key) => {
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
      if (this.#replayable(exchange, key, value, variant)) replay(exchange.req, exchange.res, value);
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
    const { body, encodedAfter } = await recording;
    const personal = this.#perSession ? currentSessionId(req) !== exchange.sessionId : sessionInUse(req);
    const storable = body === undefined || personal ? undefined : judgeResponse(res, this.#judge);
    if (storable === undefined) {
      this.#budget.admit(key, 0);
      return PASS;
    }
    const expireSeconds = Math.min(this.#expireSeconds, storable.freshSeconds ?? this.#expireSeconds);
    // Bytes a middleware before this one encodes on their way out are kept as recorded, without
    // its Content-Encoding: that middleware encodes the replay again.
    const copy = copyOf(res, body as Buffer, expireSeconds, encodedAfter);
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
