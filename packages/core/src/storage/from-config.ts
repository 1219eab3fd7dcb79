/**
 * The one place that decides which storage a configuration opens for what: the shared storage
 * (caches, and sessions by default), the sessions' own, and each cache region's own. A storage
 * of its own inherits what the shared one sets and it does not (prefix, timeout, breaker,
 * PostgreSQL schema and pool size, memory bounds, folder), so the app, its caches and
 * `session-inspect` agree.
 */
import type { ResolvedVesselConfig } from '../config/types.js';
import { resolveStorageOptions, type StorageInput } from './resolve-options.js';
import type { StorageType } from './types.js';

/** Where a part of the configuration puts its own storage (`session.*`, `cache.<region>.*`). */
export interface OwnStorageFields {
  readonly type?: StorageType | undefined;
  readonly url?: string | undefined;
  readonly cacheDir?: string | undefined;
}

/** The shared storage of `config`: its top-level `cacheDir`/`type`/`url`/`cluster` and their settings. */
export function sharedStorageInput(config: ResolvedVesselConfig): StorageInput {
  const { cacheDir, type, url, cluster, prefix, timeoutMs, schema, poolSize, breaker, maxEntries, sweepIntervalMs } =
    config;
  return { cacheDir, type, url, cluster, prefix, timeoutMs, schema, poolSize, breaker, maxEntries, sweepIntervalMs };
}

/**
 * A storage of its own for `own`, inheriting the settings of `shared`; `undefined` when `own`
 * names no storage. A `sqlite`/`file` one without a folder uses the shared `cacheDir`.
 */
export function ownStorageInput(own: OwnStorageFields, shared: StorageInput): StorageInput | undefined {
  if (own.type === undefined && own.url === undefined && own.cacheDir === undefined) return undefined;
  return {
    type: own.type,
    url: own.url,
    cacheDir: own.cacheDir ?? (own.url === undefined ? shared.cacheDir : undefined),
    prefix: shared.prefix,
    timeoutMs: shared.timeoutMs,
    schema: shared.schema,
    poolSize: shared.poolSize,
    breaker: shared.breaker,
    maxEntries: shared.maxEntries,
    sweepIntervalMs: shared.sweepIntervalMs,
  };
}

/**
 * The sessions' own storage (`session.url`, `session.cacheDir`, or a `session.type` other than
 * the shared storage's), or `undefined` when sessions use the shared storage. Cookie-only
 * sessions (`session.type = cookie`) name no storage.
 */
export function sessionStorageInput(config: ResolvedVesselConfig): StorageInput | undefined {
  const { type, url, cacheDir } = config.session;
  const storageType = type === 'cookie' ? undefined : type;
  const shared = sharedStorageInput(config);
  if (url === undefined && cacheDir === undefined) {
    if (storageType === undefined || storageType === resolveStorageOptions(shared).type) return undefined;
  }
  const own = ownStorageInput({ type: storageType, url, cacheDir }, shared);
  const option = url !== undefined ? 'session.url' : cacheDir !== undefined ? 'session.cacheDir' : undefined;
  return own && option ? { ...own, option } : own;
}
