import type { Session } from '@vessel/core';

const EXPIRES_ATTRIBUTE = /; Expires=[^;]*/i;

/**
 * The session cookie `setCookie` with its `Expires` set to when `session` ends, for a session
 * with an idle timeout of its own (`ctx.session.maxAge = …`, koa-session's per-session cookie
 * lifetime): core writes every cookie with the configured lifetime, so a "remember me" session
 * would otherwise keep a browser-session cookie. Other cookies, and the one that clears a
 * session, are returned unchanged.
 */
export function withSessionExpiry(setCookie: string, cookieName: string, session: Session | undefined): string {
  if (session === undefined || session.idleTimeout === undefined || session.isDestroyed) return setCookie;
  // The cookie that clears a session has an empty value (and an expiry in 1970): leave it.
  if (setCookie.startsWith(`${cookieName}=;`)) return setCookie;
  const expiresAt = session.expiresAt;
  if (expiresAt === null) return setCookie;
  const attribute = `; Expires=${expiresAt.toUTCString()}`;
  return EXPIRES_ATTRIBUTE.test(setCookie)
    ? setCookie.replace(EXPIRES_ATTRIBUTE, attribute)
    : `${setCookie}${attribute}`;
}
