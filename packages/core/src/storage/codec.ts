/**
 * Value codec: JSON text that keeps Date, Map, Set, BigInt, RegExp, Buffer, Uint8Array,
 * undefined and non-finite numbers, and never evaluates anything on read.
 *
 * Plain JSON data (the common case for sessions) is written as ordinary JSON and read with
 * one `JSON.parse`. Only a value that holds a richer type is written in the tagged form,
 * where such values become `{"$": "<Type>", "v": …}` and user keys starting with `$` are
 * escaped with one more `$`.
 */

const MAX_DEPTH = 512;

/** Encoded value: JSON text plus whether it uses the tagged form. */
export interface EncodedValue {
  readonly json: string;
  readonly tagged: boolean;
}

/** Encodes `value` as JSON text; throws a `TypeError` naming the path of anything unstorable. */
export function encodeValue(value: unknown): EncodedValue {
  if (!needsTags(value, 0)) return { json: JSON.stringify(value), tagged: false };
  return { json: JSON.stringify(toTagged(value, [])), tagged: true };
}

/** Decodes the parsed JSON of an encoded value; throws on an unknown tag. */
export function decodeValue(parsed: unknown, tagged: boolean): unknown {
  return tagged ? fromTagged(parsed) : parsed;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when JSON alone cannot carry `value` faithfully. */
function needsTags(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      return !Number.isFinite(value);
    case 'object': {
      if (value === null) return false;
      if (depth > MAX_DEPTH) return true; // let the tagged encoder report it with a path
      if (Array.isArray(value)) {
        for (const item of value) if (needsTags(item, depth + 1)) return true;
        return false;
      }
      if (!isPlainObject(value)) return true;
      for (const key in value) {
        if (needsTags((value as Record<string, unknown>)[key], depth + 1)) return true;
      }
      return false;
    }
    default:
      return true;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function fail(path: readonly string[], what: string): never {
  const where = path.length === 0 ? 'the top level' : path.join('.');
  throw new TypeError(`cannot store ${what} at ${where}: store plain data, Date, Map, Set, BigInt or Buffer`);
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function toTagged(value: unknown, path: string[]): Json {
  if (path.length > MAX_DEPTH) fail(path, `a value nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { $: 'Number', v: String(value) };
    case 'bigint':
      return { $: 'BigInt', v: value.toString() };
    case 'undefined':
      return { $: 'undefined' };
    case 'object':
      return value === null ? null : objectToTagged(value, path);
    default:
      return fail(path, `a ${typeof value}`);
  }
}

function objectToTagged(value: object, path: string[]): Json {
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      path.push(String(index));
      const encoded = toTagged(item, path);
      path.pop();
      return encoded;
    });
  }
  if (value instanceof Date) {
    const time = value.getTime();
    return { $: 'Date', v: Number.isNaN(time) ? null : value.toISOString() };
  }
  if (value instanceof Map) {
    const pairs: Json[] = [];
    for (const [key, item] of value) {
      path.push(`<map key ${String(key)}>`);
      pairs.push([toTagged(key, path), toTagged(item, path)]);
      path.pop();
    }
    return { $: 'Map', v: pairs };
  }
  if (value instanceof Set) {
    path.push('<set item>');
    const items = Array.from(value, (item) => toTagged(item, path));
    path.pop();
    return { $: 'Set', v: items };
  }
  if (value instanceof RegExp) return { $: 'RegExp', v: value.source, f: value.flags };
  if (Buffer.isBuffer(value)) return { $: 'Buffer', v: bytesToBase64(value) };
  if (value instanceof Uint8Array) return { $: 'Uint8Array', v: bytesToBase64(value) };
  if (!isPlainObject(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // Objects that define their own JSON form (express-session's Cookie, Decimal, …) keep it.
    return toTagged((value as { toJSON(): unknown }).toJSON(), path);
  }
  const out: Record<string, Json> = {};
  for (const key in value) {
    path.push(key);
    setOwn(out, key.startsWith('$') ? `$${key}` : key, toTagged((value as Record<string, unknown>)[key], path));
    path.pop();
  }
  return out;
}

/** Assigns `target[key] = value` without ever invoking the `__proto__` setter. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function fromTagged(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(fromTagged);
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, '$')) return fromTag(record);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    setOwn(out, key.startsWith('$$') ? key.slice(1) : key, fromTagged(record[key]));
  }
  return out;
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
      return new Map((asArray(v, tag) as unknown[][]).map(([key, item]) => [fromTagged(key), fromTagged(item)]));
    case 'Set':
      return new Set(asArray(v, tag).map(fromTagged));
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
