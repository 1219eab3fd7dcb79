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
 * read and write): the encoder writes the text directly instead of building a tagged copy of
 * the value and stringifying that, and the decoder repairs `JSON.parse`'s fresh tree in place
 * instead of copying it.
 */

const MAX_DEPTH = 512;
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

/** Encodes `value` as JSON text; throws a `TypeError` naming the path of anything unstorable. */
export function encodeValue(value: unknown): EncodedValue {
  const flags: EncodeFlags = { tagged: false, escaped: false };
  let json: string;
  try {
    json = write(value, 0, flags);
  } catch (error) {
    if (!(error instanceof UnstorableValue)) throw error;
    const where = error.path.length === 0 ? 'the top level' : error.path.join('.');
    throw new TypeError(`cannot store ${error.what} at ${where}: store plain data, Date, Map, Set, BigInt or Buffer`);
  }
  if (flags.tagged) return { json, tagged: true };
  // Plain data keeps its `$` keys as they are: the escaping belongs to the tagged form only.
  return { json: flags.escaped ? JSON.stringify(value) : json, tagged: false };
}

/**
 * Decodes the parsed JSON of an encoded value; throws on an unknown tag. Takes `parsed` over:
 * a tagged tree is turned into the value in place, so hand it a fresh `JSON.parse` result.
 */
export function decodeValue(parsed: unknown, tagged: boolean): unknown {
  return tagged && typeof parsed === 'object' && parsed !== null ? revive(parsed) : parsed;
}

/** Assigns `target[key] = value` without ever invoking the `__proto__` setter. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** `text` as a JSON string literal; short strings that need no escaping skip `JSON.stringify`. */
function quote(text: string): string {
  if (text.length > 32) return JSON.stringify(text);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // Control characters, `"`, `\` and surrogates (lone ones are escaped) take the full path.
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) {
      return JSON.stringify(text);
    }
  }
  return `"${text}"`;
}

/** Runs `encode` for the member `key`, adding `key` to the path of an unstorable value. */
function member(key: string, encode: () => string): string {
  try {
    return encode();
  } catch (error) {
    if (error instanceof UnstorableValue) error.path.unshift(key);
    throw error;
  }
}

function write(value: unknown, depth: number, flags: EncodeFlags): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isFinite(value)) return `${value}`;
      flags.tagged = true;
      return `{"$":"Number","v":"${value}"}`;
    case 'bigint':
      flags.tagged = true;
      return `{"$":"BigInt","v":"${value}"}`;
    case 'undefined':
      flags.tagged = true;
      return '{"$":"undefined"}';
    case 'object':
      return value === null ? 'null' : writeObject(value, depth, flags);
    default:
      throw new UnstorableValue(`a ${typeof value}`);
  }
}

function writeObject(value: object, depth: number, flags: EncodeFlags): string {
  if (depth > MAX_DEPTH) throw new UnstorableValue(`a value nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  const inner = depth + 1;
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      if (!(index in value)) {
        // A hole reads as undefined, which only the tagged form keeps; JSON writes it as null.
        flags.tagged = true;
        out += 'null';
        continue;
      }
      const item: unknown = value[index];
      out +=
        typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol'
          ? member(String(index), () => write(item, inner, flags))
          : write(item, inner, flags);
    }
    return `${out}]`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    flags.tagged = true;
    const special = writeSpecial(value, inner, flags);
    if (special !== undefined) return special;
  }
  // Plain objects, and other objects as their enumerable properties (as the tagged form always did).
  let out = '{';
  for (const key in value) {
    let name = key;
    if (key.charCodeAt(0) === DOLLAR) {
      flags.escaped = true;
      name = `$${key}`;
    }
    const item: unknown = (value as Record<string, unknown>)[key];
    const encoded =
      typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol'
        ? member(key, () => write(item, inner, flags))
        : write(item, inner, flags);
    out += out.length === 1 ? `${quote(name)}:${encoded}` : `,${quote(name)}:${encoded}`;
  }
  return `${out}}`;
}

/** The tagged text of a Date, Map, Set, RegExp, Buffer, Uint8Array or `toJSON` object; else undefined. */
function writeSpecial(value: object, depth: number, flags: EncodeFlags): string | undefined {
  if (value instanceof Date) {
    const time = value.getTime();
    return Number.isNaN(time) ? '{"$":"Date","v":null}' : `{"$":"Date","v":"${value.toISOString()}"}`;
  }
  if (value instanceof Map) {
    let out = '{"$":"Map","v":[';
    for (const [key, item] of value) {
      const pair = member(
        `<map key ${String(key)}>`,
        () => `[${write(key, depth, flags)},${write(item, depth, flags)}]`,
      );
      out += out.length === 16 ? pair : `,${pair}`;
    }
    return `${out}]}`;
  }
  if (value instanceof Set) {
    let out = '{"$":"Set","v":[';
    for (const item of value) {
      const encoded = member('<set item>', () => write(item, depth, flags));
      out += out.length === 16 ? encoded : `,${encoded}`;
    }
    return `${out}]}`;
  }
  if (value instanceof RegExp) return `{"$":"RegExp","v":${quote(value.source)},"f":"${value.flags}"}`;
  if (Buffer.isBuffer(value)) return `{"$":"Buffer","v":"${bytesToBase64(value)}"}`;
  if (value instanceof Uint8Array) return `{"$":"Uint8Array","v":"${bytesToBase64(value)}"}`;
  const { toJSON } = value as { toJSON?: unknown };
  // Objects that define their own JSON form (express-session's Cookie, Decimal, …) keep it.
  if (typeof toJSON === 'function') return write(toJSON.call(value), depth - 1, flags);
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
