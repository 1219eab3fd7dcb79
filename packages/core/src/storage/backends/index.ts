/**
 * The set of storage backends: one entry per `StorageType`, each pointing at the backend's own
 * module (`backends/<name>.ts`, or a folder when it has several files), where its options type,
 * its capabilities and its driver are declared. Adding a backend is adding an entry here; the
 * compiler then asks for its `StorageType`, its options in `StorageOptions`, and its resolution
 * in `resolveStorageOptions`.
 */
import type { DriverFactory } from '../driver.js';
import type { StorageCapabilities, StorageOptions, StorageType } from '../types.js';
import { createFileDriver, FILE_CAPABILITIES } from './file/file.js';
import { createMemoryDriver, MEMORY_CAPABILITIES } from './memory.js';
import { createPostgresDriver, POSTGRES_CAPABILITIES } from './postgres.js';
import { createRedisDriver, REDIS_CAPABILITIES } from './redis.js';
import { createSqliteDriver, SQLITE_CAPABILITIES } from './sqlite.js';

/** The resolved options of the backend `Type`. */
export type BackendOptions<Type extends StorageType> = Extract<StorageOptions, { type: Type }>;

/** One backend as the registry declares it. */
export interface Backend<Options extends StorageOptions = StorageOptions> {
  /** What the backend does natively: the `capabilities` of every storage on it. */
  readonly capabilities: StorageCapabilities;
  /** Its driver, from options `resolveStorageOptions` resolved; nothing connects before first use. */
  readonly create: DriverFactory<Options>;
}

/**
 * Every backend Vessel ships, keyed by type, in documentation order: `STORAGE_TYPES`, and the
 * configuration's choices for `type`, list them in this order.
 */
export const BACKENDS: { readonly [Type in StorageType]: Backend<BackendOptions<Type>> } = {
  sqlite: { capabilities: SQLITE_CAPABILITIES, create: createSqliteDriver },
  file: { capabilities: FILE_CAPABILITIES, create: createFileDriver },
  redis: { capabilities: REDIS_CAPABILITIES, create: createRedisDriver },
  postgres: { capabilities: POSTGRES_CAPABILITIES, create: createPostgresDriver },
  memory: { capabilities: MEMORY_CAPABILITIES, create: createMemoryDriver },
};

/** The registry's entry for `type`, typed to take that backend's options. */
export function backendOf<Type extends StorageType>(type: Type): Backend<BackendOptions<Type>> {
  return BACKENDS[type];
}
