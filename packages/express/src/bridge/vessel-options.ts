import type { ResolvedSessionConfig } from '@vessel/core';
import type { CookieOptions } from '../compat/cookie.js';
import type { SessionDefaults } from '../compat/options.js';

/**
 * The cookie a vessel's session config describes, in express-session's terms: `cookieExpires`
 * `false` is a browser-session cookie (`maxAge: null`), seconds are `maxAge` (ms), a Date is
 * `expires`.
 */
export function vesselCookie(config: ResolvedSessionConfig): CookieOptions {
  const { cookieExpires } = config;
  const lifetime: CookieOptions =
    cookieExpires === false
      ? { maxAge: null }
      : cookieExpires instanceof Date
        ? { expires: cookieExpires }
        : { maxAge: cookieExpires * 1000 };
  return {
    path: config.cookiePath,
    ...(config.cookieDomain === undefined ? {} : { domain: config.cookieDomain }),
    httpOnly: config.httpOnly,
    secure: config.secure,
    sameSite: config.sameSite,
    ...lifetime,
  };
}

/**
 * What a vessel's session config supplies to `session()` where its options give nothing: the
 * config is the single source, so a vessel without `session.key` names the cookie `vessel.sid`
 * (the config's default), not express-session's `connect.sid`.
 */
export function vesselSessionDefaults(config: ResolvedSessionConfig): SessionDefaults {
  return { name: config.key, secret: config.secret, rolling: config.rolling, cookie: vesselCookie(config) };
}
