import { EventEmitter } from 'node:events';
import { inherits } from 'node:util';
import { type Cookie, type CookieData, reviveCookie } from './cookie.js';
import { type Callback, Session, type SessionRequest } from './session-object.js';

/** A session as stores keep it: the data plus `cookie` (a `Cookie`, or its JSON once stored). */
export interface SessionData {
  cookie: Cookie | CookieData | Record<string, unknown>;
  [key: string]: unknown;
}

/** Called back with a stored session, or nothing when there is none. */
export type GetCallback = (err: unknown, session?: SessionData | null) => void;

/**
 * The express-session Store contract: `get`, `set` and `destroy` are required; `touch`, `all`,
 * `length` and `clear` are optional. Callbacks may be called synchronously or later.
 */
export interface SessionStore extends EventEmitter {
  get(sid: string, callback: GetCallback): void;
  set(sid: string, session: SessionData, callback?: Callback): void;
  destroy(sid: string, callback?: Callback): void;
  touch?(sid: string, session: SessionData, callback?: Callback): void;
  all?(callback: (err: unknown, sessions?: Record<string, SessionData> | SessionData[] | null) => void): void;
  length?(callback: (err: unknown, length?: number) => void): void;
  clear?(callback?: Callback): void;
  /** Destroys the request's session and generates a new one in its place. */
  regenerate(req: SessionRequest, callback: Callback): void;
  /** Loads `sid` as a `Session`. */
  load(sid: string, callback: (err: unknown, session?: Session) => void): void;
  /** Turns stored data into `req.session`. */
  createSession(req: SessionRequest, session: SessionData): Session;
  /** Set by the session middleware: makes a fresh session on `req`. */
  generate?: (req: SessionRequest) => void;
}

/** `Store`'s constructor: callable as `Store.call(this)` from an old-style subclass, or with `new`/`extends`. */
export interface StoreConstructor {
  new (): SessionStore;
  (this: unknown): void;
  readonly prototype: SessionStore;
}

/**
 * The base class of session stores: an EventEmitter (stores emit `disconnect` and `connect`)
 * with `regenerate`, `load` and `createSession` built on the store's own `get`/`destroy`.
 */
export const Store = function Store(this: EventEmitter) {
  EventEmitter.call(this);
} as unknown as StoreConstructor;
inherits(Store, EventEmitter);

Store.prototype.regenerate = function regenerate(this: SessionStore, req: SessionRequest, callback: Callback) {
  this.destroy(req.sessionID ?? '', (err) => {
    try {
      this.generate?.(req);
    } catch (error) {
      // To the callback (an app's `genid` that throws): thrown here, it would escape into the store.
      return callback(error);
    }
    callback(err);
  });
};

Store.prototype.load = function load(this: SessionStore, sid, callback) {
  this.get(sid, (err, stored) => {
    if (err) return callback(err);
    if (!stored) return callback(undefined);
    const req = { sessionID: sid, sessionStore: this } as SessionRequest;
    let session: Session;
    try {
      session = this.createSession(req, stored);
    } catch (error) {
      // To the callback: thrown here, it would escape into the store (a rejection nobody holds).
      return callback(error);
    }
    callback(undefined, session);
  });
};

/**
 * Makes `req.session` from stored data, as express-session does: the cookie revived in place
 * (`expires` back to a Date, `originalMaxAge` kept), the rest copied on as data.
 */
export function inflateSession(req: SessionRequest, stored: SessionData): Session {
  stored.cookie = reviveCookie((stored.cookie ?? {}) as Record<string, unknown>);
  const session = new Session(req, stored);
  req.session = session;
  return session;
}

Store.prototype.createSession = inflateSession;
