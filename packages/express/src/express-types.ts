/**
 * What the middleware adds to Express's `Request` (type-only: Express is a peer dependency).
 */
import type { CacheManager } from '@vessel/core';
import type {} from 'express-serve-static-core';
import type { Session } from './session-object.js';
import type { SessionStore } from './store.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The session (`session()`); undefined outside the cookie path, or before `loadSession()` in lazy mode. */
    session?: Session;
    /** The session id: from the cookie, or of the new session. */
    sessionID?: string;
    /** The store sessions live in. */
    sessionStore?: SessionStore;
    /** Lazy mode: loads the session on first call (later calls share the result). */
    loadSession?: () => Promise<Session | undefined>;
    /** The cache manager (`cache()`). */
    cache?: CacheManager;
  }
}
