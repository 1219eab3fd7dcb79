/**
 * @vessel/core — configuration, the storage layer, sessions and caching on one `cacheDir`.
 * @packageDocumentation
 */
export * from './cache/index.js';
export * from './config/index.js';
export * from './errors.js';
export * from './session/index.js';
// Storage's public names only: it also exports the stored encoding for the session layer (@internal).
export {
  createStorage,
  MAX_DECODED_DEPTH,
  MAX_KEY_LENGTH,
  MAX_RECORD_LENGTH,
  MAX_STORED_DEPTH,
  maskUrl,
  type OwnStorageFields,
  ownStorageInput,
  resolveStorageOptions,
  STORAGE_TYPES,
  type StorageInput,
  sessionStorageInput,
  sharedStorageInput,
  storagePath,
} from './storage/index.js';
export type * from './storage/types.js';
export { createVessel, type Vessel, type VesselOptions, type VesselSessionExtras } from './vessel.js';
