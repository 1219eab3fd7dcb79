/**
 * What an adapter gives the response cache for one request, and what it gets back: the request
 * as headers, its session as three questions, and four ways on (pass, replay, run, fail). Each
 * framework (Express, Fastify, Hono, Koa) implements it over its own request and response; every
 * rule of what is kept, for whom and how long lives in `ResponseCache`.
 */

/** A header's value as frameworks give it. */
export type HeaderValue = string | readonly string[] | number | undefined;

/** A response the handler sent, as the cache judges and copies it. */
export interface SentResponse {
  /** Its status code. */
  readonly status: number;
  /** A response header by lower-case name; `undefined` when not set. */
  header(name: string): HeaderValue;
  /**
   * The body's bytes; `undefined` when they cannot be kept (over `maxBodyBytes`, a stream the
   * adapter does not record). Empty for `HEAD`.
   */
  readonly body: Uint8Array | undefined;
  /**
   * `true` when a `Content-Encoding` was added after the handler's bytes were recorded (a
   * compression step outside the cache): the copy is kept without it and encoded again on replay.
   */
  readonly encodedAfter?: boolean;
}

/** A kept response as an adapter writes it out: status, headers (lower case), body. */
export interface CachedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The bytes to send; `undefined` for none (`HEAD`, `304`). */
  readonly body: Uint8Array | undefined;
}

/** The session a request brought, as `perSession` keys need it. */
export interface BroughtSession {
  readonly id: string;
  /**
   * `true`: loaded from storage; `false`: made for this request; `undefined`: the session
   * middleware cannot tell (express-session), and a session cookie then decides.
   */
  readonly stored: boolean | undefined;
}

/** One request in front of a cached route, as its adapter presents it. */
export interface CacheExchange {
  /** The request method, upper case. */
  readonly method: string;
  /** The request's path and query as received (`/report?year=2025`). */
  readonly url: string;
  /** The app's key for the request (the `key` option); `undefined` for the default key. */
  readonly key: string | undefined;
  /** A request header by lower-case name. */
  header(name: string): HeaderValue;
  /**
   * `true` when the request's session is in use: loaded from storage, or holding data (a login).
   * Asked before the handler (a session middleware earlier in the chain) and after it.
   */
  sessionInUse(): boolean;
  /**
   * `perSession` only: the request's session as it arrived, loading a lazy session first;
   * `undefined` when it has none.
   */
  broughtSession(): Promise<BroughtSession | undefined>;
  /** The id of the request's session now (a handler may have regenerated or destroyed it). */
  currentSessionId(): unknown;
  /** Go on to the handler without the cache (answer `X-Vessel-Cache: pass`). */
  pass(): void;
  /** Answer with a kept response instead of running the handler. */
  replay(answer: CachedAnswer): void;
  /**
   * Run the handler (answer `X-Vessel-Cache: miss`) and resolve with what it sent once it is
   * out, the body recorded up to `maxBodyBytes` (none for `HEAD`). Rejects when the response
   * never finished (the client went away): nothing is kept.
   */
  run(maxBodyBytes: number): Promise<SentResponse>;
  /** A storage error: hand it to the framework's error handling. */
  fail(error: unknown): void;
}
