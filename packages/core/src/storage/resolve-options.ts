import path from 'node:path';
import { ConfigError } from '../errors.js';
import { BACKENDS } from './backends/index.js';
import { DEFAULT_MAX_ENTRIES, DEFAULT_SWEEP_INTERVAL_MS } from './backends/memory.js';
import { sqliteFileOf } from './backends/sqlite.js';
import { sqliteUrlFile } from './backends/sqlite-url.js';
import { DEFAULT_COOL_DOWN_MS, DEFAULT_FAILURE_THRESHOLD, DEFAULT_MAX_IN_FLIGHT } from './breaker.js';
import { validatePrefix } from './keys.js';
import type { BreakerOptions, StorageOptions, StorageType } from './types.js';

/** The loose input `createStorage` accepts: a type, or a URL or folder the type follows from. */
export interface StorageInput {
  /** Backend; inferred from `url`'s scheme, else `sqlite` when `cacheDir` is set, else `memory`. */
  type?: StorageType | undefined;
  /** `redis://`, `rediss://`, `postgres://`, `postgresql://` or `sqlite:` URL (`sqlite:data/app.sqlite`, `sqlite:///abs/app.sqlite`). */
  url?: string | undefined;
  /** Folder for `sqlite` (`<cacheDir>/vessel.sqlite`) and `file` backends. */
  cacheDir?: string | undefined;
  /** Key prefix; default `vessel`. */
  prefix?: string | undefined;
  /** Redis cluster seed URLs. */
  cluster?: readonly string[] | undefined;
  /** PostgreSQL schema; default `public`. */
  schema?: string | undefined;
  /** PostgreSQL pool size; default 10. */
  poolSize?: number | undefined;
  /** Connect and per-operation timeout, ms; default 5000. */
  timeoutMs?: number | undefined;
  /** Circuit breaker settings, or `false` for none (see `BreakerOptions`). */
  breaker?: BreakerOptions | false | undefined;
  /** Memory: most entries kept; default 100000 (see `MemoryStorageOptions`). */
  maxEntries?: number | undefined;
  /** Memory: background sweep period, ms, 0 for none; default 60000. */
  sweepIntervalMs?: number | undefined;
  /**
   * The option that chose this storage, as the user spells it (`session.url`), named by
   * `Storage.ready()` when the storage is unusable. Default: `url`, `cluster` or `cacheDir`,
   * whichever is set (`url` for a server backend, `cacheDir` for a folder one).
   */
  option?: string | undefined;
}

/** Every backend type, in documentation order: the keys of the backend registry. */
export const STORAGE_TYPES: readonly StorageType[] = Object.keys(BACKENDS) as StorageType[];

const SCHEME_TYPES: Record<string, StorageType> = {
  'redis:': 'redis',
  'rediss:': 'redis',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'sqlite:': 'sqlite',
};

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:)/i.exec(url);
  if (!match?.[1])
    throw new ConfigError('url', `expected a URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}`);
  return match[1].toLowerCase();
}

function inferType(input: StorageInput): StorageType {
  if (input.url !== undefined) {
    const type = SCHEME_TYPES[schemeOf(input.url)];
    if (!type) {
      throw new ConfigError(
        'url',
        `unsupported scheme in ${JSON.stringify(input.url)}; expected one of ${Object.keys(SCHEME_TYPES).join(' ')}`,
      );
    }
    return type;
  }
  if (input.cluster !== undefined) return 'redis';
  return input.cacheDir === undefined ? 'memory' : 'sqlite';
}

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError(option, `expected a positive whole number, got ${JSON.stringify(value)}`);
  return value;
}

function wholeNumber(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(option, `expected a whole number >= 0, got ${JSON.stringify(value)}`);
  return value;
}

function resolveBreaker(breaker: BreakerOptions | false | undefined): Required<BreakerOptions> | false {
  if (breaker === false) return false;
  if (breaker !== undefined && (typeof breaker !== 'object' || breaker === null))
    throw new ConfigError('breaker', `expected an object or false, got ${JSON.stringify(breaker)}`);
  return {
    failureThreshold: positiveInteger('breaker.failureThreshold', breaker?.failureThreshold, DEFAULT_FAILURE_THRESHOLD),
    coolDownMs: positiveInteger('breaker.coolDownMs', breaker?.coolDownMs, DEFAULT_COOL_DOWN_MS),
    maxInFlight: positiveInteger('breaker.maxInFlight', breaker?.maxInFlight, DEFAULT_MAX_IN_FLIGHT),
  };
}

/** Validates `input` and turns it into the options of exactly one backend. */
export function resolveStorageOptions(input: StorageInput = {}): StorageOptions {
  const type = input.type ?? inferType(input);
  if (!STORAGE_TYPES.includes(type)) {
    throw new ConfigError('type', `expected one of ${STORAGE_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  if (input.url !== undefined && input.type !== undefined) {
    const urlType = SCHEME_TYPES[schemeOf(input.url)];
    if (urlType !== type) throw new ConfigError('url', `${JSON.stringify(input.url)} does not fit type "${type}"`);
  }
  const common = {
    prefix: validatePrefix(input.prefix ?? 'vessel'),
    timeoutMs: positiveInteger('timeoutMs', input.timeoutMs, 5000),
    breaker: resolveBreaker(input.breaker),
  };
  switch (type) {
    case 'memory':
      return {
        type,
        maxEntries:
          input.maxEntries === Infinity
            ? Infinity
            : positiveInteger('maxEntries', input.maxEntries, DEFAULT_MAX_ENTRIES),
        sweepIntervalMs: wholeNumber('sweepIntervalMs', input.sweepIntervalMs, DEFAULT_SWEEP_INTERVAL_MS),
        ...common,
      };
    case 'file':
      if (!input.cacheDir) throw new ConfigError('cacheDir', 'the file backend needs a folder (cacheDir)');
      return { type, cacheDir: input.cacheDir, ...common };
    case 'sqlite':
      if (!input.cacheDir && !input.url)
        throw new ConfigError('cacheDir', 'the sqlite backend needs a folder (cacheDir) or a sqlite: url');
      if (input.url) sqliteUrlFile(input.url);
      return { type, cacheDir: input.cacheDir, url: input.url, ...common };
    case 'redis':
      if (input.cluster !== undefined && input.cluster.length === 0) {
        throw new ConfigError('cluster', 'expected at least one redis:// seed URL');
      }
      return { type, url: input.url ?? 'redis://127.0.0.1:6379', cluster: input.cluster, ...common };
    case 'postgres':
      if (!input.url) throw new ConfigError('url', 'the postgres backend needs a postgres:// url');
      return {
        type,
        url: input.url,
        schema: input.schema ?? 'public',
        poolSize: positiveInteger('poolSize', input.poolSize, 10),
        ...common,
      };
  }
}

/**
 * The absolute path a `sqlite` storage (its database file) or a `file` storage (its folder) opens
 * for `input`, relative paths taken from the working directory; `undefined` for redis, postgres
 * and memory, which have none. Opening creates what is missing; this only says where. Throws the
 * `ConfigError` `createStorage` would.
 */
export function storagePath(input: StorageInput = {}): string | undefined {
  const options = resolveStorageOptions(input);
  if (options.type === 'sqlite') return sqliteFileOf(options);
  if (options.type === 'file') return path.resolve(options.cacheDir);
  return undefined;
}
