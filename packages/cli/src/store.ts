import {
  createStorage,
  type LoadedVesselConfig,
  loadConfig,
  type Namespace,
  SESSION_NAMESPACE,
  SessionRecordSealer,
  type Storage,
  type StorageInput,
  type StorageType,
  sessionStorageInput,
  sharedStorageInput,
} from '@vessel/core';
import { UsageError } from './human.js';
import { type SessionFormat, sessionFormats } from './session-view.js';

/** Flags that say where the store is; each overrides the config file. */
export interface StoreFlags {
  config?: string | undefined;
  url?: string | undefined;
  type?: StorageType | undefined;
  cacheDir?: string | undefined;
  prefix?: string | undefined;
  /** PostgreSQL schema of Vessel's table. */
  schema?: string | undefined;
}

/** An opened store plus the config it came from. */
export interface OpenedStore {
  readonly storage: Storage;
  readonly config: LoadedVesselConfig;
}

/** An opened store whose sessions the CLI can read, and their namespace. */
export interface SessionStore extends OpenedStore {
  /** The `session` namespace: the only one any command reads or changes. */
  readonly sessions: Namespace;
  /** How its records are read: sealed ones opened with the config's `session.encrypt_key`. */
  readonly formats: readonly SessionFormat[];
}

/**
 * Finds the application's session store the way the application does: `--config FILE`, else
 * `vessel.ini` / `vessel.config.json` in the working folder, else SQLite under `./data`. The
 * store is the one `createVessel` gives sessions (core's `sessionStorageInput`, else
 * `sharedStorageInput`); `--url`/`--type`/`--cache-dir` name another store instead, keeping the
 * config's prefix, timeout and PostgreSQL schema; `--prefix`/`--schema` override those.
 */
export async function openStore(flags: StoreFlags): Promise<OpenedStore> {
  const config = await loadConfig(flags.config);
  const fromFlags = Boolean(flags.url || flags.type || flags.cacheDir);
  const shared = sharedStorageInput(config);
  const configured = fromFlags
    ? { ...shared, cluster: undefined, type: flags.type, url: flags.url, cacheDir: flags.cacheDir }
    : (sessionStorageInput(config) ?? shared);
  const folderless = configured.type !== undefined && configured.type !== 'sqlite' && configured.type !== 'file';
  const namesStore = configured.url || configured.cluster || folderless;
  const input: StorageInput = {
    ...configured,
    // With no store named anywhere, the app's default folder (an app's in-memory store is invisible anyway).
    cacheDir: configured.cacheDir ?? (namesStore ? undefined : './data'),
    prefix: flags.prefix ?? configured.prefix,
    schema: flags.schema ?? configured.schema,
  };
  return { storage: createStorage(input), config };
}

/**
 * `openStore`, refusing stores whose sessions cannot be seen from outside the application:
 * the in-process memory backend and cookie-only sessions (exit code 2, said plainly).
 */
export async function openSessionStore(flags: StoreFlags): Promise<SessionStore> {
  const opened = await openStore(flags);
  const { storage, config } = opened;
  if (config.session.type === 'cookie' && !flags.url && !flags.type && !flags.cacheDir) {
    await storage.close();
    throw new UsageError(
      `${config.configFile ?? 'the config'} sets session.type = cookie: sessions live in the browsers' cookies, encrypted, and no store holds them`,
    );
  }
  if (storage.type === 'memory') {
    await storage.close();
    throw new UsageError(
      'the memory backend lives inside one application process; there is nothing to inspect from outside (use sqlite, file, redis or postgres)',
    );
  }
  const { encryptKey, validateKey } = config.session;
  const sealer = encryptKey && new SessionRecordSealer({ keys: encryptKey, validateKey });
  return { ...opened, sessions: storage.namespace(SESSION_NAMESPACE), formats: sessionFormats(sealer) };
}
