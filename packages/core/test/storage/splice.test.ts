import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/session/types.js';
import { encodeValue } from '../../src/storage/encoding/codec.js';
import { deserializeRecord, recordOfEncoded, serializeRecord } from '../../src/storage/encoding/record.js';
import { encodeOntoBase } from '../../src/storage/encoding/splice.js';

const base = (data: Record<string, unknown>, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  created: 1_700_000_000_000,
  accessed: 1_700_000_001_000,
  expires: 1_700_003_601_000,
  data,
  ...extra,
});

/** Data shapes a session holds, each with a key the save changes and keys it keeps. */
const DATA: [string, Record<string, unknown>][] = [
  ['plain', { user: { id: 1, name: 'Ada', roles: ['a', 'b'] }, visits: 1 }],
  ['a Date (tagged)', { user: { name: 'Ada', lastLogin: new Date(0) }, visits: 1 }],
  ['$ keys, plain', { $user: { $id: 1 }, visits: 1 }],
  ['$ keys, tagged', { $user: { $id: 1, at: new Date(5) }, $$odd: 'x', visits: 1 }],
  ['escapes and unicode', { 'we"ird\\key': 'a "quoted" \\ value }{][', emoji: '😀 é \u2028', visits: 1 }],
  ['rich values', { m: new Map<unknown, unknown>([[1, { a: [new Set([1n])] }]]), b: Buffer.from('hi'), visits: 1 }],
  ['nested brackets in strings', { s: '{"not":"json"}', t: ['[', ']', '{', '}'], visits: 1 }],
  ['an escaped key last before the change', { x: 1, 'a"b\\c\u0001': { s: 'q"}\\', t: '\\' }, visits: 1 }],
  ['empty values', { o: {}, a: [], e: '', z: 0, n: null, f: false, visits: 1 }],
];

describe('a save keeps the stored text of the keys it did not change', () => {
  it.each(DATA)('%s: the same bytes as encoding the whole record', (_, data) => {
    for (const timeout of [undefined, 120]) {
      const loaded = base(data, timeout === undefined ? {} : { timeout });
      const stored = serializeRecord({ value: loaded, expires: 99 });
      const saved: SessionRecord = {
        ...loaded,
        accessed: loaded.accessed + 5,
        data: { ...data, visits: 2, added: 'new' },
      };
      const encoded = encodeOntoBase(stored, Object.keys(data), saved, new Set(['visits', 'added']));
      expect(encoded).toBeDefined();
      // Text that needs tags stays tagged; plain text stays plain unless a change needs tags.
      const whole = encodeValue(saved);
      expect(encoded).toEqual(whole);
      expect(deserializeRecord(recordOfEncoded(encoded as never, 99)).value).toEqual(saved);
    }
  });

  it('writes every key from the first changed one on anew, in the order of the data', () => {
    const data = { a: { big: 'x'.repeat(50) }, b: 1, c: { at: new Date(1) }, d: 'kept but after a change' };
    const stored = serializeRecord({ value: base(data) });
    const saved = base({ ...data, b: 2, e: [1] });
    expect(encodeOntoBase(stored, Object.keys(data), saved, new Set(['b', 'e']))).toEqual(encodeValue(saved));
  });

  it('drops deleted keys after the kept ones', () => {
    const data = { user: { name: 'Ada', at: new Date(2) }, cart: [1, 2], visits: 1 };
    const stored = serializeRecord({ value: base(data) });
    const saved = base({ user: data.user, visits: 2 });
    expect(encodeOntoBase(stored, Object.keys(data), saved, new Set(['cart', 'visits']))).toEqual(encodeValue(saved));
  });

  it('leaves the whole encoding to the caller where the splice cannot be right', () => {
    const plain = serializeRecord({ value: base({ user: { name: 'Ada' } }) });
    // A changed value that needs tags inside text that has none.
    expect(
      encodeOntoBase(plain, ['user'], base({ user: { name: 'Ada' }, at: new Date(0) }), new Set(['at'])),
    ).toBeUndefined();
    // The first key changed: nothing to keep in one piece.
    const stored = serializeRecord({ value: base({ a: 1, b: 2 }) });
    expect(encodeOntoBase(stored, ['a', 'b'], base({ a: 3, b: 2 }), new Set(['a']))).toBeUndefined();
    // Keys that do not match the stored text.
    expect(encodeOntoBase(stored, ['a', 'c'], base({ a: 1, b: 3 }), new Set(['b']))).toBeUndefined();
    expect(encodeOntoBase(stored, ['a', 'b', 'c'], base({ a: 1, b: 3 }), new Set(['b']))).toBeUndefined();
    // Keys JavaScript orders as numbers, whatever the text says.
    const numeric = serializeRecord({ value: base({ 7: 'x', a: 1 }) });
    expect(encodeOntoBase(numeric, ['7', 'a'], base({ 7: 'x', a: 2 }), new Set(['a']))).toBeUndefined();
    // Text not in the layout Vessel writes (spaces, other key order), or not a session record.
    const record = base({ a: 1 });
    const spaced = `{"expires":5,"value":${JSON.stringify(record, null, 2)}}`;
    expect(encodeOntoBase(spaced, ['a'], { ...record, data: { a: 1, b: 2 } }, new Set(['b']))).toBeUndefined();
    expect(encodeOntoBase(`{"value":${JSON.stringify(record)},"expires":1}`, ['a'], record, new Set())).toBeUndefined();
    expect(encodeOntoBase('{"expires":null,"value":[1,2]}', ['a'], record, new Set())).toBeUndefined();
    expect(encodeOntoBase('{"expires":null,"value":{"data":7}}', ['a'], record, new Set())).toBeUndefined();
    // An unescaped $ key in tagged data text would make the data a tag.
    expect(
      encodeOntoBase('{"expires":null,"tagged":true,"value":{"data":{"$x":1}}}', ['a'], record, new Set()),
    ).toBeUndefined();
  });
});

describe('the splice writes new keys and times exactly as a whole encoding would', () => {
  it('quotes and escapes changed keys that JSON cannot write bare', () => {
    const data = { user: { name: 'Ada' }, visits: 1 };
    const stored = serializeRecord({ value: base(data) });
    for (const key of ['a"b', 'back\\slash', 'with space', 'ключ', 'tab\tkey', '']) {
      const saved = base({ ...data, [key]: 1 });
      const encoded = encodeOntoBase(stored, Object.keys(data), saved, new Set([key]));
      expect(encoded, JSON.stringify(key)).toEqual(encodeValue(saved));
    }
  });

  it('leaves records whose times or timeout are not whole numbers to the whole encoding', () => {
    const data = { user: { name: 'Ada' }, visits: 1 };
    const stored = serializeRecord({ value: base(data) });
    for (const odd of [{ created: 1.5 }, { accessed: 2.5 }, { expires: 3.5 }, { timeout: 1.5 }]) {
      const saved = base({ ...data, visits: 2 }, odd);
      expect(
        encodeOntoBase(stored, Object.keys(data), saved, new Set(['visits'])),
        JSON.stringify(odd),
      ).toBeUndefined();
    }
    // Whole numbers, null expiry and a whole timeout splice.
    const whole = base({ ...data, visits: 2 }, { expires: null, timeout: 60 });
    expect(encodeOntoBase(stored, Object.keys(data), whole, new Set(['visits']))).toEqual(encodeValue(whole));
  });
});

describe('the splice in tagged text and around the timeout', () => {
  it('escapes a changed key that starts with $ in tagged text, and checks stored $ keys by their escaped form', () => {
    const data = { user: { at: new Date(1) }, $kept: 1, visits: 1 };
    const stored = serializeRecord({ value: base(data) });
    const saved = base({ ...data, visits: 2, $added: 'x' });
    const encoded = encodeOntoBase(stored, Object.keys(data), saved, new Set(['visits', '$added']));
    expect(encoded).toEqual(encodeValue(saved));
    // Walking back over a stored `$` key after the first change.
    const after = base({ user: data.user, $kept: 2, visits: 1 });
    expect(encodeOntoBase(stored, Object.keys(data), after, new Set(['$kept']))).toEqual(encodeValue(after));
  });

  it('splices records whose timeout holds any digits', () => {
    const data = { user: { name: 'Ada' }, visits: 1 };
    for (const timeout of [9, 59, 90, 1999]) {
      const stored = serializeRecord({ value: base(data, { timeout }) });
      const saved = base({ ...data, visits: 2 }, { timeout });
      expect(encodeOntoBase(stored, Object.keys(data), saved, new Set(['visits'])), `${timeout}`).toEqual(
        encodeValue(saved),
      );
    }
  });

  it('leaves records with other members after the data (another writer’s) to the whole encoding', () => {
    const saved = base({ a: 1, b: 2 });
    const head = '{"expires":null,"value":{"created":1,"accessed":1,"expires":null,"data":{"a":1}';
    // A member as long as `,"timeout":`, and a timeout that is not right after the data.
    for (const tail of [',"elapsed":5}}', ',"y":"z","timeout":5}}', ',"other":7}}']) {
      expect(encodeOntoBase(`${head}${tail}`, ['a'], saved, new Set(['b'])), tail).toBeUndefined();
    }
  });
});
