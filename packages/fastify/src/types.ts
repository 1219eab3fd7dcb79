import type { CacheManager, SessionManager } from '@vessel/core';
import type { FastifySessionMethods } from './session/session-object.js';

declare module 'fastify' {
  /**
   * The type of `request.session`: @fastify/session's methods, plus the data keys an app
   * declares, as with @fastify/session (same interface name, so existing declarations carry over):
   *
   * @example
   * declare module 'fastify' {
   *   interface Session { user?: string; views?: number }
   * }
   */
  interface Session extends FastifySessionMethods {}

  interface FastifyRequest {
    /**
     * This request's session (`fastifySession`). Eager (the default): loaded before the first
     * hook after `onRequest`. Lazy: throws until `await request.loadSession()`.
     */
    readonly session: Session;
    /**
     * Loads this request's session once (later calls share it) and resolves to
     * `request.session`. Rejects with a `StorageUnavailableError` (status 503) while the storage
     * is down. Needed in lazy mode; harmless in eager mode.
     */
    loadSession(): Promise<Session>;
    /**
     * The `SessionManager` the plugin runs on, in place of @fastify/session's store:
     * `get(id)`, `revoke(id)` ("log out everywhere"), `on('reject', …)`.
     */
    readonly sessionStore: SessionManager;
    /** The vessel's cache manager (`fastifyCache`): `request.cache.getCache('name')`, regions, `cacheRegion`. */
    readonly cache: CacheManager;
  }
}
