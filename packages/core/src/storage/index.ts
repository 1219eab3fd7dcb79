// The config loader reads sqlite: URLs as the SQLite backend does.
export { parseSqliteUrl, type SqliteTarget } from './backends/sqlite-url.js';
// The stored encoding, for the session layer (`@internal` in their TSDoc: not part of Vessel's
// public API, which re-exports this module whole).
export { encodeValue, MAX_DECODED_DEPTH, MAX_STORED_DEPTH, setOwn } from './encoding/codec.js';
export { deserializeRecord, MAX_RECORD_LENGTH, serializeRecord } from './encoding/record.js';
export { encodeOntoBase } from './encoding/splice.js';
export {
  type OwnStorageFields,
  ownStorageInput,
  sessionStorageInput,
  sharedStorageInput,
} from './from-config.js';
export { MAX_KEY_LENGTH } from './keys.js';
export { maskUrl } from './mask-url.js';
export { resolveStorageOptions, STORAGE_TYPES, type StorageInput, storagePath } from './resolve-options.js';
export { createStorage } from './storage.js';
export type * from './types.js';
