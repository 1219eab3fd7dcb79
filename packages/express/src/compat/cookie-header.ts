/**
 * The Cookie/Set-Cookie codec. Set-Cookie is the `cookie` package at the version express-session
 * 1.19 uses, so headers match byte for byte (typed here: that version ships no types); the
 * Cookie header is read with the same package's rules.
 */
import { createRequire } from 'node:module';
import type { CookieData } from './cookie.js';

interface CookieCodec {
  serialize(name: string, value: string, options?: Partial<CookieData>): string;
}

const codec = createRequire(import.meta.url)('cookie') as CookieCodec;

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Where the last `readCookie` that found a cookie stopped: just past that cookie's pair. */
let resumeIndex = 0;

/**
 * The value of the first cookie called `name` in a Cookie header from index `from` on, exactly
 * as the codec's `parse(header)[name]` reads the first (the same splitting, trimming, quote
 * stripping and URI decoding) without decoding or collecting the header's other cookies: it
 * runs on every request. `afterLastCookie()` then says where to look for the next of the name.
 */
export function readCookie(header: string, name: string, from = 0): string | undefined {
  const length = header.length;
  if (length < 2) return undefined;
  let index = from;
  do {
    const equals = header.indexOf('=', index);
    if (equals === -1) return undefined;
    let end = header.indexOf(';', index);
    if (end === -1) {
      end = length;
    } else if (equals > end) {
      // A pair without "=": start again after the last ";" before this "=".
      index = header.lastIndexOf(';', equals - 1) + 1;
      continue;
    }
    let keyStart = index;
    while (keyStart < equals && isBlank(header.charCodeAt(keyStart))) keyStart++;
    let keyEnd = equals;
    while (keyEnd > keyStart && isBlank(header.charCodeAt(keyEnd - 1))) keyEnd--;
    if (keyEnd - keyStart === name.length && header.startsWith(name, keyStart)) {
      let valueStart = equals + 1;
      while (valueStart < end && isBlank(header.charCodeAt(valueStart))) valueStart++;
      let valueEnd = end;
      while (valueEnd > valueStart && isBlank(header.charCodeAt(valueEnd - 1))) valueEnd--;
      if (header.charCodeAt(valueStart) === 0x22 && header.charCodeAt(valueEnd - 1) === 0x22) {
        valueStart++;
        valueEnd--;
      }
      resumeIndex = end + 1;
      const value = header.slice(valueStart, valueEnd);
      if (value.indexOf('%') === -1) return value;
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
    index = end + 1;
  } while (index < length);
  return undefined;
}

/**
 * The index just past the cookie the last successful `readCookie` returned: pass it as `from`
 * for the next cookie of the same name (a browser sends one per path and domain that matches).
 */
export function afterLastCookie(): number {
  return resumeIndex;
}

/** A Set-Cookie value; throws a TypeError naming an invalid attribute. */
export function serialize(name: string, value: string, attributes: Partial<CookieData>): string {
  return codec.serialize(name, value, attributes);
}
