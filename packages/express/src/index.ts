/**
 * @vessel/express — Express middleware over Vessel's sessions and caches: `session()`, a
 * drop-in for express-session (`compat/`) over Vessel's storage or a sealed cookie
 * (`bridge/`); `VesselStore` for apps that keep express-session; `cache()` and
 * `cacheResponse()` over the cache manager (`cache/`).
 * @packageDocumentation
 */
import './express-types.js';
import { secretFromEnv } from '@vessel/core';
import { VesselStore } from './bridge/vessel-store.js';
import { cache, cacheResponse } from './cache/cache.js';
import { Cookie } from './compat/cookie.js';
import { MemoryStore } from './compat/memory-store.js';
import { Session } from './compat/session-object.js';
import { Store } from './compat/store.js';
import { session as createSessionMiddleware } from './session.js';

/** Core's `secretFromEnv`, here so that an Express app needs one import: `secret: secretFromEnv()`. */
export { secretFromEnv } from '@vessel/core';
export { type VesselStorageOptions, VesselStore, type VesselStoreOptions } from './bridge/vessel-store.js';
export { type CacheResponseOptions, cache, cacheResponse } from './cache/cache.js';
export { Cookie, type CookieData, type CookieOptions, type SameSiteOption } from './compat/cookie.js';
export { MemoryStore, type MemoryStoreConstructor } from './compat/memory-store.js';
export type { SessionMiddleware } from './compat/middleware.js';
export type { SessionLogger, SessionOptions } from './compat/options.js';
export { type Callback, type RegenerateOptions, Session, type SessionRequest } from './compat/session-object.js';
export type { Secret } from './compat/signature.js';
export { type GetCallback, type SessionData, type SessionStore, Store, type StoreConstructor } from './compat/store.js';

/**
 * `session()` with express-session's constructors as properties, as `require('express-session')`
 * gives them, and this package's other exports (`cache`, `cacheResponse`, `secretFromEnv`), so that CommonJS's
 * `require('@vessel/express')` — this function — reaches everything the ES module exports.
 */
export const session = Object.assign(createSessionMiddleware, {
  Store,
  MemoryStore,
  Cookie,
  Session,
  VesselStore,
  cache,
  cacheResponse,
  secretFromEnv,
});

export default session;
