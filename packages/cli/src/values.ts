/**
 * Session data as people read it: one-line previews, a tree that keeps types for `inspect`,
 * and a JSON form for `--json`. Values come from Vessel's codec, so Date, Map, Set, BigInt,
 * RegExp, Buffer/Uint8Array and undefined occur alongside plain data.
 */

/** The member `path` (`user.id`) of `data`: dotted segments step into objects and Maps. */
export function lookup(data: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(data, path)) return data[path];
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (current instanceof Map) current = current.get(part);
    else if (typeof current === 'object' && current !== null && Object.hasOwn(current, part))
      current = (current as Record<string, unknown>)[part];
    else return undefined;
  }
  return current;
}

/** How a value compares with the text of `--filter KEY=VALUE`: strings as themselves, dates as ISO. */
export function matchText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === null) return 'null';
  return undefined;
}

/** A one-line preview, cut at `width` characters. */
export function preview(value: unknown, width = 40): string {
  const text = inline(value, 0);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function inline(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value !== 'object' || value === null) return String(value);
  if (depth > 2) return '…';
  if (value instanceof Map)
    return `Map(${value.size}) {${[...value].map(([k, v]) => `${inline(k, depth + 1)} => ${inline(v, depth + 1)}`).join(', ')}}`;
  if (value instanceof Set) return `Set(${value.size}) {${[...value].map((v) => inline(v, depth + 1)).join(', ')}}`;
  if (value instanceof RegExp) return String(value);
  if (value instanceof Uint8Array) return `<${value.constructor.name} ${value.byteLength} bytes>`;
  if (Array.isArray(value)) return `[${value.map((v) => inline(v, depth + 1)).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${inline(v, depth + 1)}`)
    .join(', ')}}`;
}

/** A leaf's text and type, or the children of a container, for the `inspect` tree. */
interface Described {
  readonly label: string;
  readonly children?: readonly (readonly [string, unknown])[];
  /** Between a child's key and its value: ` → ` for Map entries, `: ` otherwise. */
  readonly separator?: string;
}

function describe(value: unknown): Described {
  if (value instanceof Date) return { label: `Date ${inline(value, 0)}` };
  if (value instanceof Map)
    return { label: `Map(${value.size})`, children: [...value].map(([k, v]) => [inline(k, 2), v]), separator: ' → ' };
  if (value instanceof Set) return { label: `Set(${value.size})`, children: [...value].map((v, i) => [`[${i}]`, v]) };
  if (value instanceof RegExp) return { label: `RegExp ${String(value)}` };
  if (value instanceof Uint8Array) return { label: inline(value, 0) };
  if (Array.isArray(value)) return { label: `Array(${value.length})`, children: value.map((v, i) => [`[${i}]`, v]) };
  if (typeof value === 'object' && value !== null)
    return { label: `Object(${Object.keys(value).length})`, children: Object.entries(value) };
  if (typeof value === 'bigint') return { label: `${value}n (bigint)` };
  if (typeof value === 'string') return { label: `${JSON.stringify(value)}` };
  return { label: `${String(value)}${value === undefined || value === null ? '' : ` (${typeof value})`}` };
}

/** The data as an indented tree (`├─ key: value`), one member per line, types shown. */
export function renderTree(data: Readonly<Record<string, unknown>>): string[] {
  const lines: string[] = [];
  const walk = (entries: readonly (readonly [string, unknown])[], separator: string, indent: string, depth: number) => {
    entries.forEach(([key, value], index) => {
      const last = index === entries.length - 1;
      const described = describe(value);
      lines.push(`${indent}${last ? '└─ ' : '├─ '}${key}${separator}${described.label}`);
      // The codec reads no value nested deeper than 128 levels; past 64 the tree is unreadable anyway.
      if (described.children && depth < 64)
        walk(described.children, described.separator ?? ': ', `${indent}${last ? '   ' : '│  '}`, depth + 1);
    });
  };
  walk(Object.entries(data), ': ', '', 0);
  return lines;
}

/**
 * The JSON form of a value: Dates as ISO strings, Maps as objects (or `[key, value]` pairs when
 * a key is not a string), Sets as arrays, BigInts and non-finite numbers as strings, bytes as
 * base64. Lossy by nature; the `inspect` tree shows the types.
 */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Map) {
    const pairs = [...value].map(([k, v]): [unknown, unknown] => [toJsonValue(k), toJsonValue(v)]);
    return pairs.every(([k]) => typeof k === 'string') ? Object.fromEntries(pairs) : pairs;
  }
  if (value instanceof Set) return [...value].map(toJsonValue);
  if (value instanceof RegExp) return String(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : toJsonValue(item)));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined)
      Object.defineProperty(result, key, {
        value: toJsonValue(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return result;
}
