import { type SessionData, type SessionStore, Store } from './store.js';

type Callback = (err?: unknown) => void;

/** A store in this process's memory, as express-session's: for development and tests, not production. */
export interface MemoryStore extends SessionStore {
  /** Stored sessions as JSON text, by id. */
  sessions: Record<string, string>;
}

/** `MemoryStore`'s constructor (old style: `MemoryStore.call(this)` works too). */
export interface MemoryStoreConstructor {
  new (): MemoryStore;
  (this: unknown): void;
  readonly prototype: MemoryStore;
}

/**
 * express-session's MemoryStore: sessions as JSON text in a plain object, expired ones dropped
 * when read. Callbacks run on a later turn (`setImmediate`).
 */
export const MemoryStore = function MemoryStore(this: MemoryStore) {
  Store.call(this);
  this.sessions = Object.create(null) as Record<string, string>;
} as unknown as MemoryStoreConstructor;
Object.setPrototypeOf(MemoryStore.prototype, Store.prototype);
Object.setPrototypeOf(MemoryStore, Store);

function readSession(store: MemoryStore, sid: string): SessionData | undefined {
  const text = store.sessions[sid];
  if (!text) return undefined;
  const session = JSON.parse(text) as SessionData;
  const cookie = session.cookie as { expires?: string | Date | null } | undefined;
  if (cookie) {
    const expires = typeof cookie.expires === 'string' ? new Date(cookie.expires) : cookie.expires;
    if (expires && expires.valueOf() <= Date.now()) {
      delete store.sessions[sid];
      return undefined;
    }
  }
  return session;
}

const later = (callback: ((...args: never[]) => void) | undefined, ...args: unknown[]) => {
  if (callback) setImmediate(callback as (...args: unknown[]) => void, ...args);
};

Object.assign(MemoryStore.prototype, {
  all(this: MemoryStore, callback: (err: unknown, sessions?: Record<string, SessionData>) => void) {
    const sessions = Object.create(null) as Record<string, SessionData>;
    for (const sid of Object.keys(this.sessions)) {
      const session = readSession(this, sid);
      if (session) sessions[sid] = session;
    }
    later(callback, null, sessions);
  },
  clear(this: MemoryStore, callback?: Callback) {
    this.sessions = Object.create(null) as Record<string, string>;
    later(callback);
  },
  destroy(this: MemoryStore, sid: string, callback?: Callback) {
    delete this.sessions[sid];
    later(callback);
  },
  get(this: MemoryStore, sid: string, callback: (err: unknown, session?: SessionData) => void) {
    later(callback, null, readSession(this, sid));
  },
  set(this: MemoryStore, sid: string, session: SessionData, callback?: Callback) {
    this.sessions[sid] = JSON.stringify(session);
    later(callback);
  },
  length(this: MemoryStore, callback: (err: unknown, length?: number) => void) {
    this.all?.((err, sessions) => {
      if (err) return callback(err);
      callback(null, Object.keys(sessions ?? {}).length);
    });
  },
  touch(this: MemoryStore, sid: string, session: SessionData, callback?: Callback) {
    const current = readSession(this, sid);
    if (current) {
      current.cookie = session.cookie;
      this.sessions[sid] = JSON.stringify(current);
    }
    later(callback);
  },
});
