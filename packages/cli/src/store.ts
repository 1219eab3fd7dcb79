import { stat } from 'node:fs/promises';
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
  storagePath,
  VesselError,
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
 * The store `session-inspect` was pointed at does not exist: exit code 1. It never creates an
 * empty store, so a typo in `--cache-dir` is not reported as "0 sessions".
 */
export class StoreNotFoundError extends VesselError {
  /** The missing database file (sqlite) or folder (file), absolute. */
  readonly path: string;

  constructor(message: string, path: string) {
    super('VESSEL_STORE_NOT_FOUND', message);
    this.path = path;
  }
}

/** Where the flags and the config put the store, before anything is opened. */
interface FoundStore {
  readonly config: LoadedVesselConfig;
  readonly input: StorageInput;
  /** What named the store (`--url`, `--cache-dir`, the config file); `undefined`: the default `./data`. */
  readonly namedBy: string | undefined;
}

/**
 * Where the store is, the way the application finds it: `--config FILE`, else `vessel.ini` /
 * `vessel.config.json` in the working folder, else SQLite under `./data`. The store is the one
 * `createVessel` gives sessions (core's `sessionStorageInput`, else `sharedStorageInput`);
 * `--url`/`--type`/`--cache-dir` name another store instead, keeping the config's prefix, timeout
 * and PostgreSQL schema; `--prefix`/`--schema` override those.
 */
async function findStore(flags: StoreFlags): Promise<FoundStore> {
  const config = await loadConfig(flags.config);
  const fromFlags = Boolean(flags.url || flags.type || flags.cacheDir);
  const shared = sharedStorageInput(config);
  const configured = fromFlags
    ? { ...shared, cluster: undefined, type: flags.type, url: flags.url, cacheDir: flags.cacheDir }
    : (sessionStorageInput(config) ?? shared);
  const folderless = configured.type !== undefined && configured.type !== 'sqlite' && configured.type !== 'file';
  const namesStore = configured.url || configured.cluster || folderless;
  const defaulted = configured.cacheDir === undefined && !namesStore;
  const input: StorageInput = {
    ...configured,
    // With no store named anywhere, the app's default folder (an app's in-memory store is invisible anyway).
    cacheDir: defaulted ? './data' : configured.cacheDir,
    prefix: flags.prefix ?? configured.prefix,
    schema: flags.schema ?? configured.schema,
  };
  const namedBy = defaulted
    ? undefined
    : flags.url
      ? '--url'
      : flags.cacheDir
        ? '--cache-dir'
        : (config.configFile ?? 'the config');
  return { config, input, namedBy };
}

/** Whether `file` is there; any error but "no such file" is left for the backend to report. */
async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Opens the store `found` names. A sqlite database file or a file-backend folder that does not
 * exist is a `StoreNotFoundError` instead: opening would create an empty store.
 */
async function openFound({ config, input, namedBy }: FoundStore): Promise<OpenedStore> {
  const where = storagePath(input);
  if (where !== undefined && !(await exists(where))) {
    throw namedBy === undefined
      ? new StoreNotFoundError(
          `no Vessel store found in ${process.cwd()}; pass --cache-dir or --url, or run inside your app's folder`,
          where,
        )
      : new StoreNotFoundError(`no Vessel store at ${where} (check ${namedBy})`, where);
  }
  return { storage: createStorage(input), config };
}

/**
 * Opens the application's store, found as the application finds it (`--config`, `vessel.ini`,
 * `vessel.config.json`, else `./data`; flags override). A SQLite file or file-backend folder that
 * does not exist is a `StoreNotFoundError` (exit code 1): `session-inspect` never creates a store.
 */
export async function openStore(flags: StoreFlags): Promise<OpenedStore> {
  return openFound(await findStore(flags));
}

/**
 * `openStore`, refusing stores whose sessions cannot be seen from outside the application:
 * the in-process memory backend and cookie-only sessions (exit code 2, said plainly).
 */
export async function openSessionStore(flags: StoreFlags): Promise<SessionStore> {
  const found = await findStore(flags);
  const { config } = found;
  if (config.session.type === 'cookie' && !flags.url && !flags.type && !flags.cacheDir) {
    throw new UsageError(
      `${config.configFile ?? 'the config'} sets session.type = cookie: sessions live in the browsers' cookies, encrypted, and no store holds them`,
    );
  }
  const opened = await openFound(found);
  const { storage } = opened;
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
