import type { IncomingMessage } from 'node:http';
import type { Cookie } from './cookie.js';
import type { SessionStore } from './store.js';

/** A Node-style callback, as express-session's methods take them. */
export type Callback = (err?: unknown) => void;

/** Options of Vessel's `regenerate`. */
export interface RegenerateOptions {
  /** Carry the data over to the new id (the fixation defence that keeps the user's state). Default `false`. */
  keepData?: boolean;
}

/**
 * What the middleware does for a request's session; without one (a session made by
 * `store.load` outside a request) the methods behave as express-session's, through `sessionStore`.
 */
export interface SessionController {
  save(session: Session): Promise<void>;
  reload(session: Session): Promise<void>;
  destroy(session: Session): Promise<void>;
  regenerate(session: Session, options: RegenerateOptions): Promise<void>;
  invalidate(session: Session): Promise<void>;
  revert(session: Session): Promise<void>;
  isNew(session: Session): boolean;
  created(session: Session): Date | undefined;
  lastAccessed(session: Session): Date | undefined;
}

/** The request fields a session reaches through. */
export interface SessionRequest extends IncomingMessage {
  session?: Session | undefined;
  sessionID?: string | undefined;
  sessionStore?: SessionStore | undefined;
}

let controllerOf: (session: Session) => SessionController | undefined;
let attach: (session: Session, controller: SessionController) => void;

/**
 * Makes `controller` carry out `session`'s methods. Sessions made later for the same request
 * (`regenerate`, `store.createSession(req, …)`) inherit it from `req.session`. Kept in the
 * session, not the request: after Express sets a request's prototype, every property (or WeakMap
 * entry) added to it per request costs more than a field of an object of our own.
 */
export function setController(session: Session, controller: SessionController): void {
  attach(session, controller);
}

/** Runs `work`: with a callback, reports to it and returns `self`; without, returns the promise. */
function settle<Self>(self: Self, work: Promise<void>, callback: Callback | undefined): Self | Promise<void> {
  if (typeof callback === 'function') {
    work.then(
      () => callback(),
      (err: unknown) => callback(err),
    );
    return self;
  }
  // Handled here too, so a fire-and-forget call that fails cannot crash the process.
  work.catch(() => {});
  return work;
}

function storeCall(run: (done: Callback) => void): Promise<void> {
  return new Promise((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
}

/** Vessel's own members: data of the same name shadows them, as data always wins in a session. */
const VESSEL_MEMBERS = new Set(['isNew', 'created', 'lastAccessed', 'invalidate', 'revert']);

function shadow(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `req.session`: the data as own enumerable properties; `id`, `cookie` and the methods are not
 * enumerable, so `JSON.stringify(req.session)` is the data plus `cookie`. Methods take a callback
 * (express-session style, returning the session) or, without one, return a promise.
 */
export class Session {
  readonly #req: SessionRequest;
  readonly #id: string;
  #controller: SessionController | undefined;

  static {
    controllerOf = (session) => session.#controller;
    attach = (session, controller) => {
      session.#controller = controller;
    };
  }
  declare cookie: Cookie;
  [key: string]: unknown;

  constructor(req: SessionRequest, data?: Record<string, unknown> | null) {
    this.#req = req;
    this.#id = req.sessionID as string;
    const current = req.session;
    this.#controller = current instanceof Session ? current.#controller : undefined;
    if (typeof data === 'object' && data !== null) {
      for (const key in data) {
        if (!(key in this)) this[key] = data[key];
        else if (VESSEL_MEMBERS.has(key)) shadow(this, key, data[key]);
      }
    }
  }

  /** The request this session belongs to (not enumerable, like `id`: JSON and spreads see the data only). */
  get req(): SessionRequest {
    return this.#req;
  }

  /** The session id (`req.sessionID` when the session was made). */
  get id(): string {
    return this.#id;
  }

  /** Restarts the cookie's `maxAge` (done for every response). */
  touch(): this {
    return this.resetMaxAge();
  }

  /** Sets `cookie.maxAge` back to `cookie.originalMaxAge`. */
  resetMaxAge(): this {
    this.cookie.maxAge = this.cookie.originalMaxAge;
    return this;
  }

  /** Saves the session now (it is saved at the end of the request anyway when it changed). */
  save(): Promise<void>;
  save(callback: Callback): this;
  save(callback?: Callback): this | Promise<void> {
    const controller = controllerOf(this);
    const work = controller
      ? controller.save(this)
      : storeCall((done) => this.req.sessionStore?.set(this.id, this, done));
    return settle(this, work, callback);
  }

  /** Reloads the data from the store, dropping this request's unsaved changes. */
  reload(): Promise<void>;
  reload(callback: Callback): this;
  reload(callback?: Callback): this | Promise<void> {
    const controller = controllerOf(this);
    const work = controller ? controller.reload(this) : reloadFromStore(this);
    return settle(this, work, callback);
  }

  /** Deletes the session from the store and unsets `req.session`. */
  destroy(): Promise<void>;
  destroy(callback: Callback): this;
  destroy(callback?: Callback): this | Promise<void> {
    const controller = controllerOf(this);
    let work: Promise<void>;
    if (controller) work = controller.destroy(this);
    else {
      delete this.req.session;
      work = storeCall((done) => this.req.sessionStore?.destroy(this.id, done));
    }
    return settle(this, work, callback);
  }

  /**
   * Replaces the session with a new one under a new id (call it at login against fixation).
   * `{ keepData: true }` (Vessel) carries the data over; `req.session` is a new object afterwards.
   */
  regenerate(): Promise<void>;
  regenerate(callback: Callback): this;
  regenerate(options: RegenerateOptions): Promise<void>;
  regenerate(options: RegenerateOptions, callback: Callback): this;
  regenerate(first?: Callback | RegenerateOptions, second?: Callback): this | Promise<void> {
    const callback = typeof first === 'function' ? first : second;
    const options = typeof first === 'object' && first !== null ? first : {};
    const controller = controllerOf(this);
    const work = controller
      ? controller.regenerate(this, options)
      : storeCall((done) => this.req.sessionStore?.regenerate(this.req, done));
    return settle(this, work, callback);
  }

  /** Vessel: deletes the stored session and continues with a fresh id and no data (logout). */
  invalidate(): Promise<void>;
  invalidate(callback: Callback): this;
  invalidate(callback?: Callback): this | Promise<void> {
    const controller = controllerOf(this);
    const work = controller
      ? controller.invalidate(this)
      : Promise.reject(new Error('invalidate() needs the session middleware'));
    return settle(this, work, callback);
  }

  /** Vessel: drops this request's unsaved changes (a new session goes back to empty). */
  revert(): Promise<void>;
  revert(callback: Callback): this;
  revert(callback?: Callback): this | Promise<void> {
    const controller = controllerOf(this);
    const work = controller ? controller.revert(this) : reloadFromStore(this);
    return settle(this, work, callback);
  }

  /** Vessel: true until the session has been stored. */
  get isNew(): boolean {
    return controllerOf(this)?.isNew(this) ?? false;
  }
  set isNew(value: unknown) {
    shadow(this, 'isNew', value);
  }

  /** Vessel: when the session was first stored; `undefined` where the store does not say. */
  get created(): Date | undefined {
    return controllerOf(this)?.created(this);
  }
  set created(value: unknown) {
    shadow(this, 'created', value);
  }

  /** Vessel: the last stored access; `undefined` where the store does not say. */
  get lastAccessed(): Date | undefined {
    return controllerOf(this)?.lastAccessed(this);
  }
  set lastAccessed(value: unknown) {
    shadow(this, 'lastAccessed', value);
  }
}

function reloadFromStore(session: Session): Promise<void> {
  const { req } = session;
  const store = req.sessionStore;
  return new Promise((resolve, reject) => {
    if (!store) return reject(new Error('no session store'));
    store.get(session.id, (err, stored) => {
      if (err) return reject(err);
      if (!stored) return reject(new Error('failed to load session'));
      store.createSession(req, stored);
      resolve();
    });
  });
}
