/**
 * The cache key of a memoized call, built from its arguments (never its receiver). The key is
 * the arguments written as a canonical JSON-like array, so equal arguments always give the same
 * key, in every process and release:
 *
 * - strings, booleans and `null` as JSON; numbers as JSON, with `NaN`, `Infinity`, `-Infinity`
 *   and `-0` spelled out; bigints as `12n`; `undefined` as `undefined`;
 * - a `Date` as `Date(<ISO>)`; arrays in order; plain objects with their keys sorted and
 *   `undefined`-valued keys left out, so `{ a: 1, b: 2 }` and `{ b: 2, a: 1 }` are one key;
 * - any other object through its `toJSON()`;
 * - trailing `undefined` arguments are dropped, so `f(1)` and `f(1, undefined)` share a key.
 *
 * `f(1, 2)` is `[1,2]`, `f({ id: 1 })` is `[{"id":1}]`. Functions, symbols, cycles and objects
 * without `toJSON` have no stable spelling and throw a `TypeError` naming the argument.
 */
export function argumentKey(args: readonly unknown[], functionName: string): string {
  let length = args.length;
  while (length > 0 && args[length - 1] === undefined) length--;
  const parts: string[] = [];
  for (let index = 0; index < length; index++) {
    parts.push(canonical(args[index], new Set(), () => `argument ${index + 1} of ${functionName}()`));
  }
  return `[${parts.join(',')}]`;
}

function canonical(value: unknown, ancestors: Set<object>, where: () => string): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (Object.is(value, -0)) return '-0';
      return Number.isFinite(value) ? JSON.stringify(value) : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return value === null ? 'null' : canonicalObject(value, ancestors, where);
    default:
      throw new TypeError(`cannot build a cache key from ${where()}: a ${typeof value} has no stable spelling`);
  }
}

function canonicalObject(value: object, ancestors: Set<object>, where: () => string): string {
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`;
  if (ancestors.has(value)) throw new TypeError(`cannot build a cache key from ${where()}: it holds a cycle`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((item) => canonical(item, ancestors, where)).join(',')}]`;
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const fields: string[] = [];
      for (const name of Object.keys(value).sort()) {
        const field = (value as Record<string, unknown>)[name];
        if (field !== undefined) fields.push(`${JSON.stringify(name)}:${canonical(field, ancestors, where)}`);
      }
      return `{${fields.join(',')}}`;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return canonical(toJSON.call(value), ancestors, where);
    const kind = (value as { constructor?: { name?: string } }).constructor?.name || 'object';
    throw new TypeError(
      `cannot build a cache key from ${where()}: a ${kind} has no stable spelling; pass plain data, or give the class a toJSON()`,
    );
  } finally {
    ancestors.delete(value);
  }
}
