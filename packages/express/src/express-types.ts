/**
 * What the middleware adds to Express's `Request` (type-only: Express is a peer dependency).
 */
import type { CacheManager } from '@vessel/core';
import type {} from 'express-serve-static-core';
import type { Session } from './compat/session-object.js';
import type { SessionStore } from './compat/store.js';

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * The session (`session()`). Declared present, as express-session's types do; it is
     * undefined outside the cookie's path, while a store is disconnected, or before
     * `loadSession()` in lazy mode.
     */
    session: Session;
    /** The session id: from the cookie, or of the new session. */
    sessionID: string;
    /** The store sessions live in. */
    sessionStore: SessionStore;
    /**
     * The session, loaded on the first call in lazy mode (later calls share the result); without
     * lazy mode, the already loaded one. `undefined` when the storage is down and `storeUnavailable` is `continue`.
     */
    loadSession(): Promise<Session | undefined>;
    /** The cache manager (`cache()`). */
    cache?: CacheManager;
  }
}
