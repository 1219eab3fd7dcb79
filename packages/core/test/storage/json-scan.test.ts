import { describe, expect, it } from 'vitest';
import { lastMemberBefore } from '../../src/storage/encoding/json-scan.js';

/** Every member of the object `text` holds, read backwards from its closing brace. */
function membersBackwards(text: string): [string, string][] {
  const members: [string, string][] = [];
  let before = text.length - 1;
  while (before > 1) {
    const member = lastMemberBefore(text, before);
    if (member === undefined) throw new Error(`no member before ${before} in ${text}`);
    members.unshift([member.key, text.slice(member.start, member.end)]);
    before = member.keyStart - 1;
  }
  return members;
}

const OBJECTS: [string, Record<string, unknown>][] = [
  ['primitives', { a: 1, b: -2.5e-7, c: true, d: false, e: null, f: 'x' }],
  ['strings with quotes, escapes and brackets', { s: 'a "quoted" }{][ \\', t: '\\', u: '\\"', v: '' }],
  ['nested containers', { o: { p: [1, { q: ']' }, '[', []], r: {} }, w: [[['"']]] }],
  ['escaped and unicode keys', { 'k"ey': 1, 'back\\slash': 2, 'é😀\u0001': 3, '': 4 }],
];

describe('reading an object backwards from its end', () => {
  it.each(OBJECTS)('%s: every member, with its key and its exact text', (_, object) => {
    const text = JSON.stringify(object);
    const expected = Object.entries(object).map(([key, value]): [string, string] => [key, JSON.stringify(value)]);
    expect(membersBackwards(text)).toEqual(expected);
  });

  it('answers undefined where the text is not a member', () => {
    expect(lastMemberBefore('{"a" : 1}', 8)).toBeUndefined();
    expect(lastMemberBefore('[1,2]', 4)).toBeUndefined();
    expect(lastMemberBefore('{}', 1)).toBeUndefined();
  });
});
