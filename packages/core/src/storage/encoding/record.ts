import { decodeValue, type EncodedValue, encodeValue } from './codec.js';

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

/**
 * The longest stored record, in characters of its JSON text (16 Mi: 16 MiB of ASCII): a longer
 * one is refused when it is stored and reads as corrupt, so one record can never make a process
 * parse (and hold) hundreds of megabytes on every read.
 */
export const MAX_RECORD_LENGTH = 16 * 1024 * 1024;

/** `record` when it is within `MAX_RECORD_LENGTH`; a `TypeError` naming both sizes otherwise. */
function withinLength(record: string): string {
  if (record.length <= MAX_RECORD_LENGTH) return record;
  throw new TypeError(
    `cannot store a record of ${record.length} characters: more than the ${MAX_RECORD_LENGTH} a record may hold`,
  );
}

/**
 * Encodes a record; `expires` is ms since the epoch, or null/undefined for never.
 *
 * @internal Shared with the session layer through `storage/index.ts`; not part of Vessel's public API.
 */
export function serializeRecord(record: { value?: unknown; expires?: number | null | undefined }): string {
  return recordOfEncoded(encodeValue(record.value), record.expires);
}

/**
 * The JSON text of a whole number, as `String(value)` writes it. Timestamps in ms have 13 digits,
 * past V8's fast path for small integers (and its number-string cache, mostly): written as two
 * small halves, they cost a fifth of the time, and every record write has a few.
 */
export function wholeNumberJson(value: number): string {
  if (value < 1e9 || value >= 1e15) return String(value);
  const high = Math.floor(value / 1e7);
  const low = String(value - high * 1e7);
  return `${high}${'0000000'.slice(low.length)}${low}`;
}

/** The record of a value already encoded (`encodeValue`'s result, or text that decodes the same). */
export function recordOfEncoded({ json, tagged }: EncodedValue, expiresAt: number | null | undefined): string {
  const expires =
    typeof expiresAt === 'number' ? (Number.isSafeInteger(expiresAt) ? wholeNumberJson(expiresAt) : expiresAt) : null;
  return withinLength(
    tagged ? `{"expires":${expires},"tagged":true,"value":${json}}` : `{"expires":${expires},"value":${json}}`,
  );
}

/**
 * Decodes stored text; throws `RecordDecodeError` on anything that is not a record, and on a
 * record longer than `MAX_RECORD_LENGTH` or whose value nests deeper than `MAX_DECODED_DEPTH`.
 *
 * @internal Shared with the session layer through `storage/index.ts`; not part of Vessel's public API.
 */
export function deserializeRecord(raw: string): DecodedRecord {
  if (raw.length > MAX_RECORD_LENGTH) {
    throw new RecordDecodeError(`the record is ${raw.length} characters long, over the limit of ${MAX_RECORD_LENGTH}`);
  }
  return decodeAsWritten(raw) ?? decodeParsed(raw);
}

const CLOSE_BRACE = 125; // '}'
const MINUS = 45; // '-'
const ZERO = 48; // '0'
const NINE = 57; // '9'
const LETTER_E = 101; // the last letter of `true`
/**
 * The head `serializeRecord` writes: the expiry (whole ms, at most 15 digits, no leading zeros,
 * or null), the tag flag when set, and the value's key. One sticky regular expression: cheaper
 * than comparing the pieces character by character.
 */
const WRITTEN_HEAD = /\{"expires":(?:-?(?:0|[1-9]\d{0,14})|null)(?:,"tagged":true)?,"value":/y;
const EXPIRES_AT = '{"expires":'.length;
const VALUE_KEY_LENGTH = ',"value":'.length;

/** Where a record laid out as `serializeRecord` writes it keeps its parts. */
export interface WrittenLayout {
  /** The record's expiry; `undefined` for none. */
  readonly expires: number | undefined;
  /** The value is in the tagged form. */
  readonly tagged: boolean;
  /** Index of the value's text, which runs to the record's closing brace (the last character). */
  readonly valueStart: number;
}

/**
 * The head of `raw` read in place, when it is laid out exactly as `serializeRecord` writes it;
 * `undefined` for any other layout (a record rewritten by hand or by a JSON function, or not a
 * record at all). Says nothing about the value's text itself.
 */
export function writtenLayout(raw: string): WrittenLayout | undefined {
  WRITTEN_HEAD.lastIndex = 0;
  if (!WRITTEN_HEAD.test(raw) || raw.charCodeAt(raw.length - 1) !== CLOSE_BRACE) return undefined;
  const valueStart = WRITTEN_HEAD.lastIndex;
  // `,"tagged":true` ends just before `,"value":`.
  const tagged = raw.charCodeAt(valueStart - VALUE_KEY_LENGTH - 1) === LETTER_E;
  let index = EXPIRES_AT;
  if (raw.charCodeAt(index) === 110 /* n of null */) return { expires: undefined, tagged, valueStart };
  const negative = raw.charCodeAt(index) === MINUS;
  if (negative) index++;
  // Read in place: at most 15 digits, so the sum is exact (cheaper than slicing for Number()).
  let magnitude = 0;
  for (let code = raw.charCodeAt(index); code >= ZERO && code <= NINE; code = raw.charCodeAt(++index)) {
    magnitude = magnitude * 10 + (code - ZERO);
  }
  return { expires: negative ? -magnitude : magnitude, tagged, valueStart };
}

/**
 * The record decoded the quick way when it is in the written layout: only the value's text goes
 * through `JSON.parse`. Every level of object nesting costs `JSON.parse` about as much as 100
 * bytes of text, and a cache entry or a session is an object inside this one. `undefined` for
 * any other layout: then the full parse decides, with its messages.
 *
 * Whenever the value's text parses on its own, the whole text is that same object with the same
 * three keys (the text after it is the closing brace, nothing else), so both ways agree.
 */
function decodeAsWritten(raw: string): DecodedRecord | undefined {
  const layout = writtenLayout(raw);
  if (layout === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.slice(layout.valueStart, -1));
  } catch {
    return undefined;
  }
  try {
    return { value: decodeValue(parsed, layout.tagged, raw), expires: layout.expires, raw };
  } catch (error) {
    throw new RecordDecodeError((error as Error).message);
  }
}

function decodeParsed(raw: string): DecodedRecord {
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
    return { value: decodeValue(value, tagged === true, raw), expires: expires ?? undefined, raw };
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
