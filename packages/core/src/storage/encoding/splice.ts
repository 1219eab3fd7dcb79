import { type EncodedValue, encodeValue } from './codec.js';
import { holdsAt, lastMemberBefore } from './json-scan.js';
import { wholeNumberJson, writtenLayout } from './record.js';

/**
 * A session record as the splice reads and writes it: session/'s `SessionRecord` (the one
 * declaration of that shape) is one; the fields are the ones `recordFor` writes, in its order.
 */
export interface SplicedRecord {
  readonly created: number;
  readonly accessed: number;
  readonly expires: number | null;
  readonly data: Record<string, unknown>;
  readonly timeout?: number;
}

const DOLLAR = 36; // '$'
const ZERO = 48;
const NINE = 57;
const CLOSE_BRACE = 125;
const COMMA = 44;
/** Keys JSON writes as they are, between quotes. */
const PLAIN_KEY = /^[\w$.:@-]*$/;

/**
 * The encoding of `record` for a save, built from `base`: the stored text (a version) its data
 * was merged onto, whose data keys are `baseKeys` (in stored order). The data keys up to the first
 * changed one hold what `base` holds, so their text is copied from `base` in one piece; only the
 * keys from there on and the metadata are encoded. A save that changes a small key of a session
 * with a large user object (set after it) then encodes the small key only, and never walks the
 * large one: `base` is read backwards from its end over the members after the kept ones. With
 * text as Vessel writes it, the result is byte for byte what encoding the whole record gives.
 *
 * `undefined` whenever that shortcut does not apply — `base` not laid out as Vessel writes
 * session records, the first data key changed, keys JavaScript orders as numbers, a changed value
 * that needs the tagged form in untagged text — and then the caller encodes the whole record.
 *
 * @internal The session layer's save path; not part of Vessel's public API.
 */
export function encodeOntoBase(
  base: string,
  baseKeys: readonly string[],
  record: SplicedRecord,
  dirty: ReadonlySet<string>,
): EncodedValue | undefined {
  const { created, accessed, expires, data, timeout } = record;
  const keys = Object.keys(data);
  let kept = 0;
  while (
    kept < keys.length &&
    kept < baseKeys.length &&
    keys[kept] === baseKeys[kept] &&
    !dirty.has(keys[kept] as string)
  ) {
    kept++;
  }
  if (kept === 0) return undefined;
  for (const key of baseKeys) if (startsWithDigit(key)) return undefined;
  if (!isWholeNumber(created) || !isWholeNumber(accessed) || !(expires === null || isWholeNumber(expires))) {
    return undefined;
  }
  if (timeout !== undefined && !isWholeNumber(timeout)) return undefined;
  const layout = writtenLayout(base);
  if (layout === undefined) return undefined;
  const { tagged } = layout;
  const dataOpen = dataObjectAt(base, layout.valueStart);
  let keptEnd = dataObjectEnd(base);
  if (dataOpen < 0 || keptEnd <= dataOpen) return undefined;
  // Back from the end over the stored members after the kept ones, each checked by its key.
  for (let index = baseKeys.length - 1; index >= kept; index--) {
    const member = lastMemberBefore(base, keptEnd);
    if (member === undefined || member.key !== storedKeyOf(baseKeys[index] as string, tagged)) return undefined;
    keptEnd = member.keyStart - 1;
    if (base.charCodeAt(keptEnd) !== COMMA) return undefined;
  }
  let members = base.slice(dataOpen + 1, keptEnd);
  for (let index = kept; index < keys.length; index++) {
    const key = keys[index] as string;
    const encoded = encodeValue(data[key], tagged);
    // Text that needs tags cannot sit inside untagged text.
    if (encoded.tagged !== tagged) return undefined;
    members += `,${quotedKey(storedKeyOf(key, tagged))}:${encoded.json}`;
  }
  const head = `{"created":${wholeNumberJson(created)},"accessed":${wholeNumberJson(accessed)},"expires":${expires === null ? 'null' : wholeNumberJson(expires)},"data":{${members}}`;
  return { json: timeout === undefined ? `${head}}` : `${head},"timeout":${timeout}}`, tagged };
}

function isWholeNumber(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** JavaScript puts keys that look like array indexes first, whatever the text's order. */
function startsWithDigit(key: string): boolean {
  const code = key.charCodeAt(0);
  return code >= ZERO && code <= NINE;
}

/** Tagged text escapes keys that start with `$` with one more. */
function storedKeyOf(key: string, tagged: boolean): string {
  return tagged && key.charCodeAt(0) === DOLLAR ? `$${key}` : key;
}

function quotedKey(key: string): string {
  return PLAIN_KEY.test(key) ? `"${key}"` : JSON.stringify(key);
}

/**
 * The head of a session record written as `recordFor` builds it, up to its data object. Only
 * that exact head is taken: any other layout could hide a `"data"` inside an earlier value.
 */
const RECORD_HEAD = /\{"created":-?\d+,"accessed":-?\d+,"expires":(?:-?\d+|null),"data":\{/y;

/** Index of the `{` of the data object in the session record whose text starts at `start`, or -1. */
function dataObjectAt(text: string, start: number): number {
  RECORD_HEAD.lastIndex = start;
  return RECORD_HEAD.test(text) ? RECORD_HEAD.lastIndex - 1 : -1;
}

/**
 * Index of the `}` of the data object, read from the record's end: the envelope's and the
 * record's closing braces, with `,"timeout":<n>` between the data and them when the session
 * has one; -1 for any other tail.
 */
function dataObjectEnd(text: string): number {
  let index = text.length - 3;
  if (text.charCodeAt(index + 1) !== CLOSE_BRACE || text.charCodeAt(index + 2) !== CLOSE_BRACE) return -1;
  if (text.charCodeAt(index) === CLOSE_BRACE) return index;
  while (index > 0 && text.charCodeAt(index) >= ZERO && text.charCodeAt(index) <= NINE) index--;
  const tail = ',"timeout":';
  const tailStart = index - tail.length + 1;
  if (!holdsAt(text, tailStart, tail) || text.charCodeAt(tailStart - 1) !== CLOSE_BRACE) return -1;
  return tailStart - 1;
}
