/**
 * The session record: the one module that knows its shape, checks it, and says when it ends.
 * Core's session manager, the Express store and `session-inspect` all read and write sessions
 * through it, so a record written by one is what the others expect.
 *
 * In storage a record is `{ created, accessed, expires, timeout?, data }` (times in ms since the
 * epoch, `expires` `null` for never), or with `session.encryptKey` set, `{ created, accessed,
 * expires, timeout?, sealed }`: the data AES-256-GCM sealed and bound to the session id, the
 * times left readable so lifetimes, listings and sweeps work without the key.
 */
import { CorruptEntryError } from '../errors.js';
import { deserializeRecord, type Namespace, serializeRecord } from '../storage/index.js';
import { CookieSealer } from './cookie-crypto.js';
import type { SessionRecord } from './types.js';

/** A stored record whose data is sealed (`session.encryptKey`); `sealed` is the sealer's text. */
export interface SealedSessionRecord extends Omit<SessionRecord, 'data'> {
  readonly sealed: string;
}

/** Either form a session record takes in storage. */
export type StoredSessionRecord = SessionRecord | SealedSessionRecord;

function hasRecordTimes(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.created === 'number' &&
    typeof record.accessed === 'number' &&
    (record.expires === null || typeof record.expires === 'number') &&
    (record.timeout === undefined || (Number.isInteger(record.timeout) && (record.timeout as number) > 0))
  );
}

/** True when `value` has the shape of a session record with readable data. */
export function isSessionRecord(value: unknown): value is SessionRecord {
  if (!hasRecordTimes(value)) return false;
  const { data } = value;
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

/** True when `value` is a session record whose data is sealed. */
export function isSealedSessionRecord(value: unknown): value is SealedSessionRecord {
  return hasRecordTimes(value) && typeof value.sealed === 'string' && value.data === undefined;
}

/** True when `value` is a session record in either stored form. */
export function isStoredSessionRecord(value: unknown): value is StoredSessionRecord {
  return isSessionRecord(value) || isSealedSessionRecord(value);
}

/** True when the session ended by `now` (ms): its `expires` has come. A record with `expires: null` never ends by itself. */
export function sessionRecordEnded(record: Pick<SessionRecord, 'expires'>, now: number): boolean {
  return record.expires !== null && record.expires <= now;
}

/** A record's times and data, built in the key order every writer uses (and record splicing expects). */
export function sessionRecord(
  times: { created: number; accessed: number; expires: number | null; timeout?: number | undefined },
  data: Record<string, unknown>,
): SessionRecord {
  const record = { created: times.created, accessed: times.accessed, expires: times.expires, data };
  return times.timeout === undefined ? record : { ...record, timeout: times.timeout };
}

/** Options of `SessionRecordSealer`. */
export interface SessionRecordSealerOptions {
  /** `session.encryptKey`: the first seals, all open (rotation); each of 32 bytes or more. */
  readonly keys: readonly string[];
  /** `session.validateKey`: mixed into the keys, as Beaker does; then both are needed. */
  readonly validateKey?: string | undefined;
}

/**
 * Encryption at rest of stored sessions' data (`session.encryptKey`): AES-256-GCM under a key
 * derived per secret (key ids pick the key, so records sealed before a rotation still open),
 * bound to the session id, so a record copied under another id does not open.
 */
export class SessionRecordSealer {
  readonly #sealer: CookieSealer;

  constructor(options: SessionRecordSealerOptions) {
    this.#sealer = new CookieSealer(options.keys, { validateKey: options.validateKey, purpose: 'stored-session' });
  }

  /** The stored form of session `id`'s record. */
  seal(id: string, record: SessionRecord): SealedSessionRecord {
    const { data, ...times } = record;
    return { ...times, sealed: this.#sealer.seal(serializeRecord({ value: data }), id) };
  }

  /**
   * The readable record of session `id` as stored: a sealed one opened (whether under the current
   * key in `current`), a plain one (written before encryption was on) as it is; `undefined`
   * when the record does not open with these keys, or is not a session record.
   */
  open(id: string, stored: unknown): { record: SessionRecord; current: boolean } | undefined {
    if (isSessionRecord(stored)) return { record: stored, current: false };
    if (!isSealedSessionRecord(stored)) return undefined;
    const opened = this.#sealer.open(stored.sealed, id);
    if (opened === undefined) return undefined;
    let data: unknown;
    try {
      data = deserializeRecord(opened.plaintext).value;
    } catch {
      return undefined;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
    const { sealed: _sealed, ...times } = stored;
    return { record: sessionRecord(times, data as Record<string, unknown>), current: opened.current };
  }
}

/** Compare-and-set rounds `setSessionRecordExpiry` tries while the application rewrites the session. */
const EXPIRY_WRITE_ROUNDS = 5;

/**
 * Moves session `id`'s end to `expiresAt` (ms since the epoch): the record's own `expires` (which
 * the session manager honours) and the storage entry's expiry together, by compare-and-set, so a
 * save landing meanwhile is not overwritten. False when there is no such entry. An entry that is
 * not a session record (or cannot be decoded) only has its storage expiry moved.
 */
export async function setSessionRecordExpiry(namespace: Namespace, id: string, expiresAt: number): Promise<boolean> {
  for (let round = 0; round < EXPIRY_WRITE_ROUNDS; round++) {
    let stored: Awaited<ReturnType<Namespace['getVersioned']>>;
    try {
      stored = await namespace.getVersioned(id);
    } catch (error) {
      if (!(error instanceof CorruptEntryError)) throw error;
      break;
    }
    if (stored === undefined) return false;
    const record = stored.value;
    const ttlMs = expiresAt - Date.now();
    if (!isStoredSessionRecord(record) || record.expires === expiresAt || ttlMs <= 0) break;
    if (await namespace.setIfVersion(id, stored.version, { ...record, expires: expiresAt }, { ttlMs })) return true;
  }
  return namespace.touch(id, expiresAt);
}
