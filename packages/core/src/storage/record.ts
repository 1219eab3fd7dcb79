import { decodeValue, encodeValue } from './codec.js';

/**
 * The stored record: `{"expires":<ms|null>,"value":…}` (plus `"tagged":true` for rich values).
 *
 * `expires` comes first and is a top-level JSON number so SQL backends can index it
 * (`json_extract(value, '$.expires')`) and `touch` can rewrite it without decoding the value.
 */

/** A decoded record, in keyv's shape. */
export interface DecodedRecord {
  value: unknown;
  expires?: number | undefined;
  /** The stored text it was decoded from (the entry's version). */
  raw?: string;
}

/** Thrown when stored text is not a Vessel record; the namespace turns it into `CorruptEntryError`. */
export class RecordDecodeError extends Error {}

/** Encodes a record; `expires` is ms since the epoch, or null/undefined for never. */
export function serializeRecord(record: { value?: unknown; expires?: number | null | undefined }): string {
  const { json, tagged } = encodeValue(record.value);
  const expires = typeof record.expires === 'number' ? record.expires : null;
  return tagged ? `{"expires":${expires},"tagged":true,"value":${json}}` : `{"expires":${expires},"value":${json}}`;
}

/** Decodes stored text; throws `RecordDecodeError` on anything that is not a record. */
export function deserializeRecord(raw: string): DecodedRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new RecordDecodeError(`not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Object.hasOwn(parsed, 'value')) {
    throw new RecordDecodeError('not a Vessel record (no "value" field)');
  }
  const { expires, tagged, value } = parsed as { expires?: unknown; tagged?: unknown; value: unknown };
  if (expires !== undefined && expires !== null && typeof expires !== 'number') {
    throw new RecordDecodeError('"expires" is not a number');
  }
  try {
    return { value: decodeValue(value, tagged === true), expires: expires ?? undefined, raw };
  } catch (error) {
    throw new RecordDecodeError((error as Error).message);
  }
}

/** Reads the expiry of a stored record without decoding its value; null when absent or unreadable. */
export function readRecordExpiry(raw: string): number | null {
  const match = /^\{"expires":(-?\d+|null)[,}]/.exec(raw);
  if (match) return match[1] === 'null' ? null : Number(match[1]);
  try {
    const parsed = JSON.parse(raw) as { expires?: unknown };
    return typeof parsed.expires === 'number' ? parsed.expires : null;
  } catch {
    return null;
  }
}

/** Returns the record with its expiry replaced, leaving the encoded value untouched. */
export function withRecordExpiry(raw: string, expiresAt: number | null): string {
  const match = /^\{"expires":(-?\d+|null),/.exec(raw);
  if (!match) throw new RecordDecodeError('not a Vessel record');
  return `{"expires":${expiresAt},${raw.slice(match[0].length)}`;
}
