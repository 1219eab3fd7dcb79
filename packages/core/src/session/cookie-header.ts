/**
 * Reading Cookie headers and writing Set-Cookie values. Reading is forgiving — junk, unrelated
 * cookies, bad percent-encoding and duplicates never throw — because a browser's cookie jar is
 * input nobody controls (Beaker's issues #24 and #231 came from exactly that).
 */

/** Every value sent for cookie `name`, in header order, percent-decoded where that is valid. */
export function readCookieValues(header: string | undefined | null, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  // Walked in place rather than split: this runs on every request.
  for (let start = 0; start < header.length; ) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq >= 0 && eq < end && header.slice(start, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      values.push(decode(value));
    }
    start = end + 1;
  }
  return values;
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Attributes of a Set-Cookie header. */
export interface CookieAttributes {
  readonly path: string;
  readonly domain?: string | undefined;
  /** Absent: a browser-session cookie. */
  readonly expires?: Date | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: 'strict' | 'lax' | 'none';
}

const SAME_SITE = { strict: 'Strict', lax: 'Lax', none: 'None' } as const;

/** A Set-Cookie header value; the value is percent-encoded as express-session encodes it. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  let header = `${name}=${encodeURIComponent(value)}; Path=${attributes.path}`;
  if (attributes.domain) header += `; Domain=${attributes.domain}`;
  if (attributes.expires) header += `; Expires=${attributes.expires.toUTCString()}`;
  if (attributes.httpOnly) header += '; HttpOnly';
  if (attributes.secure) header += '; Secure';
  header += `; SameSite=${SAME_SITE[attributes.sameSite]}`;
  return header;
}

/** A Set-Cookie value that makes the browser drop cookie `name`. */
export function expiredCookie(name: string, attributes: CookieAttributes): string {
  return serializeCookie(name, '', { ...attributes, expires: new Date(0) });
}
