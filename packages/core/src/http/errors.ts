import { ConfigError, StorageUnavailableError } from '../errors.js';

/**
 * The HTTP status an adapter answers when loading or committing a session failed with `error`:
 * 503 while the storage is unavailable (never a fresh, logged-out session: that is the silent
 * logout Vessel refuses), 500 for anything else.
 */
export function sessionErrorStatus(error: unknown): 500 | 503 {
  return error instanceof StorageUnavailableError ? 503 : 500;
}

/** Whether `error` is the storage being unavailable: the request may be retried later. */
export function isStorageOutage(error: unknown): error is StorageUnavailableError {
  return error instanceof StorageUnavailableError;
}

/** Throws a `ConfigError` naming `option` when `value` is neither undefined nor a boolean. */
export function assertOptionalBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConfigError(option, `expected true or false, got ${typeof value}`);
  }
}
