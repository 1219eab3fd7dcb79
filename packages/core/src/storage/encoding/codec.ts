/**
 * Value codec: JSON text that keeps Date, Map, Set, BigInt, RegExp, Buffer, Uint8Array,
 * undefined and non-finite numbers, and never evaluates anything on read.
 *
 * Plain JSON data (the common case for sessions) is written as ordinary JSON and read with
 * one `JSON.parse`. Only a value that holds a richer type is written in the tagged form,
 * where such values become `{"$": "<Type>", "v": …}` and user keys starting with `$` are
 * escaped with one more `$`.
 *
 * Both directions are single passes written for speed (they sit on every session and cache
 * read and write). The encoder copies only the objects on the way to a tag or an escaped key
 * and shares every other subtree with the value, then makes one `JSON.stringify` call, whose
 * flat output reads back faster than text built by concatenation. The decoder repairs
 * `JSON.parse`'s fresh tree in place instead of copying it.
 */

/**
 * The deepest a value's JSON may nest as stored (objects and arrays, type tags included; the
 * value itself is level 1): a deeper value is refused when it is stored. Deep enough for any
 * real session or cache value, shallow enough that every recursive walk over stored data (the
 * decoder's, change detection's, `session-inspect`'s tree) stays far from the stack's end.
 */
export const MAX_STORED_DEPTH = 100;

/**
 * The deepest a stored value's JSON may nest when it is read: deeper is corrupt, and the
 * decoder says so before any recursive walk meets it. Above `MAX_STORED_DEPTH` by the levels
 * Vessel's own wrappers add around a value it encoded on its own (a session's record and data,
 * a cache entry), so whatever was stored reads back.
 */
export const MAX_DECODED_DEPTH = 128;

const DOLLAR = 36; // '$'

/** Encoded value: JSON text plus whether it uses the tagged form. */
export interface EncodedValue {
  readonly json: string;
  readonly tagged: boolean;
}

/** Raised inside the encoder; collects the path on its way out, so the hot path keeps none. */
class UnstorableValue extends Error {
  readonly path: string[] = [];
  constructor(readonly what: string) {
    super(what);
  }
}

/** What one encoding found, beyond the text: a tag was written, a `$` key was escaped. */
interface EncodeFlags {
  tagged: boolean;
  escaped: boolean;
}

/**
 * Encodes `value` as JSON text; throws a `TypeError` naming the path of anything unstorable.
 * `forceTagged` writes the tagged form even when nothing needs a tag: the form of text that
 * goes inside tagged text (where user keys starting with `$` are escaped).
 *
 * @internal Shared with the session layer through `storage/index.ts`; not part of Vessel's public API.
 */
export function encodeValue(value: unknown, forceTagged = false): EncodedValue {
  const flags: EncodeFlags = { tagged: false, escaped: false };
  let converted: unknown;
  try {
    converted = toJson(value, 0, flags);
  } catch (error) {
    if (!(error instanceof UnstorableValue)) throw error;
    const where = error.path.length === 0 ? 'the top level' : pathText(error.path);
    throw new TypeError(`cannot store ${error.what} at ${where}: store plain data, Date, Map, Set, BigInt or Buffer`);
  }
  // Plain data keeps its `$` keys as they are: the escaping belongs to the tagged form only.
  return flags.tagged || forceTagged
    ? { json: JSON.stringify(converted), tagged: true }
    : { json: JSON.stringify(value), tagged: false };
}

/**
 * Decodes the parsed JSON of an encoded value; throws on an unknown tag, and on JSON nested
 * deeper than `MAX_DECODED_DEPTH` (before anything walks it recursively). Takes `parsed` over:
 * a tagged tree is turned into the value in place, so hand it a fresh `JSON.parse` result.
 * `text`, the JSON it was parsed from (or text around it), spares most values the depth walk.
 */
export function decodeValue(parsed: unknown, tagged: boolean, text?: string): unknown {
  if (typeof parsed !== 'object' || parsed === null) return parsed;
  if ((text === undefined || !fewOpenings(text)) && !nestsWithin(parsed, 1)) {
    throw new RangeError(`the value is nested deeper than ${MAX_DECODED_DEPTH} levels`);
  }
  return tagged ? revive(parsed) : parsed;
}

/**
 * True when `text` holds at most `MAX_DECODED_DEPTH` opening brackets and braces (in strings
 * too), so nothing in it can nest deeper: a native search per bracket, half the cost of walking
 * the parsed tree, and enough for most sessions.
 */
function fewOpenings(text: string): boolean {
  let count = 0;
  for (let index = text.indexOf('{'); index >= 0; index = text.indexOf('{', index + 1)) {
    if (++count > MAX_DECODED_DEPTH) return false;
  }
  for (let index = text.indexOf('['); index >= 0; index = text.indexOf('[', index + 1)) {
    if (++count > MAX_DECODED_DEPTH) return false;
  }
  return true;
}

/**
 * True when `value` (at level `level`) and everything in it nest at most `MAX_DECODED_DEPTH`
 * levels. Recursive, but it stops at the limit: a record nested thousands of levels deep costs
 * it `MAX_DECODED_DEPTH` frames. A walk over the parsed tree costs a tenth of the parse or less.
 */
function nestsWithin(value: object, level: number): boolean {
  if (level > MAX_DECODED_DEPTH) return false;
  const inner = level + 1;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item === 'object' && item !== null && !nestsWithin(item, inner)) return false;
    }
    return true;
  }
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && !nestsWithin(item, inner)) return false;
  }
  return true;
}

/** Segments of a path shown before the rest is cut: a path 100 levels deep is no help whole. */
const SHOWN_PATH_SEGMENTS = 8;

/** `a.b.c`, cut after `SHOWN_PATH_SEGMENTS` segments with the number of the ones left out. */
function pathText(path: readonly string[]): string {
  if (path.length <= SHOWN_PATH_SEGMENTS + 1) return path.join('.');
  return `${path.slice(0, SHOWN_PATH_SEGMENTS).join('.')}.… (${path.length - SHOWN_PATH_SEGMENTS} levels more)`;
}

/**
 * Assigns `target[key] = value` without ever invoking the `__proto__` setter.
 *
 * @internal Shared with the session layer through `storage/index.ts`; not part of Vessel's public API.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Runs `convert` for the member `key`, adding `key` to the path of an unstorable value. */
function member<T>(key: string, convert: () => T): T {
  try {
    return convert();
  } catch (error) {
    if (error instanceof UnstorableValue) error.path.unshift(key);
    throw error;
  }
}

/** The JSON-ready form of `value`: `value` itself where nothing in it needs a tag or an escape. */
function toJson(value: unknown, depth: number, flags: EncodeFlags): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      return leafTag(depth, flags, { $: 'Number', v: String(value) });
    case 'bigint':
      return leafTag(depth, flags, { $: 'BigInt', v: value.toString() });
    case 'undefined':
      return leafTag(depth, flags, { $: 'undefined' });
    case 'object':
      return value === null ? null : objectToJson(value, depth, flags);
    default:
      throw new UnstorableValue(`a ${typeof value}`);
  }
}

/** A tag standing for a primitive: one more level of JSON, within the depth limit too. */
function leafTag(depth: number, flags: EncodeFlags, tag: object): object {
  if (depth >= MAX_STORED_DEPTH) throw tooDeepToStore();
  flags.tagged = true;
  return tag;
}

function tooDeepToStore(): UnstorableValue {
  return new UnstorableValue(`a value nested deeper than ${MAX_STORED_DEPTH} levels (a cycle?)`);
}

/** `toJson` of a member, with the member's key on the path of an error. */
function memberToJson(key: string, item: unknown, depth: number, flags: EncodeFlags): unknown {
  return typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol'
    ? member(key, () => toJson(item, depth, flags))
    : toJson(item, depth, flags);
}

/** `depth`: the levels of JSON around `value` (0 at the top), whose own level is one more. */
function objectToJson(value: object, depth: number, flags: EncodeFlags): unknown {
  if (depth >= MAX_STORED_DEPTH) throw tooDeepToStore();
  const inner = depth + 1;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) {
        // A hole reads as undefined, which only the tagged form keeps; JSON writes it as null.
        flags.tagged = true;
        continue;
      }
      const item: unknown = value[index];
      const converted = memberToJson(String(index), item, inner, flags);
      if (converted !== item && copy === undefined) copy = value.slice(0, index);
      if (copy !== undefined) copy[index] = converted;
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null;
  if (!plain) {
    flags.tagged = true;
    const special = specialToJson(value, depth, flags);
    if (special !== undefined) return special;
  }
  // Plain objects, and other objects as their enumerable properties (as the tagged form always did).
  let copy: Record<string, unknown> | undefined = plain ? undefined : {};
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    const converted = memberToJson(key, item, inner, flags);
    const escaped = key.charCodeAt(0) === DOLLAR;
    if (escaped) flags.escaped = true;
    if (copy === undefined && (converted !== item || escaped)) {
      // Keys before this one needed nothing, or the copy would exist already.
      copy = {};
      for (const earlier in value) {
        if (earlier === key) break;
        setOwn(copy, earlier, (value as Record<string, unknown>)[earlier]);
      }
    }
    if (copy !== undefined) setOwn(copy, escaped ? `$${key}` : key, converted);
  }
  return copy ?? value;
}

/** The tag of a Date, Map, Set, RegExp, Buffer, Uint8Array or `toJSON` object; else undefined. */
function specialToJson(value: object, depth: number, flags: EncodeFlags): unknown {
  if (value instanceof Date) {
    const time = value.getTime();
    return { $: 'Date', v: Number.isNaN(time) ? null : value.toISOString() };
  }
  if (value instanceof Map) {
    // {"$":"Map","v":[[key,item],…]}: keys and items sit three levels below the tag's own.
    const inner = depth + 3;
    if (inner > MAX_STORED_DEPTH && value.size > 0) throw tooDeepToStore();
    const pairs: unknown[] = [];
    for (const [key, item] of value) {
      pairs.push(member(`<map key ${String(key)}>`, () => [toJson(key, inner, flags), toJson(item, inner, flags)]));
    }
    return { $: 'Map', v: pairs };
  }
  if (value instanceof Set) {
    // {"$":"Set","v":[item,…]}: two levels below.
    const inner = depth + 2;
    if (inner > MAX_STORED_DEPTH && value.size > 0) throw tooDeepToStore();
    const items = member('<set item>', () => Array.from(value, (item) => toJson(item, inner, flags)));
    return { $: 'Set', v: items };
  }
  if (value instanceof RegExp) return { $: 'RegExp', v: value.source, f: value.flags };
  if (Buffer.isBuffer(value)) return { $: 'Buffer', v: bytesToBase64(value) };
  if (value instanceof Uint8Array) return { $: 'Uint8Array', v: bytesToBase64(value) };
  const { toJSON } = value as { toJSON?: unknown };
  // Objects that define their own JSON form (express-session's Cookie, Decimal, …) keep it.
  if (typeof toJSON === 'function') return toJson(toJSON.call(value), depth, flags);
  return undefined;
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Turns a tagged tree fresh from `JSON.parse` into the value, in place: tags become their
 * values and escaped keys lose their extra `$`. `JSON.parse` defines `__proto__` as an own
 * data property, so assigning into the parsed objects never reaches a prototype.
 */
function revive(value: object): unknown {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item === 'object' && item !== null) value[index] = revive(item);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, '$')) return fromTag(record);
  let escaped = false;
  for (const key in record) {
    if (key.charCodeAt(0) === DOLLAR) escaped = true;
    const item = record[key];
    if (typeof item === 'object' && item !== null) {
      const revived = revive(item);
      if (revived !== item) setOwn(record, key, revived);
    }
  }
  return escaped ? unescapeKeys(record) : record;
}

/** A copy of `record` with `$$key` renamed to `$key`, in the original key order. */
function unescapeKeys(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setOwn(out, key.startsWith('$$') ? key.slice(1) : key, record[key]);
  return out;
}

function reviveItem(item: unknown): unknown {
  return typeof item === 'object' && item !== null ? revive(item) : item;
}

function fromTag(record: Record<string, unknown>): unknown {
  const { $: tag, v } = record;
  switch (tag) {
    case 'undefined':
      return undefined;
    case 'Number':
      return Number(v);
    case 'BigInt':
      return BigInt(String(v));
    case 'Date':
      return new Date(v === null ? Number.NaN : String(v));
    case 'Map':
      return new Map(
        asArray(v, tag).map((pair) => {
          const [key, item] = asArray(pair, tag);
          return [reviveItem(key), reviveItem(item)];
        }),
      );
    case 'Set':
      return new Set(asArray(v, tag).map(reviveItem));
    case 'RegExp':
      return new RegExp(String(v), String(record.f ?? ''));
    case 'Buffer':
      return Buffer.from(String(v), 'base64');
    case 'Uint8Array':
      return new Uint8Array(Buffer.from(String(v), 'base64'));
    default:
      throw new TypeError(`unknown type tag ${JSON.stringify(tag)}`);
  }
}

function asArray(value: unknown, tag: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`malformed ${tag}: expected an array`);
  return value;
}
