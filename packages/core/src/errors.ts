/**
 * Error families thrown by Vessel. Each names the option, resource or key it is about,
 * so a message alone tells the user what to fix.
 */

/** Base class of every error Vessel throws on purpose; `code` is stable for programs. */
export class VesselError extends Error {
  /** Stable machine-readable code, e.g. `VESSEL_CONFIG`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value was missing, of the wrong type, or out of range. */
export class ConfigError extends VesselError {
  /** The option as the user spelled it (`session.timeout`, `cache.short_term.expire`). */
  readonly option: string;

  constructor(option: string, message: string, options?: ErrorOptions) {
    super('VESSEL_CONFIG', `${option}: ${message}`, options);
    this.option = option;
  }
}

/**
 * The storage backend could not be reached or did not answer in time. Never read this
 * as "no such entry": the data may well exist.
 */
export class StorageUnavailableError extends VesselError {
  /** Where the storage lives, with any password masked. */
  readonly location: string;
  /**
   * The HTTP status a server answers with: 503 Service Unavailable. Express's default error
   * handler (and http-errors-style handlers) read `status`, so an outage is a 503, not a 500.
   */
  readonly status = 503;

  constructor(location: string, reason: string, options?: ErrorOptions) {
    super('VESSEL_STORAGE_UNAVAILABLE', `cannot reach ${location}: ${reason}`, options);
    this.location = location;
  }
}

/** A stored entry exists but cannot be decoded (garbage bytes, foreign writer, truncation). */
export class CorruptEntryError extends VesselError {
  /** The entry's key inside its namespace. */
  readonly key: string;
  /** The namespace the entry belongs to. */
  readonly namespace: string;

  constructor(namespace: string, key: string, reason: string, options?: ErrorOptions) {
    super('VESSEL_CORRUPT_ENTRY', `entry "${key}" in namespace "${namespace}" cannot be decoded: ${reason}`, options);
    this.namespace = namespace;
    this.key = key;
  }
}

/** A lock could not be acquired within the allowed wait. */
export class LockTimeoutError extends VesselError {
  /** The locked key inside its namespace. */
  readonly key: string;

  constructor(namespace: string, key: string, waitedMs: number) {
    super('VESSEL_LOCK_TIMEOUT', `lock on "${key}" in namespace "${namespace}" not acquired within ${waitedMs} ms`);
    this.key = key;
  }
}

/**
 * A held lock was found taken over: its TTL ran out before the holder renewed it (the storage
 * was unreachable for longer than the TTL), and another holder may now be doing the same work.
 */
export class LockLostError extends VesselError {
  /** The locked key inside its namespace. */
  readonly key: string;

  constructor(namespace: string, key: string) {
    super('VESSEL_LOCK_LOST', `lock on "${key}" in namespace "${namespace}" expired before it could be renewed`);
    this.key = key;
  }
}

/** A cookie-only session grew past what browsers keep (4096 bytes for the whole Set-Cookie value). */
export class CookieTooLargeError extends VesselError {
  /** Size of the Set-Cookie value that was refused, in bytes. */
  readonly size: number;

  constructor(size: number, limit: number) {
    super(
      'VESSEL_COOKIE_TOO_LARGE',
      `session cookie would be ${size} bytes, over the browser limit of ${limit}: keep less in a cookie-only session or store sessions server-side`,
    );
    this.size = size;
  }
}

/** `Cache.get` found no fresh value for a key and was given no `createfunc` to make one. */
export class CacheMissError extends VesselError {
  /** The key as the caller gave it. */
  readonly key: string;
  /** The cache's namespace (`users` for storage namespace `cache:users`). */
  readonly namespace: string;

  constructor(namespace: string, key: string) {
    super(
      'VESSEL_CACHE_MISS',
      `no fresh value for "${key.length > 80 ? `${key.slice(0, 80)}…` : key}" in cache "${namespace}" and no createfunc to make one`,
    );
    this.namespace = namespace;
    this.key = key;
  }
}

/**
 * A cache's `createfunc` did not settle within the cache's `createTimeout`. Its caller gets this;
 * the creation is abandoned (a late result is not stored), the storage lock is released, and the
 * callers that waited for it go on, one of them running its own `createfunc`.
 */
export class CreateTimeoutError extends VesselError {
  /** The key as the caller gave it. */
  readonly key: string;
  /** The cache's name (`users` for storage namespace `cache:users`). */
  readonly namespace: string;

  constructor(namespace: string, key: string, timeoutMs: number) {
    super(
      'VESSEL_CREATE_TIMEOUT',
      `createfunc for "${key.length > 80 ? `${key.slice(0, 80)}…` : key}" in cache "${namespace}" did not settle within ${timeoutMs} ms: abandoned, its lock released`,
    );
    this.namespace = namespace;
    this.key = key;
  }
}
