import { MAX_DECODED_DEPTH, MAX_RECORD_LENGTH, MAX_STORED_DEPTH } from '@vessel/core';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../src/storage/encoding/codec.js';
import { deserializeRecord, RecordDecodeError, serializeRecord } from '../../src/storage/encoding/record.js';

const decode = (json: string, tagged: boolean) => decodeValue(JSON.parse(json), tagged);

/** `array` with index `index` deleted: a hole, which reads as undefined. */
function holeAt(index: number, array: unknown[]): unknown[] {
  delete array[index];
  return array;
}

/**
 * Texts as earlier releases wrote them: records already in stores must keep decoding to the
 * same values, and the encoder must keep writing the same bytes (a version is the stored text).
 */
const STORED_FORMS: [string, unknown, EncodedForm][] = [
  ['plain data', { a: 1, b: ['x', null, true], c: { d: 'é' } }, { json: '{"a":1,"b":["x",null,true],"c":{"d":"é"}}' }],
  ['plain data with $ keys', { $: 1, $$x: 2 }, { json: '{"$":1,"$$x":2}' }],
  [
    'a Date among plain data',
    { at: new Date('2026-11-01T00:05:00.000Z'), n: 3 },
    { json: '{"at":{"$":"Date","v":"2026-11-01T00:05:00.000Z"},"n":3}', tagged: true },
  ],
  ['an invalid Date', [new Date(Number.NaN)], { json: '[{"$":"Date","v":null}]', tagged: true }],
  [
    'Map, Set, BigInt, non-finite numbers and undefined',
    { m: new Map<unknown, unknown>([[1, new Set(['a'])]]), b: 10n, n: Number.NaN, i: -Infinity, u: undefined },
    {
      json: '{"m":{"$":"Map","v":[[1,{"$":"Set","v":["a"]}]]},"b":{"$":"BigInt","v":"10"},"n":{"$":"Number","v":"NaN"},"i":{"$":"Number","v":"-Infinity"},"u":{"$":"undefined"}}',
      tagged: true,
    },
  ],
  [
    'RegExp, Buffer and Uint8Array',
    [/a"b\/c/gi, Buffer.from([1, 2]), new Uint8Array([3])],
    {
      json: String.raw`[{"$":"RegExp","v":"a\"b\\/c","f":"gi"},{"$":"Buffer","v":"AQI="},{"$":"Uint8Array","v":"Aw=="}]`,
      tagged: true,
    },
  ],
  [
    '$ keys escaped in the tagged form',
    { $: 'tag-like', $$x: 1, plain: new Date(0) },
    { json: '{"$$":"tag-like","$$$x":1,"plain":{"$":"Date","v":"1970-01-01T00:00:00.000Z"}}', tagged: true },
  ],
  ['an array hole (undefined only the tagged form keeps)', holeAt(1, [1, 0, 2]), { json: '[1,null,2]', tagged: true }],
  [
    'strings JSON must escape',
    ['q"\\\n\u0001', '\ud800', 'x'.repeat(40)],
    { json: JSON.stringify(['q"\\\n\u0001', '\ud800', 'x'.repeat(40)]) },
  ],
];

interface EncodedForm {
  json: string;
  tagged?: boolean;
}

describe('codec', () => {
  it.each(STORED_FORMS)('writes %s exactly as stored before', (_name, value, form) => {
    expect(encodeValue(value)).toEqual({ json: form.json, tagged: form.tagged ?? false });
  });

  it.each(STORED_FORMS.filter(([name]) => !name.includes('hole')))('reads %s back as it was', (_name, value, form) => {
    expect(decode(form.json, form.tagged ?? false)).toEqual(value);
  });

  it('writes class instances as their properties, and toJSON objects as their JSON form', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const money = { toJSON: () => '12.50' };
    Object.setPrototypeOf(money, { kind: 'money' });
    expect(encodeValue({ p: new Point(1, 2), m: money })).toEqual({
      json: '{"p":{"x":1,"y":2},"m":"12.50"}',
      tagged: true,
    });
  });

  it('never lets "__proto__" reach a prototype, in either form', () => {
    const plain = decode('{"__proto__":{"polluted":true},"ok":1}', false) as Record<string, unknown>;
    const rich = decode('{"__proto__":{"at":{"$":"Date","v":null}},"$$__proto__":1}', true) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(rich)).toBe(Object.prototype);
    expect(Object.hasOwn(rich, '__proto__')).toBe(true);
    expect(Object.hasOwn(rich, '$__proto__')).toBe(true);
    const again = encodeValue(rich);
    expect(again.json).toBe('{"__proto__":{"at":{"$":"Date","v":null}},"$$__proto__":1}');
  });

  it('names the path of what it cannot store', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeValue({ a: [1, { b: () => 1 }] })).toThrow('cannot store a function at a.1.b');
    expect(() => encodeValue(new Map([[1, Symbol('s')]]))).toThrow('cannot store a symbol at <map key 1>');
    expect(() => encodeValue(new Set([() => 1]))).toThrow('cannot store a function at <set item>');
    expect(() => encodeValue(Symbol('s'))).toThrow('cannot store a symbol at the top level');
    expect(() => encodeValue(cyclic)).toThrow(/nested deeper than 100 levels \(a cycle\?\) at self\.self/);
  });

  it('refuses an unknown tag instead of guessing', () => {
    expect(() => decode('{"$":"Function","v":"return 1"}', true)).toThrow(/unknown type tag "Function"/);
    expect(() => deserializeRecord('{"expires":null,"tagged":true,"value":{"$":"Map","v":1}}')).toThrow(
      /malformed Map/,
    );
  });

  it('keeps the record envelope: expiry first, then the tag flag', () => {
    const raw = serializeRecord({ value: { at: new Date(0) }, expires: 5 });
    expect(raw).toBe('{"expires":5,"tagged":true,"value":{"at":{"$":"Date","v":"1970-01-01T00:00:00.000Z"}}}');
    expect(deserializeRecord(raw)).toEqual({ value: { at: new Date(0) }, expires: 5, raw });
  });

  it('reads records in any JSON layout the same as the layout it writes', () => {
    // The written layout is decoded without parsing the envelope; every other layout by JSON.parse.
    const layouts: [string, unknown, number | undefined][] = [
      ['{"expires":null,"value":[1,2]}', [1, 2], undefined],
      ['{"expires":-5,"value":"x"}', 'x', -5],
      ['{"expires":12, "value":"spaced"}', 'spaced', 12],
      ['{ "expires": 12, "value": "spaced" }', 'spaced', 12],
      ['{"expires":1.5e3,"value":1}', 1, 1500],
      ['{"value":{"a":1},"expires":7}', { a: 1 }, 7],
      ['{"expires":7,"value":1,"value":2}', 2, 7],
      ['{"expires":7,"value":1,"extra":true}', 1, 7],
      ['{"expires":7,"value":{"$":"Date","v":"1970-01-01T00:00:00.000Z"},"tagged":true}', new Date(0), 7],
      ['{"expires":7,"tagged":true,"value":{"$":"Date","v":"1970-01-01T00:00:00.000Z"}}', new Date(0), 7],
      [
        '{"expires":7,"value":{"$":"Date","v":"1970-01-01T00:00:00.000Z"}}',
        { $: 'Date', v: '1970-01-01T00:00:00.000Z' },
        7,
      ],
    ];
    for (const [raw, value, expires] of layouts) expect(deserializeRecord(raw), raw).toEqual({ value, expires, raw });
  });

  it('refuses broken records whatever their head looks like', () => {
    for (const raw of [
      '{"expires":007,"value":1}',
      '{"expires":null,"value":}',
      '{"expires":null,"value":1',
      '{"expires":null}',
    ]) {
      expect(() => deserializeRecord(raw), raw).toThrow(RecordDecodeError);
    }
  });
});

/** `inner` inside `levels` arrays (`[[[…inner…]]]`), as JSON text. */
const nestedText = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

/** A value `levels` deep: `levels - 1` objects around `inner`, which is one more level. */
function nestedValue(levels: number, inner: unknown = {}): unknown {
  let value = inner;
  for (let level = 1; level < levels; level++) value = { down: value };
  return value;
}

describe('codec bounds', () => {
  it('documents its limits: 100 levels stored, 128 read, 16 Mi characters a record', () => {
    expect([MAX_STORED_DEPTH, MAX_DECODED_DEPTH, MAX_RECORD_LENGTH]).toEqual([100, 128, 16 * 1024 * 1024]);
  });

  it('reads a record nested thousands of levels deep as corrupt, in every layout, before anything walks it', () => {
    const deep = nestedText(5000);
    const records = [
      `{"expires":null,"value":${deep}}`,
      `{"expires":null,"tagged":true,"value":${deep}}`,
      `{"expires":null,"tagged":true,"value":{"$":"Set","v":${deep}}}`,
      `{"expires":null,"tagged":true,"value":{"$":"Number","v":${deep}}}`,
      `{ "value": {"data":${deep}}, "expires": null }`,
      `{"expires":null,"value":{"created":1,"accessed":1,"expires":null,"data":{"user":"ada","deep":${deep}}}}`,
    ];
    for (const raw of records) {
      expect(() => deserializeRecord(raw), raw.slice(0, 60)).toThrow(RecordDecodeError);
      expect(() => deserializeRecord(raw), raw.slice(0, 60)).toThrow(/nested deeper than 128 levels/);
    }
  });

  it('reads a value nested exactly as deep as the read limit allows', () => {
    expect(deserializeRecord(`{"expires":null,"value":${nestedText(128)}}`).value).toEqual(JSON.parse(nestedText(128)));
    expect(() => deserializeRecord(`{"expires":null,"value":${nestedText(129)}}`)).toThrow(RecordDecodeError);
    expect(() => decodeValue(JSON.parse(nestedText(129, '{"a":{}}')), false)).toThrow(/nested deeper than 128/);
  });

  it('refuses to store a value nested deeper than 100 levels, naming the limit and the path', () => {
    expect(encodeValue(nestedValue(100)).tagged).toBe(false);
    expect(() => encodeValue(nestedValue(101))).toThrow(TypeError);
    // The path is cut after eight segments: a hundred of them are no help.
    expect(() => encodeValue(nestedValue(101))).toThrow(
      'cannot store a value nested deeper than 100 levels (a cycle?) at down.down.down.down.down.down.down.down.… (92 levels more)',
    );
    expect(() => serializeRecord({ value: { data: nestedValue(5000) } })).toThrow(/nested deeper than 100 levels/);
  });

  it('counts the levels type tags add, so whatever it stores reads back', () => {
    // A Map's entries sit three levels below the Map ({"$":"Map","v":[[key, item]]}), a Set's
    // two; a BigInt or a Date is an object of its own ({"$":"BigInt","v":"1"}).
    const cases: [string, (inner: unknown) => unknown, number][] = [
      ['Map', (inner) => new Map([['k', inner]]), 3],
      ['Set', (inner) => new Set([inner]), 2],
      ['BigInt', () => 1n, 0],
      ['Date', () => new Date(0), 0],
    ];
    for (const [name, make, added] of cases) {
      // The innermost thing at level 100 exactly, and one level deeper.
      const fits = nestedValue(100 - added, make({}));
      const over = nestedValue(101 - added, make({}));
      const raw = serializeRecord({ value: fits });
      expect(deserializeRecord(raw).value, name).toEqual(fits);
      expect(() => encodeValue(over), name).toThrow(/nested deeper than 100 levels/);
    }
    // The read limit leaves room for Vessel's own wrappers around a value stored at the limit.
    const session = { created: 1, accessed: 1, expires: null, data: { deep: nestedValue(100) } };
    const spliced = `{"expires":null,"value":{"created":1,"accessed":1,"expires":null,"data":{"deep":${encodeValue(nestedValue(100)).json}}}}`;
    expect(deserializeRecord(spliced).value).toEqual(session);
  });

  it('refuses a record longer than 16 Mi characters, on write and on read', () => {
    const long = 'x'.repeat(16 * 1024 * 1024);
    expect(() => serializeRecord({ value: long })).toThrow(/cannot store a record of 16777243 characters/);
    expect(() => deserializeRecord(`{"expires":null,"value":"${long}"}`)).toThrow(RecordDecodeError);
    expect(() => deserializeRecord(`{"expires":null,"value":"${long}"}`)).toThrow(/over the limit of 16777216/);
    const fits = 'x'.repeat(16 * 1024 * 1024 - 40);
    expect(deserializeRecord(serializeRecord({ value: fits })).value).toBe(fits);
  });
});
