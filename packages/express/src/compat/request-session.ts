import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCookie, type SessionRejectEvent } from '@vessel/core';
import type { LoadedSession, SealedCookie, SessionBackend } from './backend.js';
import { EMPTY_PRINT, type SessionPrint, samePrint, sessionPrint } from './compare.js';
import { Cookie } from './cookie.js';
import type { ResolvedOptions } from './options.js';
import { type HookedSession, hookResponse } from './response-hooks.js';
import { type RegenerateOptions, type Session, type SessionController, setController } from './session-object.js';
import { isSecure, type Secret, type SignedSessionId } from './signature.js';
import { inflateSession, type SessionData } from './store.js';

/** A request as the middleware sees it (Express adds `secret`, `secure`, `originalUrl`). */
export interface Req extends IncomingMessage {
  session?: Session | undefined;
  sessionID?: string | undefined;
  sessionStore?: SessionBackend['store'] | undefined;
  secret?: Secret | undefined;
  originalUrl?: string;
  loadSession?: () => Promise<Session | undefined>;
}

/** What every request of one `session()` middleware shares. */
export interface SessionContext {
  readonly options: ResolvedOptions;
  readonly backend: SessionBackend;
  readonly signedId: SignedSessionId;
  /** No-cookie mode: the app's id for the request; `false` when it gave one that is not well-formed. */
  readonly appSessionId: (req: Req) => string | false | undefined;
  /** Makes a new session on `req` (and returns it). */
  generate(req: Req): Session;
}

function appendSetCookie(res: ServerResponse, value: string): void {
  // socket.io's `wrap` pattern passes `{}` as the response: there is nowhere to put a cookie.
  if (typeof res.setHeader !== 'function') return;
  const previous = res.getHeader('Set-Cookie') ?? [];
  const list = Array.isArray(previous) ? [...previous, value] : [String(previous), value];
  res.setHeader('Set-Cookie', list);
}

/** Sets the response's `Date` so that the cookie's `Expires` is exactly `maxAge` after it. */
function alignDate(res: ServerResponse, cookie: Cookie): void {
  const { expires, originalMaxAge } = cookie;
  // `sendDate` first: engine.io's WebSocketResponse has neither it nor `hasHeader`.
  if (expires instanceof Date && typeof originalMaxAge === 'number' && res.sendDate && !res.hasHeader('Date')) {
    res.setHeader('Date', new Date(expires.getTime() - originalMaxAge).toUTCString());
  }
}

/**
 * One request's session, with express-session's rules: loads or generates it, decides at the
 * end whether the store is written (saved or touched) and whether the cookie is sent, and
 * carries out `req.session`'s methods.
 *
 * Change detection compares prints (`compare.ts`): one of the data as loaded, one at the end of
 * the request, shared by the save/touch decision, the cookie decision and the backend's diff.
 */
export class RequestSession implements SessionController, HookedSession {
  /** The id the request's cookie (or the app, in no-cookie mode) named; a sealed cookie's once opened. */
  #cookieId: string | undefined;
  /** Cookie-only sessions: the request brought a cookie of the session's name. */
  readonly #sealedSent: boolean;
  readonly #keys: readonly Secret[];
  /** Why the cookie (or no-cookie id) the request brought cannot be used, if it brought one. */
  readonly #refused: SessionRejectEvent | undefined;
  #handle: unknown;
  #isNew = false;
  #originalId: string | undefined;
  /** The data as loaded or generated (express-session's `originalHash`). */
  #loadedPrint: SessionPrint = EMPTY_PRINT;
  /** The data as the store holds it: loaded or last saved; empty while nothing is stored. */
  #storedPrint: SessionPrint = EMPTY_PRINT;
  /** The data as last saved, or as loaded unless `resave` (express-session's `savedHash`). */
  #savedPrint: SessionPrint | undefined;
  /** The print taken by `commit`, still valid when the headers go out in the same `end()`. */
  #endPrint: SessionPrint | undefined;
  #touched = false;
  /** Loaded (or generated): before that (lazy mode, a store outage) nothing is written or sent. */
  #active = false;

  /** Starts the machinery for a request: its id from the cookie, `req.sessionStore`, the response hooks. */
  constructor(
    private readonly req: Req,
    res: ServerResponse,
    private readonly next: (err?: unknown) => void,
    private readonly context: SessionContext,
  ) {
    const { options, backend } = context;
    this.#keys = options.secrets ?? [req.secret as Secret];
    req.sessionStore = backend.store;
    const header = backend.sealed && req.headers.cookie;
    this.#sealedSent = header ? readCookie(header, options.name) !== undefined : false;
    const given = backend.sealed
      ? undefined
      : options.sessionId
        ? context.appSessionId(req)
        : context.signedId.read(req, this.#keys);
    const id = given === false ? undefined : given;
    this.#refused = given === false ? { reason: options.sessionId ? 'invalid-id' : 'bad-signature' } : undefined;
    this.#cookieId = id;
    req.sessionID = id;
    hookResponse(res, this);
  }

  /**
   * Loads the session named by the cookie, or generates one; `undefined` when the store is down
   * and `continue` is set. With `then`, the request goes on from here (`then()`, or `then(err)`
   * on a store error, which the returned promise then does not repeat).
   */
  load(then?: (err?: unknown) => void): Promise<Session | undefined> {
    const { req } = this;
    const { sealed } = this.context.backend;
    if (sealed) return this.#loadSealed(sealed, then);
    const id = this.#cookieId;
    if (this.#refused) this.#reject(this.#refused);
    if (!id) {
      const session = this.#start();
      // Later, as with a stored session: the caller has the returned promise before the request goes on.
      if (then) queueMicrotask(() => then());
      return Promise.resolve(session);
    }
    const { onReject } = this.context.options;
    const heard = onReject ? (event: SessionRejectEvent) => onReject(event, req) : undefined;
    return this.context.backend.load(id, req, heard).then(
      (loaded) => {
        let session: Session;
        try {
          session = loaded ? this.#inflateOrStart(id, loaded, heard) : this.#start();
        } catch (err) {
          return this.#loadFailed(err, then);
        }
        then?.();
        return session;
      },
      (err: unknown) => this.#loadFailed(err, then),
    );
  }

  /** `load` for a cookie that carries the session itself: the id comes out of the cookie. */
  #loadSealed(sealed: SealedCookie<unknown>, then?: (err?: unknown) => void): Promise<Session | undefined> {
    const { req } = this;
    if (!this.#sealedSent) {
      const session = this.#start();
      if (then) queueMicrotask(() => then());
      return Promise.resolve(session);
    }
    const { onReject } = this.context.options;
    const heard = onReject ? (event: SessionRejectEvent) => onReject(event, req) : undefined;
    return sealed.open(req, heard).then(
      (loaded) => {
        let session: Session;
        try {
          if (loaded) {
            this.#cookieId = loaded.id;
            req.sessionID = loaded.id;
          }
          session = loaded ? this.#inflateOrStart(loaded.id, loaded, heard) : this.#start();
        } catch (err) {
          return this.#loadFailed(err, then);
        }
        then?.();
        return session;
      },
      (err: unknown) => this.#loadFailed(err, then),
    );
  }

  /**
   * A load that failed (the store, or making the session): the request goes on without a session
   * (`continue`), or to the app's error handling (`then(err)`), or the promise rejects for the
   * caller (lazy mode, whose `req.loadSession()` the app awaits). Never a rejection nobody holds.
   */
  #loadFailed(err: unknown, then: ((err?: unknown) => void) | undefined): undefined {
    if (this.context.options.continueWithout) {
      this.req.sessionID = undefined;
      then?.();
      return undefined;
    }
    if (!then) throw err;
    then(err);
    return undefined;
  }

  /**
   * `req.session` from the stored data; data that cannot make a session (the decoder's bounds
   * keep out what would overflow the stack, a foreign store keeps no such bounds) is a corrupt
   * record: a fresh session instead, as the core does for records it cannot decode.
   */
  #inflateOrStart(
    id: string,
    loaded: LoadedSession<unknown>,
    heard: ((event: SessionRejectEvent) => void) | undefined,
  ): Session {
    try {
      return this.#inflate(loaded.data, loaded.handle);
    } catch (err) {
      heard?.({ reason: 'corrupt', id, detail: `cannot make a session of it: ${(err as Error)?.message ?? err}` });
      return this.#start();
    }
  }

  /** Sets the cookie when the rules say so; runs as the response headers are written. */
  writeHeaders(res: ServerResponse): void {
    const { req } = this;
    const { options, backend } = this.context;
    if (!this.#active || options.sessionId) return;
    if (backend.sealed) {
      this.#writeSealedCookie(res, backend.sealed);
      return;
    }
    const s = req.session;
    const id = req.sessionID;
    if (!s || typeof id !== 'string' || !this.#shouldSetCookie(s, id)) return;
    if (s.cookie.secure && !isSecure(req, options.trustProxy)) return;
    this.#touchOnce(s);
    alignDate(res, s.cookie);
    const signed = this.context.signedId.sign(id, this.#keys);
    appendSetCookie(res, s.cookie.serialize(options.name, signed));
  }

  /**
   * Cookie-only sessions: the cookie goes out whenever the backend sealed the session in this
   * request (a save, a touch; `rolling` touches every time), and is cleared once destroyed.
   */
  #writeSealedCookie(res: ServerResponse, sealed: SealedCookie<unknown>): void {
    const { req } = this;
    const { options } = this.context;
    const value = sealed.value(this.#handle);
    if (value === undefined) return;
    const s = req.session;
    if (value === '' || !s) {
      if (!this.#sealedSent) return;
      const cookie = new Cookie({ ...options.cookieFor(req), maxAge: null, expires: new Date(0) });
      if (cookie.secure === 'auto') cookie.secure = isSecure(req, options.trustProxy);
      if (cookie.sameSite === 'auto') cookie.sameSite = cookie.secure ? 'none' : 'lax';
      appendSetCookie(res, cookie.serialize(options.name, ''));
      return;
    }
    if (s.cookie.secure && !isSecure(req, options.trustProxy)) return;
    this.#touchOnce(s);
    alignDate(res, s.cookie);
    appendSetCookie(res, s.cookie.serialize(options.name, value));
  }

  writeHeadersFailed(err: unknown): void {
    setImmediate(this.next, err);
  }

  /**
   * The end-of-request store write (destroy, save or touch), or `undefined` for none. A write
   * that fails sends no cookie: the response goes out without the session it could not keep.
   */
  commit(): Promise<void> | undefined {
    let writing: Promise<void> | undefined;
    try {
      writing = this.#write();
    } catch (err) {
      // As for a failed write; the error answer's headers must not run into the same error again.
      this.#active = false;
      throw err;
    }
    return writing?.catch((err: unknown) => {
      this.#active = false;
      throw err;
    });
  }

  #write(): Promise<void> | undefined {
    if (!this.#active) return undefined;
    const { req } = this;
    const { backend, options } = this.context;
    const s = req.session;
    const id = req.sessionID;
    if (id && options.unsetDestroy && s == null) return backend.destroy(id, this.#handle);
    if (!s) return undefined;
    this.#touchOnce(s);
    if (typeof id !== 'string') return undefined;
    const print = sessionPrint(s);
    this.#endPrint = print;
    if (this.#shouldSave(s, id, print)) return this.#save(s, print);
    if (this.#cookieId === id) return backend.touch(s, this.#handle);
    return undefined;
  }

  commitFailed(err: unknown): boolean {
    // `storeUnavailable: 'continue'`: the response goes out as it was, without the session's cookie.
    if (this.context.options.continueWithout) return false;
    setImmediate(this.next, err);
    return true;
  }

  save(s: Session): Promise<void> {
    return this.#save(s, sessionPrint(s));
  }

  async reload(s: Session): Promise<void> {
    const loaded = await this.context.backend.reload(s.id, this.#handle);
    if (!loaded) throw new Error('failed to load session');
    this.#handle = loaded.handle;
    this.#storedPrint = sessionPrint(inflateSession(this.req, loaded.data));
  }

  async destroy(s: Session): Promise<void> {
    delete this.req.session;
    await this.context.backend.destroy(s.id, this.#handle);
  }

  /**
   * With `keepData`, the data (and the cookie, with its lifetime) move to the new session, unless
   * the stored session was gone by then: a session destroyed elsewhere stays destroyed. The
   * session keeps its creation time then, so `maxLifetime` keeps counting from it: a session
   * that regenerates on every login must not live for ever.
   */
  async regenerate(s: Session, { keepData }: RegenerateOptions): Promise<void> {
    const { req, context } = this;
    const kept = keepData ? { ...s } : undefined;
    const created = keepData ? context.backend.times(this.#handle).created : undefined;
    const stillStored = await context.backend.regenerate(req, this.#handle, () => context.generate(req));
    this.#handle = context.backend.fresh(req.sessionID ?? '', stillStored ? created : undefined);
    this.#storedPrint = EMPTY_PRINT;
    this.#isNew = true;
    if (kept && stillStored && req.session) Object.assign(req.session, kept);
  }

  invalidate(s: Session): Promise<void> {
    return this.regenerate(s, {});
  }

  async revert(s: Session): Promise<void> {
    if (!this.#isNew) return this.reload(s);
    for (const key of Object.keys(s)) if (key !== 'cookie') delete s[key];
  }

  isNew(): boolean {
    return this.#isNew;
  }

  created(): Date | undefined {
    return this.context.backend.times(this.#handle).created;
  }

  lastAccessed(): Date | undefined {
    return this.context.backend.times(this.#handle).lastAccessed;
  }

  #reject(event: SessionRejectEvent): void {
    this.context.options.onReject?.(event, this.req);
  }

  async #save(s: Session, print: SessionPrint): Promise<void> {
    this.#savedPrint = print;
    const saving = this.context.backend.save(s, this.#handle, print, this.#storedPrint);
    this.#storedPrint = print;
    this.#handle = await saving;
    this.#isNew = false;
  }

  #start(): Session {
    const { req, context } = this;
    const s = context.generate(req);
    setController(s, this);
    this.#handle = context.backend.fresh(s.id);
    this.#isNew = true;
    this.#originalId = s.id;
    this.#loadedPrint = sessionPrint(s);
    this.#active = true;
    return s;
  }

  #inflate(data: SessionData, handle: unknown): Session {
    const { req, context } = this;
    this.#handle = handle;
    // A record written without a cookie (by Vessel's own API) gets the configured one.
    if (typeof data.cookie !== 'object' || data.cookie === null)
      data.cookie = new Cookie(context.options.cookieFor(req));
    // Not `store.createSession`: stores built on express-session's Store would make its Session objects.
    const s = inflateSession(req, data);
    setController(s, this);
    this.#originalId = this.#cookieId;
    const print = sessionPrint(s);
    this.#loadedPrint = print;
    this.#storedPrint = print;
    if (!context.options.resave) this.#savedPrint = print;
    this.#active = true;
    return s;
  }

  /** The print of the data now: the one `commit` took when the headers go out during the same `end()`. */
  #printNow(s: Session): SessionPrint {
    return this.#endPrint ?? sessionPrint(s);
  }

  #isModified(s: Session, print: SessionPrint): boolean {
    return this.#originalId !== s.id || !samePrint(this.#loadedPrint, print);
  }

  #isSaved(s: Session, print: SessionPrint): boolean {
    return this.#originalId === s.id && this.#savedPrint !== undefined && samePrint(this.#savedPrint, print);
  }

  #shouldSave(s: Session, id: string, print: SessionPrint): boolean {
    return !this.context.options.saveUninitialized && this.#savedPrint === undefined && this.#cookieId !== id
      ? this.#isModified(s, print)
      : !this.#isSaved(s, print);
  }

  #shouldSetCookie(s: Session, id: string): boolean {
    const { options } = this.context;
    return this.#cookieId !== id
      ? options.saveUninitialized || this.#isModified(s, this.#printNow(s))
      : options.rolling || (s.cookie.expires != null && this.#isModified(s, this.#printNow(s)));
  }

  #touchOnce(s: Session): void {
    if (!this.#touched) {
      s.touch();
      this.#touched = true;
    }
  }
}
