import { sessionRecord } from './record.js';
import type { SessionRecord, SessionRejectReason } from './types.js';

/** A session read from a cookie or by id, ready to use. */
export interface LoadedSession {
  readonly ok: true;
  readonly id: string;
  readonly record: SessionRecord;
  /** Signed or sealed with an older secret: send a fresh cookie so rotation completes. */
  readonly stale?: boolean;
  /** The stored version the record was read at, for a compare-and-set save. */
  readonly version?: string;
  /** The readable record's text, when `version` is not it (data sealed at rest). */
  readonly pristine?: string;
}

/** What a save stored: the record, and its version when the backend reports one. */
export interface SavedSession {
  readonly record: SessionRecord;
  readonly version?: string | undefined;
  /** The readable record's text, when `version` is not it (data sealed at rest). */
  readonly pristine?: string | undefined;
}

/** Why a cookie or id did not yield a session. */
export interface RejectedSession {
  readonly ok: false;
  readonly reason: SessionRejectReason;
  readonly id?: string;
  readonly detail?: string;
}

/** What a save hands to persistence. */
export interface SaveRequest {
  readonly id: string;
  readonly isNew: boolean;
  readonly created: number;
  readonly data: Record<string, unknown>;
  /** Keys to write over the freshest stored copy (set when in `data`, deleted when not). */
  readonly dirty: ReadonlySet<string>;
  /**
   * The version `data` was loaded at (minus this request's changes); when the store still holds
   * it, `data` is written as it is. Omitted: start from a fresh read.
   */
  readonly version?: string | undefined;
  /** The data keys of the record at `version`, in stored order (lets the save copy their text). */
  readonly versionKeys?: readonly string[] | undefined;
  readonly now: number;
  /**
   * The session clock, read again just before each write: a record's TTL is its `expires` minus
   * the time of that write, so a save that waited (retries under contention) does not leave the
   * storage keeping the record past `expires`.
   */
  clock(): number;
  /** The session's own idle timeout (s) to store with the record; `undefined` for the manager's. */
  readonly timeout: number | undefined;
  /** Expiry for a session created at `created` and accessed at `now`. */
  expiryFor(created: number): number | null;
  /** False when a stored record has expired by the session's own limits (it must not be revived). */
  isLive(record: SessionRecord): boolean;
}

/**
 * How sessions are kept: records in storage behind a signed id (`stored-sessions.ts`), or the
 * whole session sealed in the cookie (`cookie-sessions.ts`). The manager holds the semantics.
 */
export interface SessionPersistence {
  /** `stored` keeps records in storage; `cookie` keeps them in the cookie itself. */
  readonly kind: 'stored' | 'cookie';
  /** The session a cookie value carries or names. */
  fromCookie(value: string): Promise<LoadedSession | RejectedSession>;
  /** The session stored under `id` (stored sessions only). */
  fromId(id: string): Promise<LoadedSession | RejectedSession>;
  /** Persists a save; resolves with what is now stored, or `undefined` when it vanished meanwhile. */
  save(request: SaveRequest): Promise<SavedSession | undefined>;
  /**
   * Ends session `id`: deletes its record (true when there was one), or for cookie-only sessions
   * puts it on the revocation list when that is on (always true).
   */
  remove(id: string): Promise<boolean>;
  /** The cookie value for a session: a signed id, or the sealed record. */
  cookieValue(id: string, record: SessionRecord): string;
}

/** The record a save writes: accessed now, with the session's own idle timeout when it has one. */
export function recordFor(request: SaveRequest, created: number, data: Record<string, unknown>): SessionRecord {
  return sessionRecord(
    { created, accessed: request.now, expires: request.expiryFor(created), timeout: request.timeout },
    data,
  );
}
