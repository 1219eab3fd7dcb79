/**
 * The cookie codec every front end shares: reading the Cookie header and writing Set-Cookie
 * values. Set-Cookie is the `cookie` package at the version express-session 1.19 uses, so the
 * Express adapter's headers match express-session's byte for byte; the Cookie header is read by
 * the same package's rules, in place. Reading is forgiving — junk, unrelated cookies, bad
 * percent-encoding and duplicates never throw — because a browser's cookie jar is input nobody
 * controls (Beaker's issues #24 and #231 came from exactly that).
 */
import { createRequire } from 'node:module';

/** Set-Cookie attributes, as the `cookie` package takes them. */
export interface SetCookieOptions {
  readonly path?: string | undefined;
  readonly domain?: string | undefined;
  /** Absent (or null): no Expires attribute. */
  readonly expires?: Date | null | undefined;
  /** Seconds; sent as Max-Age. */
  readonly maxAge?: number | undefined;
  readonly httpOnly?: boolean | undefined;
  readonly secure?: boolean | undefined;
  /** `true` is `Strict`; `false`/absent sends none. */
  readonly sameSite?: boolean | 'strict' | 'lax' | 'none' | undefined;
  readonly priority?: 'low' | 'medium' | 'high' | undefined;
  readonly partitioned?: boolean | undefined;
}

interface CookiePackage {
  serialize(name: string, value: string, options?: SetCookieOptions): string;
}

const cookiePackage = createRequire(import.meta.url)('cookie') as CookiePackage;

/**
 * A Set-Cookie header value, the value percent-encoded (`encodeURIComponent`, as
 * express-session encodes it). Throws a `TypeError` naming an invalid name or attribute.
 */
export function serializeCookie(name: string, value: string, options: SetCookieOptions): string {
  return cookiePackage.serialize(name, value, options);
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Where the last `readCookie` that found a cookie stopped: just past that cookie's pair. */
let resumeIndex = 0;

/**
 * The value of the first cookie called `name` in a Cookie header from index `from` on, exactly
 * as the `cookie` package's `parse(header)[name]` reads the first (the same splitting, trimming,
 * quote stripping and URI decoding) without decoding or collecting the header's other cookies:
 * it runs on every request. `afterLastCookie()` then says where to look for the next of the name.
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

/** Every value sent for cookie `name`, in header order, percent-decoded where that is valid. */
export function readCookieValues(header: string | undefined | null, name: string): string[] {
  const values: string[] = [];
  if (!header) return values;
  for (let value = readCookie(header, name); value !== undefined; value = readCookie(header, name, afterLastCookie()))
    values.push(value);
  return values;
}

/** Attributes of the session cookie core writes. */
export interface CookieAttributes {
  readonly path: string;
  readonly domain?: string | undefined;
  /** Absent: a browser-session cookie. */
  readonly expires?: Date | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: 'strict' | 'lax' | 'none';
}

/** A Set-Cookie value that makes the browser drop cookie `name`. */
export function expiredCookie(name: string, attributes: CookieAttributes): string {
  return serializeCookie(name, '', { ...attributes, expires: new Date(0) });
}
