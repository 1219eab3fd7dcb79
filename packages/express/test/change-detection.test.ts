import { describe, expect, it } from 'vitest';
import { comparisonText, samePrint, sessionPrint } from '../src/compat/compare.js';

/** The definition the fast path must match: JSON, plus Map, Set and BigInt, which JSON loses. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { '\u0000Map': [...value] };
  if (value instanceof Set) return { '\u0000Set': [...value] };
  if (typeof value === 'bigint') return { '\u0000BigInt': value.toString() };
  return value;
}
const reference = (value: unknown) => JSON.stringify(value, replacer);

describe('comparisonText', () => {
  const withProto = JSON.parse('{"__proto__": {"when": "x"}, "at": 1}') as Record<string, unknown>;
  withProto.when = new Date(5);
  class Point {
    constructor(
      readonly x: number,
      readonly at: Date,
    ) {}
  }
  const holey: unknown[] = [1];
  holey[3] = undefined;
  holey[4] = () => 1;
  const values: [string, unknown][] = [
    ['plain data', { id: 1, name: 'ada', roles: ['a', 'b'], nested: { deep: [1, { two: 2 }] } }],
    ['a Date', new Date(Date.UTC(2026, 10, 1))],
    ['Dates deep in objects and arrays', { user: { last: new Date(1), list: [new Date(2), { at: new Date(3) }] } }],
    ['an invalid Date', { at: new Date(Number.NaN) }],
    [
      'a Map',
      {
        m: new Map<unknown, unknown>([
          ['a', 1],
          [2, new Date(4)],
        ]),
      },
    ],
    ['a Set', [new Set([1, 2, 3])]],
    ['a BigInt', { big: 10n ** 20n }],
    ['a custom toJSON', { money: { toJSON: () => ({ cents: 5 }) } }],
    ['a class instance with a Date', new Point(1, new Date(6))],
    ['an own __proto__ key next to a Date', withProto],
    ['holes and undefined in arrays', holey],
    ['values JSON drops', { f: () => 1, u: undefined, s: Symbol('x'), kept: true }],
    ['strings and numbers', ['x', 1.5, -0, null, false, '\u0000Map']],
  ];
  it.each(values)('is JSON with the replacer for %s', (_name, value) => {
    expect(comparisonText(value)).toBe(reference(value));
  });

  it('is undefined for what JSON drops at the top level', () => {
    expect(comparisonText(undefined)).toBeUndefined();
    expect(comparisonText(() => 1)).toBeUndefined();
  });

  it('handles data nested deeper than the fast path goes', () => {
    let deep: unknown = { at: new Date(7) };
    for (let level = 0; level < 100; level++) deep = { level, deep };
    expect(comparisonText(deep)).toBe(reference(deep));
  });

  it('still refuses a cycle, as JSON does', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => comparisonText(cyclic)).toThrow(TypeError);
  });

  it('sees a Date changed in place, and not a Date replaced by an equal one', () => {
    const at = new Date(1000);
    const before = comparisonText({ at });
    at.setTime(2000);
    expect(comparisonText({ at })).not.toBe(before);
    expect(comparisonText({ at: new Date(2000) })).toBe(comparisonText({ at }));
  });
});

describe('sessionPrint', () => {
  it('leaves out the cookie and what JSON drops, keeping the key order', () => {
    const session = { cookie: { expires: new Date() }, b: 1, a: { x: [1] }, gone: undefined, fn: () => 1 };
    expect(sessionPrint(session)).toEqual(['b', '1', 'a', '{"x":[1]}']);
  });

  it('is equal exactly when express-session’s hash would be: data, order, nested changes', () => {
    const data = { user: { name: 'ada', seen: [1] }, count: 1 };
    const print = sessionPrint({ cookie: {}, ...data });
    expect(samePrint(print, sessionPrint({ cookie: { changed: true }, ...data }))).toBe(true);
    expect(samePrint(print, sessionPrint({ cookie: {}, count: 1, user: data.user }))).toBe(false);
    data.user.seen.push(2);
    expect(samePrint(print, sessionPrint({ cookie: {}, ...data }))).toBe(false);
  });
});
