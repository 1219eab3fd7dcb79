import { type SetCookieOptions, serializeCookie } from '@vessel/core';

/** `SameSite` as express-session takes it: `true` is `Strict`, `'auto'` picks by the request's protocol. */
export type SameSiteOption = boolean | 'lax' | 'strict' | 'none' | 'auto';

/** Cookie options, as express-session's `cookie` option takes them. */
export interface CookieOptions {
  /** Lifetime in ms from each `touch` (every response); `null` for a browser-session cookie. Default `null`. */
  maxAge?: number | null;
  /** A fixed expiry; prefer `maxAge` (the one set last wins). Default: none. */
  expires?: Date | null;
  /** The `maxAge` the cookie was created with (restored from the store; rarely set by hand). */
  originalMaxAge?: number | null;
  /** `HttpOnly`. Default `true`. */
  httpOnly?: boolean;
  /** `Secure`; `'auto'` follows the request's protocol (see the `proxy` option). Default `false`. */
  secure?: boolean | 'auto';
  /** `SameSite`; `'auto'` is `None` on HTTPS and `Lax` otherwise. Default: not set. */
  sameSite?: SameSiteOption;
  /** `Domain`. Default: none (host-only). */
  domain?: string;
  /** `Path`; requests outside it get no session. Default `/`. */
  path?: string;
  /** `Priority`: `low`, `medium` or `high`. Default: not set. */
  priority?: 'low' | 'medium' | 'high';
  /** `Partitioned` (CHIPS). Default: not set. */
  partitioned?: boolean;
  /** Accepted for compatibility and ignored: the session cookie is always signed. */
  signed?: boolean;
}

/** The attributes a Set-Cookie header is built from (also what the store keeps as `cookie`). */
export interface CookieData {
  originalMaxAge: number | null | undefined;
  partitioned: boolean | undefined;
  priority: CookieOptions['priority'];
  expires: Date | null | undefined;
  secure: boolean | 'auto' | undefined;
  httpOnly: boolean | undefined;
  domain: string | undefined;
  path: string | undefined;
  sameSite: SameSiteOption | undefined;
}

/**
 * The session cookie's settings (`req.session.cookie`), with express-session's semantics:
 * setting `maxAge` sets `expires` to now + `maxAge`, reading `maxAge` gives the ms left, and
 * `originalMaxAge` remembers the lifetime that `touch()` restores.
 */
export class Cookie {
  declare path: string;
  declare httpOnly: boolean | undefined;
  declare originalMaxAge: number | null | undefined;
  declare secure: boolean | 'auto' | undefined;
  declare sameSite: SameSiteOption | undefined;
  declare domain: string | undefined;
  declare priority: CookieOptions['priority'];
  declare partitioned: boolean | undefined;
  declare _expires: Date | null | undefined;

  constructor(options?: CookieOptions | Record<string, unknown>) {
    this.path = '/';
    this.maxAge = null;
    this.httpOnly = true;
    if (options) {
      if (typeof options !== 'object') throw new TypeError('argument options must be a object');
      const target = this as unknown as Record<string, unknown>;
      // Assigned in the caller's order through the accessors: of `expires` and `maxAge`, the last one wins.
      for (const key in options) {
        if (key !== 'data') target[key] = (options as Record<string, unknown>)[key];
      }
    }
    if (this.originalMaxAge === undefined || this.originalMaxAge === null) this.originalMaxAge = this.maxAge;
  }

  /** When the cookie expires; `null`/`undefined` for a browser-session cookie. */
  get expires(): Date | null | undefined {
    return this._expires;
  }

  set expires(date: Date | null | undefined) {
    this._expires = date;
    this.originalMaxAge = this.maxAge;
  }

  /** Ms until `expires` (negative once past); `null` without an expiry. Setting it moves `expires`. */
  get maxAge(): number | null | undefined {
    const expires = this._expires;
    return expires instanceof Date ? expires.valueOf() - Date.now() : (expires as null | undefined);
  }

  set maxAge(ms: number | Date | null | undefined) {
    if (ms && typeof ms !== 'number' && !(ms instanceof Date)) throw new TypeError('maxAge must be a number or Date');
    this.expires = typeof ms === 'number' ? new Date(Date.now() + ms) : ms;
    // express-session reads originalMaxAge back from `expires`, a millisecond short when the clock
    // ticks in between; the exact value keeps Expires exactly maxAge after the response's Date.
    if (typeof ms === 'number') this.originalMaxAge = ms;
  }

  /** The attributes as serialized and stored. */
  get data(): CookieData {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this._expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    };
  }

  /** A Set-Cookie value for `name=value` with these attributes. */
  serialize(name: string, value: string): string {
    // `data`'s `secure: 'auto'` is resolved per request before a cookie is sent.
    return serializeCookie(name, value, this.data as SetCookieOptions);
  }

  toJSON(): CookieData {
    return this.data;
  }
}

/** A cookie restored from its stored JSON: `expires` back to a Date, `originalMaxAge` kept as stored. */
export function reviveCookie(stored: Record<string, unknown>): Cookie {
  const { expires, originalMaxAge } = stored;
  const cookie = new Cookie(stored);
  if (typeof expires === 'string') cookie.expires = new Date(expires);
  cookie.originalMaxAge = originalMaxAge as number | null | undefined;
  return cookie;
}
