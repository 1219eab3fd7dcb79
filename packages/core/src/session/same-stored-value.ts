import { encodeValue } from '../storage/index.js';

/**
 * `true` when `current` would be stored as the same text as `before` (a value decoded from
 * storage), decided without encoding either where it can be: plain objects (same keys in the
 * same order), arrays (same holes), Dates (same time) and primitives are compared in place, which
 * costs a fraction of encoding both; anything else (Map, Set, Buffer, class instances) is
 * compared by its encoded text. Every "same" it answers is one the encoder would agree with, so
 * an in-place edit is never missed; where it cannot tell cheaply it says "not the same", which
 * only costs a save.
 *
 * Why: a request that reads an object from its session (`session.get('user')`) may have edited it
 * in place, and every such read is checked when the request ends — on read-only requests, the
 * check was the largest part of the commit.
 */
export function sameStoredValue(current: unknown, before: unknown): boolean {
  if (current === before) return true;
  if (typeof current !== 'object' || typeof before !== 'object' || current === null || before === null) {
    // NaN and the infinities are stored as tags of their text: equal when `Object.is` says so.
    return typeof current === 'number' && Object.is(current, before);
  }
  if (Array.isArray(current)) return Array.isArray(before) && sameArray(current, before);
  if (Array.isArray(before)) return false;
  const currentPlain = isPlain(current);
  if (currentPlain !== isPlain(before)) return false;
  if (currentPlain) return samePlainObject(current as Record<string, unknown>, before as Record<string, unknown>);
  if (current instanceof Date) return before instanceof Date && Object.is(current.getTime(), before.getTime());
  return sameEncoding(current, before);
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function sameArray(current: readonly unknown[], before: readonly unknown[]): boolean {
  if (current.length !== before.length) return false;
  for (let index = 0; index < current.length; index++) {
    // A hole is stored apart from an `undefined` (tagged) and from a `null`.
    if (index in current !== index in before) return false;
    if (!sameStoredValue(current[index], before[index])) return false;
  }
  return true;
}

function samePlainObject(current: Record<string, unknown>, before: Record<string, unknown>): boolean {
  // The encoder writes keys in `for…in` order: the same keys in another order are other text.
  const beforeKeys: string[] = [];
  for (const key in before) beforeKeys.push(key);
  let index = 0;
  for (const key in current) {
    if (beforeKeys[index] !== key) return false;
    if (!sameStoredValue(current[key], before[key])) return false;
    index++;
  }
  return index === beforeKeys.length;
}

function sameEncoding(current: object, before: object): boolean {
  try {
    return encodeValue(current).json === encodeValue(before).json;
  } catch {
    // Unstorable now: the save that follows says what and where.
    return false;
  }
}
