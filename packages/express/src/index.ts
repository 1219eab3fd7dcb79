/**
 * @vessel/express — Express middleware over Vessel's sessions and caches.
 *
 * The middleware (`session()`, a drop-in for express-session, `VesselStore` and `cache()`)
 * is built on `SessionManager` and `CacheManager`, which land first; until then this
 * package only re-exports the storage entry points so an app can share one storage.
 * @packageDocumentation
 */
export { createStorage, loadConfig } from '@vessel/core';
