/**
 * @vessel/core — configuration, the storage layer, sessions and caching on one `cacheDir`.
 * @packageDocumentation
 */
export * from './cache/index.js';
export * from './config/index.js';
export * from './errors.js';
export * from './session/index.js';
export * from './storage/index.js';
export { createVessel, type Vessel, type VesselOptions, type VesselSessionExtras } from './vessel.js';
