export { MAX_KEY_LENGTH } from './keys.js';
export { maskUrl } from './mask-url.js';
export { resolveStorageOptions, STORAGE_TYPES, type StorageInput } from './resolve-options.js';
export { createStorage } from './storage.js';
export type * from './types.js';
