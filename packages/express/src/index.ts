/**
 * @vessel/express — Express middleware over Vessel's sessions and caches: `session()`, a
 * drop-in for express-session; `VesselStore` for apps that keep express-session; `cache()`
 * and `cacheResponse()` over the cache manager.
 * @packageDocumentation
 */
import './express-types.js';
import { Cookie } from './cookie.js';
import { MemoryStore } from './memory-store.js';
import { session as createSessionMiddleware } from './middleware.js';
import { Session } from './session-object.js';
import { Store } from './store.js';
import { VesselStore } from './vessel-store.js';

export { type CacheResponseOptions, cache, cacheResponse } from './cache.js';
export { Cookie, type CookieData, type CookieOptions, type SameSiteOption } from './cookie.js';
export { MemoryStore, type MemoryStoreConstructor } from './memory-store.js';
export type { SessionMiddleware } from './middleware.js';
export type { SessionOptions } from './options.js';
export { type Callback, type RegenerateOptions, Session, type SessionRequest } from './session-object.js';
export type { Secret } from './signature.js';
export { type GetCallback, type SessionData, type SessionStore, Store, type StoreConstructor } from './store.js';
export { type VesselStorageOptions, VesselStore, type VesselStoreOptions } from './vessel-store.js';

/** `session()` with express-session's constructors as properties, as `require('express-session')` gives them. */
export const session = Object.assign(createSessionMiddleware, { Store, MemoryStore, Cookie, Session, VesselStore });

export default session;
