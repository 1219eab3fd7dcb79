export { MAX_DECODED_DEPTH, MAX_STORED_DEPTH } from './codec.js';
export {
  type OwnStorageFields,
  ownStorageInput,
  sessionStorageInput,
  sharedStorageInput,
} from './from-config.js';
export { MAX_KEY_LENGTH } from './keys.js';
export { maskUrl } from './mask-url.js';
export { MAX_RECORD_LENGTH } from './record.js';
export { resolveStorageOptions, STORAGE_TYPES, type StorageInput } from './resolve-options.js';
export { createStorage } from './storage.js';
export type * from './types.js';
