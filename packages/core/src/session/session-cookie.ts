import type { ResolvedSessionConfig } from '../config/types.js';
import { CookieTooLargeError } from '../errors.js';
import { type CookieAttributes, expiredCookie, serializeCookie } from './cookie-header.js';
import type { SessionPersistence } from './persistence.js';
import type { SessionRecord } from './types.js';

/** Browsers drop cookies whose Set-Cookie value is longer than this. */
export const MAX_COOKIE_BYTES = 4096;

/** Writes the session's Set-Cookie values from the options: name, attributes, expiry. */
export class SessionCookieWriter {
  readonly #name: string;
  readonly #attributes: CookieAttributes;
  readonly #expires: ResolvedSessionConfig['cookieExpires'];
  readonly #persistence: SessionPersistence;
  readonly #now: () => number;

  constructor(options: ResolvedSessionConfig, persistence: SessionPersistence, now: () => number) {
    this.#name = options.key;
    this.#expires = options.cookieExpires;
    this.#persistence = persistence;
    this.#now = now;
    this.#attributes = {
      path: options.cookiePath,
      domain: options.cookieDomain,
      httpOnly: options.httpOnly,
      secure: options.secure,
      sameSite: options.sameSite,
    };
  }

  /** The cookie for a session: its signed id, or (cookie-only) the sealed record. */
  header(id: string, record: SessionRecord): string {
    const value = this.#persistence.cookieValue(id, record);
    return serializeCookie(this.#name, value, { ...this.#attributes, expires: this.#expiry() });
  }

  /** A cookie that makes the browser drop the session cookie. */
  expired(): string {
    return expiredCookie(this.#name, this.#attributes);
  }

  /** Throws `CookieTooLargeError` when the cookie for `record` would pass the browser limit. */
  checkSize(id: string, record: SessionRecord): void {
    const size = Buffer.byteLength(this.header(id, record));
    if (size > MAX_COOKIE_BYTES) throw new CookieTooLargeError(size, MAX_COOKIE_BYTES);
  }

  #expiry(): Date | undefined {
    if (this.#expires === false) return undefined;
    return this.#expires instanceof Date ? this.#expires : new Date(this.#now() + this.#expires * 1000);
  }
}
