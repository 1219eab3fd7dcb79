/**
 * Change detection: text that changes whenever a session value changes. It is JSON (what
 * express-session hashes), plus the types Vessel's storage keeps and JSON loses (Map, Set, BigInt).
 */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { '\u0000Map': [...value] };
  if (value instanceof Set) return { '\u0000Set': [...value] };
  if (typeof value === 'bigint') return { '\u0000BigInt': value.toString() };
  return value;
}

/** Deeper than this, the fast path gives up and the replacer decides (or reports the cycle). */
const MAX_FAST_DEPTH = 64;

/** `jsonReady`'s answer when only the replacer can say: a Map, Set, BigInt or custom `toJSON` is in the value. */
const NEEDS_REPLACER = Symbol('needsReplacer');

/**
 * `value` ready for a plain `JSON.stringify` that gives the text `JSON.stringify(value, replacer)`
 * would: `value` itself when nothing in it needs attention (the common case: no allocation),
 * else a copy of the path to each Date with the Date replaced by its `toJSON()`, which is what
 * JSON would call. A replacer function, or a `toJSON` met on the way (Dates), takes
 * `JSON.stringify` off V8's fast path and costs more than this walk does.
 */
function jsonReady(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint' ? NEEDS_REPLACER : value;
  if (depth > MAX_FAST_DEPTH) return NEEDS_REPLACER;
  if (value instanceof Date) return dateJson(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const ready = jsonReady(item, depth + 1);
      if (ready === NEEDS_REPLACER) return NEEDS_REPLACER;
      if (ready !== item && copy === undefined) copy = value.slice();
      if (copy !== undefined) copy[index] = ready;
    }
    return copy ?? value;
  }
  if (value instanceof Map || value instanceof Set) return NEEDS_REPLACER;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NEEDS_REPLACER;
  const object = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in object) {
    const item = object[key];
    const ready = jsonReady(item, depth + 1);
    if (ready === NEEDS_REPLACER) return NEEDS_REPLACER;
    if (ready !== item && copy === undefined) copy = ownCopy(object);
    if (copy !== undefined && ready !== item && Object.hasOwn(object, key)) put(copy, key, ready);
  }
  return copy ?? value;
}

/** Remembered ISO texts of Date time values: a Date is seen at load and again at the end of each request. */
const isoTexts = new Map<number, string>();
/** Time values remembered at most; the memo starts over when full. */
const MAX_ISO_TEXTS = 4096;
const { toJSON: dateToJSON, toISOString: dateToISOString } = Date.prototype;

/** `date.toJSON()`, its ISO text from the memo when the Date has the built-in methods (`toISOString` is slow). */
function dateJson(date: Date): string | null {
  if (date.toJSON !== dateToJSON || date.toISOString !== dateToISOString) return date.toJSON();
  const time = date.getTime();
  if (Number.isNaN(time)) return null;
  let iso = isoTexts.get(time);
  if (iso === undefined) {
    iso = date.toISOString();
    if (isoTexts.size >= MAX_ISO_TEXTS) isoTexts.clear();
    isoTexts.set(time, iso);
  }
  return iso;
}

/** A plain object with `object`'s own enumerable properties (what JSON serializes of it). */
function ownCopy(object: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) put(copy, key, object[key]);
  return copy;
}

/** `target[key] = value`, without ever invoking the `__proto__` setter. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The comparison text of one value (`undefined` for values JSON drops: functions, symbols, `undefined`). */
export function comparisonText(value: unknown): string | undefined {
  const ready = jsonReady(value, 0);
  return ready === NEEDS_REPLACER ? JSON.stringify(value, replacer) : JSON.stringify(ready);
}

/**
 * A session's data as comparison texts, cookie excluded (so `touch` never counts as a change):
 * `[key, text, key, text, …]` in the session's key order, keys whose value JSON drops left out.
 * Two prints are equal exactly when express-session's hashes of the two states would be.
 */
export type SessionPrint = readonly string[];

/** The print of a session's data now. */
export function sessionPrint(session: object): SessionPrint {
  const print: string[] = [];
  for (const key in session) {
    if (key === 'cookie' || !Object.hasOwn(session, key)) continue;
    const text = comparisonText((session as Record<string, unknown>)[key]);
    if (text !== undefined) print.push(key, text);
  }
  return print;
}

/** The print of a session with no data. */
export const EMPTY_PRINT: SessionPrint = [];

/** True when two prints describe the same data. */
export function samePrint(a: SessionPrint, b: SessionPrint): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** The print's texts by key. */
export function textsByKey(print: SessionPrint): Map<string, string> {
  const texts = new Map<string, string>();
  for (let index = 0; index < print.length; index += 2) texts.set(print[index] as string, print[index + 1] as string);
  return texts;
}
