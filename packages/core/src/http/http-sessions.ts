import type { SessionManager } from '../session/manager.js';
import type { Session } from '../session/session.js';
import { assertOptionalBoolean } from './errors.js';
import type { HttpRequestFacts } from './request-facts.js';

/** How an adapter runs sessions over HTTP. */
export interface HttpSessionOptions {
  /**
   * Load the session on first use (`load()`), not at the start of every request: requests that
   * never touch it cost no storage read and send no cookie. Default false.
   */
  readonly lazy?: boolean | undefined;
  /**
   * Save what a request changed when it commits, without an explicit `session.save()`: `true`
   * for frameworks whose sessions save by themselves. Default: the manager's `session.auto`.
   */
  readonly auto?: boolean | undefined;
}

/** What to write at the end of a request. */
export interface HttpCommit {
  /** `Set-Cookie` header values to append to the response (none, or one). */
  readonly setCookie: readonly string[];
  /** True when this request wrote the session to storage (or re-sealed a cookie-only session). */
  readonly stored: boolean;
  /** The session's id after the request (changed by `regenerate`/`invalidate`); `undefined` when none was loaded. */
  readonly id: string | undefined;
}

const NOTHING: HttpCommit = Object.freeze({
  setCookie: Object.freeze([]) as readonly string[],
  stored: false,
  id: undefined,
});

/**
 * The framework-neutral HTTP session layer: one per app, over a `SessionManager` (a vessel's
 * `sessions`). Each request calls `begin(facts)`; the adapter hands the request's session to the
 * app, and at the end calls `commit()` and appends what it returns. Every rule — which cookie is
 * read, merged saves, idle and absolute lifetimes, cookie-only sealing, when a cookie is sent,
 * fail-closed outages — lives in the manager and here, so every framework gets the same ones.
 *
 * @example
 * const http = new HttpSessions(vessel.sessions, { lazy: true });
 * const request = http.begin({ cookie: req.headers.cookie, secure: false });
 * const session = await request.load();        // throws StorageUnavailableError on an outage: answer 503
 * session.set('views', (session.get<number>('views') ?? 0) + 1);
 * const { setCookie } = await request.commit();
 * for (const value of setCookie) res.appendHeader('Set-Cookie', value);
 */
export class HttpSessions {
  /** The manager every request goes through. */
  readonly manager: SessionManager;
  /** Whether sessions load on first use. */
  readonly lazy: boolean;
  /** Whether commits save changes without `save()`; `undefined`: as the manager's `session.auto` says. */
  readonly auto: boolean | undefined;

  constructor(manager: SessionManager, options: HttpSessionOptions = {}) {
    assertOptionalBoolean('lazy', options.lazy);
    assertOptionalBoolean('auto', options.auto);
    this.manager = manager;
    this.lazy = options.lazy ?? false;
    this.auto = options.auto;
  }

  /** The cookie's name (`session.key`). */
  get cookieName(): string {
    return this.manager.cookieName;
  }

  /** Starts one request's session. Nothing is read until `load()` (which eager adapters call at once). */
  begin(facts: HttpRequestFacts): HttpRequestSession {
    return new HttpRequestSession(this.manager, facts, this.auto);
  }
}

/** One request's session: loaded once, committed once. */
export class HttpRequestSession {
  readonly #manager: SessionManager;
  readonly #facts: HttpRequestFacts;
  readonly #auto: boolean | undefined;
  #loading: Promise<Session> | undefined;
  #session: Session | undefined;

  /** Use `HttpSessions.begin`. */
  constructor(manager: SessionManager, facts: HttpRequestFacts, auto?: boolean) {
    this.#manager = manager;
    this.#facts = facts;
    this.#auto = auto;
  }

  /**
   * The request's session: the one its cookie (or `sessionId`) names when authentic, known and
   * live, else a fresh one. Loaded on the first call; later calls share it. Rejects with a
   * `StorageUnavailableError` while the storage is down (answer 503, see `sessionErrorStatus`).
   */
  load(): Promise<Session> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  /** The session if `load()` has finished, else `undefined`. */
  get current(): Session | undefined {
    return this.#session;
  }

  /** Whether `load()` was called. */
  get started(): boolean {
    return this.#loading !== undefined;
  }

  async #load(): Promise<Session> {
    const facts = this.#facts;
    const noCookie = facts.sessionId !== undefined;
    const session = await this.#manager.load(noCookie ? { id: facts.sessionId } : { cookie: facts.cookie });
    this.#session = session;
    return session;
  }

  /**
   * Ends the request: saves what changed (with `auto`), stores the access time when due,
   * and returns the `Set-Cookie` values to append. A session never loaded commits nothing. A
   * `Secure` cookie is held back on a request known to be plain HTTP. Rejects like `load()` on an
   * outage; the session's changes are then not stored, and the response must say so (503).
   */
  async commit(): Promise<HttpCommit> {
    if (this.#loading === undefined) return NOTHING;
    const session = await this.#loading;
    const { setCookie, saved, id } = await this.#manager.commit(session, { auto: this.#auto });
    const manager = this.#manager;
    const send =
      setCookie !== undefined &&
      this.#facts.sessionId === undefined &&
      !(manager.options.secure && this.#facts.secure === false);
    return { setCookie: send ? [setCookie] : [], stored: saved, id };
  }
}
