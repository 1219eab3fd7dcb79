import { isSealedSessionRecord, isSessionRecord, type SessionRecordSealer, type StorageEntry } from '@vessel/core';

/** One stored session as the CLI shows it, whatever format it was written in. */
export interface SessionView {
  /** The session id (the key inside the `session` namespace). */
  readonly id: string;
  /** Bytes of the stored record. */
  readonly size: number;
  /** When it was created, ms since the epoch; `null` for corrupt records. */
  readonly created: number | null;
  /** Last access, ms since the epoch; `null` for corrupt records. */
  readonly accessed: number | null;
  /**
   * When it stops being usable, ms since the epoch (`null`: never): the sooner of the storage's
   * expiry (which `touch` moves) and the record's own, which the session manager also checks.
   */
  readonly expires: number | null;
  /** The session data with its types (Date, Map, Set, BigInt); empty for corrupt records. */
  readonly data: Readonly<Record<string, unknown>>;
  /** Why the record cannot be read as a session; absent for readable sessions. */
  readonly corrupt?: string;
  /**
   * True when the data is sealed (`session.encrypt_key`) and the config gave no key that opens
   * it: the times are real, `data` is empty.
   */
  readonly encrypted?: true;
}

/**
 * A stored session format the CLI understands. Vessel's own record is the only one today; the
 * express-session records that a `VesselStore` will write (`{ cookie, ...data }`) get a reader
 * of their own here, tried in order, so every command sees them without change.
 */
export interface SessionFormat {
  /** Short name, for messages. */
  readonly name: string;
  /** The view of `value`, or `undefined` when `value` is not in this format. */
  read(id: string, entry: StorageEntry, value: object): SessionView | undefined;
}

function minExpiry(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** Vessel's `SessionRecord`: `{ created, accessed, expires, data }`, times in ms since the epoch. */
export const vesselRecordFormat: SessionFormat = {
  name: 'vessel',
  read(id, entry, value) {
    if (!isSessionRecord(value)) return undefined;
    const { created, accessed, expires, data } = value;
    return {
      id,
      size: entry.size,
      created,
      accessed,
      expires: minExpiry(entry.expiresAt, expires),
      data,
    };
  },
};

/**
 * Vessel's record with its data sealed at rest: opened with the config's `session.encrypt_key`
 * when it holds the key, else shown with its times and marked `encrypted`.
 */
export function sealedRecordFormat(sealer: SessionRecordSealer | undefined): SessionFormat {
  return {
    name: 'vessel (sealed)',
    read(id, entry, value) {
      if (!isSealedSessionRecord(value)) return undefined;
      const opened = sealer?.open(id, value)?.record;
      const { created, accessed, expires } = value;
      const view = { id, size: entry.size, created, accessed, expires: minExpiry(entry.expiresAt, expires) };
      return opened ? { ...view, data: opened.data } : { ...view, data: {}, encrypted: true };
    },
  };
}

/** The formats tried, in order, on every record of the `session` namespace; `sealer` opens sealed ones. */
export function sessionFormats(sealer?: SessionRecordSealer): readonly SessionFormat[] {
  return [vesselRecordFormat, sealedRecordFormat(sealer)];
}

/** The formats tried without an encryption key. */
export const SESSION_FORMATS: readonly SessionFormat[] = sessionFormats();

/**
 * Reads a scanned entry as a session. Undecodable bytes and values of no known format come back
 * as corrupt views (listed, never thrown), so one bad record cannot stop a listing or a purge.
 */
export function toSessionView(entry: StorageEntry, formats: readonly SessionFormat[] = SESSION_FORMATS): SessionView {
  const base = { id: entry.key, size: entry.size, created: null, accessed: null, expires: entry.expiresAt, data: {} };
  if (entry.corrupt !== undefined) return { ...base, corrupt: entry.corrupt };
  const value = entry.value;
  if (typeof value === 'object' && value !== null) {
    for (const format of formats) {
      const view = format.read(entry.key, entry, value);
      if (view) return view;
    }
  }
  return { ...base, corrupt: `not a session record (${describeKind(value)})` };
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object without created/accessed/expires/data or sealed';
  return `a ${typeof value}`;
}
