import { createStorage, type LoadedVesselConfig, loadConfig, type Storage, type StorageType } from '@vessel/core';

/** Flags that say where the store is; each overrides the config file. */
export interface StoreFlags {
  config?: string | undefined;
  url?: string | undefined;
  type?: StorageType | undefined;
  cacheDir?: string | undefined;
  prefix?: string | undefined;
}

/** An opened store plus the config it came from. */
export interface OpenedStore {
  readonly storage: Storage;
  readonly config: LoadedVesselConfig;
}

/**
 * Finds the application's store the way the application does: `--config FILE`, else
 * `vessel.ini` / `vessel.config.json` in the working folder, else SQLite under `./data`.
 */
export async function openStore(flags: StoreFlags): Promise<OpenedStore> {
  const config = await loadConfig(flags.config);
  const url = flags.url ?? (flags.type || flags.cacheDir ? undefined : config.url);
  const type = flags.type ?? (flags.url ? undefined : config.type);
  const cacheDir = flags.cacheDir ?? config.cacheDir ?? (url || type ? undefined : './data');
  const storage = createStorage({
    type,
    url,
    cacheDir,
    cluster: flags.url ? undefined : config.cluster,
    prefix: flags.prefix ?? config.prefix,
    timeoutMs: config.timeoutMs,
    schema: config.schema,
    poolSize: config.poolSize,
  });
  return { storage, config };
}
