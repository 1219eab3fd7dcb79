import type { IncomingMessage, ServerResponse } from 'node:http';
import { type SessionRejectEvent, signSessionId } from '@vessel/core';
import type { SessionBackend } from './backend.js';
import { sessionFingerprint } from './compare.js';
import { Cookie } from './cookie.js';
import type { ResolvedOptions } from './options.js';
import type { RegenerateOptions, Session, SessionController } from './session-object.js';
import { isSecure, type Secret } from './signature.js';
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

function appendSetCookie(res: ServerResponse, value: string): void {
  const previous = res.getHeader('Set-Cookie') ?? [];
  const list = Array.isArray(previous) ? [...previous, value] : [String(previous), value];
  res.setHeader('Set-Cookie', list);
}

/**
 * One request's session, with express-session's rules: loads or generates it, decides at the
 * end whether the store is written (saved or touched) and whether the cookie is sent, and
 * carries out `req.session`'s methods.
 */
export class RequestSession implements SessionController {
  /** The id the request's cookie (or the app, in no-cookie mode) named. */
  readonly #cookieId: string | undefined;
  #handle: unknown;
  #isNew = false;
  #originalId: string | undefined;
  #originalHash: string | undefined;
  #savedHash: string | undefined;
  #touched = false;
  /** Loaded (or generated): before that (lazy mode, a store outage) nothing is written or sent. */
  #active = false;

  constructor(
    private readonly req: Req,
    private readonly options: ResolvedOptions,
    private readonly backend: SessionBackend,
    private readonly generate: (req: Req) => void,
    private readonly keys: readonly Secret[],
    /** Why the cookie (or no-cookie id) the request brought cannot be used, if it brought one. */
    private readonly refused?: SessionRejectEvent,
  ) {
    this.#cookieId = req.sessionID;
  }

  /** Loads the session named by the cookie, or generates one; `undefined` when the store is down and `continue` is set. */
  async load(): Promise<Session | undefined> {
    const { req, backend } = this;
    const id = this.#cookieId;
    if (this.refused) this.#reject(this.refused);
    if (id) {
      let loaded: Awaited<ReturnType<SessionBackend['load']>>;
      try {
        loaded = await backend.load(id, req, (event) => this.#reject(event));
      } catch (err) {
        if (!this.options.continueWithout) throw err;
        req.sessionID = undefined;
        return undefined;
      }
      if (loaded) this.#inflate(loaded.data, loaded.handle);
      else this.#start();
    } else {
      this.#start();
    }
    this.#active = true;
    return req.session;
  }

  /** Sets the cookie when the rules say so; runs as the response headers are written. */
  writeCookie(res: ServerResponse): void {
    const { req, options } = this;
    const s = req.session;
    if (!this.#active || !s || options.sessionId || !this.#shouldSetCookie(s)) return;
    if (s.cookie.secure && !isSecure(req, options.trustProxy)) return;
    this.#touchOnce(s);
    const { expires, originalMaxAge } = s.cookie;
    // Expires is then exactly maxAge after the response's Date.
    if (expires instanceof Date && typeof originalMaxAge === 'number' && !res.hasHeader('Date') && res.sendDate) {
      res.setHeader('Date', new Date(expires.getTime() - originalMaxAge).toUTCString());
    }
    appendSetCookie(
      res,
      s.cookie.serialize(options.name, signSessionId(req.sessionID as string, this.keys[0] as Secret)),
    );
  }

  /**
   * The end-of-request store write (destroy, save or touch), or `undefined` for none. A write
   * that fails sends no cookie: the response goes out without the session it could not keep.
   */
  commit(): Promise<void> | undefined {
    return this.#write()?.catch((err: unknown) => {
      this.#active = false;
      throw err;
    });
  }

  #write(): Promise<void> | undefined {
    const { req, backend } = this;
    if (!this.#active) return undefined;
    if (req.sessionID && this.options.unsetDestroy && req.session == null) {
      return backend.destroy(req.sessionID, this.#handle);
    }
    const s = req.session;
    if (!s) return undefined;
    this.#touchOnce(s);
    if (this.#shouldSave()) return this.save(s);
    if (this.#shouldTouch()) return backend.touch(s, this.#handle);
    return undefined;
  }

  async save(s: Session): Promise<void> {
    this.#savedHash = sessionFingerprint(s);
    this.#handle = await this.backend.save(s, this.#handle);
    this.#isNew = false;
  }

  async reload(s: Session): Promise<void> {
    const loaded = await this.backend.reload(s.id, this.#handle);
    if (!loaded) throw new Error('failed to load session');
    this.#handle = loaded.handle;
    inflateSession(this.req, loaded.data);
  }

  async destroy(s: Session): Promise<void> {
    delete this.req.session;
    await this.backend.destroy(s.id, this.#handle);
  }

  /**
   * With `keepData`, the data (and the cookie, with its lifetime) move to the new session, unless
   * the stored session was gone by then: a session destroyed elsewhere stays destroyed.
   */
  async regenerate(s: Session, { keepData }: RegenerateOptions): Promise<void> {
    const { req, backend } = this;
    const kept = keepData ? { ...s } : undefined;
    const stillStored = await backend.regenerate(req, this.#handle, () => this.generate(req));
    this.#handle = backend.fresh(req.sessionID ?? '');
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
    return this.backend.times(this.#handle).created;
  }

  lastAccessed(): Date | undefined {
    return this.backend.times(this.#handle).lastAccessed;
  }

  #reject(event: SessionRejectEvent): void {
    this.options.onReject?.(event, this.req);
  }

  #start(): void {
    const { req } = this;
    this.generate(req);
    this.#handle = this.backend.fresh(req.sessionID ?? '');
    this.#isNew = true;
    this.#originalId = req.sessionID;
    this.#originalHash = sessionFingerprint(req.session as Session);
  }

  #inflate(data: SessionData, handle: unknown): void {
    const { req } = this;
    this.#handle = handle;
    // A record written without a cookie (by Vessel's own API) gets the configured one.
    if (typeof data.cookie !== 'object' || data.cookie === null) data.cookie = new Cookie(this.options.cookieFor(req));
    // Not `store.createSession`: stores built on express-session's Store would make its Session objects.
    const s = inflateSession(req, data);
    this.#originalId = req.sessionID;
    this.#originalHash = sessionFingerprint(s);
    if (!this.options.resave) this.#savedHash = this.#originalHash;
  }

  #isModified(s: Session): boolean {
    return this.#originalId !== s.id || this.#originalHash !== sessionFingerprint(s);
  }

  #isSaved(s: Session): boolean {
    return this.#originalId === s.id && this.#savedHash === sessionFingerprint(s);
  }

  #shouldSave(): boolean {
    const { req } = this;
    if (typeof req.sessionID !== 'string' || !req.session) return false;
    return !this.options.saveUninitialized && !this.#savedHash && this.#cookieId !== req.sessionID
      ? this.#isModified(req.session)
      : !this.#isSaved(req.session);
  }

  #shouldTouch(): boolean {
    const { req } = this;
    return typeof req.sessionID === 'string' && this.#cookieId === req.sessionID && !this.#shouldSave();
  }

  #shouldSetCookie(s: Session): boolean {
    const { req, options } = this;
    if (typeof req.sessionID !== 'string') return false;
    return this.#cookieId !== req.sessionID
      ? options.saveUninitialized || this.#isModified(s)
      : options.rolling || (s.cookie.expires != null && this.#isModified(s));
  }

  #touchOnce(s: Session): void {
    if (!this.#touched) {
      s.touch();
      this.#touched = true;
    }
  }
}
