import { randomBytes } from 'node:crypto';

/**
 * Session ids: 24 random bytes (192 bits) as 32 base64url characters, the same shape
 * express-session's `uid-safe` ids have, so ids from either accept the same pattern.
 */
export function generateSessionId(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Ids accepted from the outside: base64url, 22–128 characters (at least 128 bits when
 * random). Checked before any storage access, so a cookie can never smuggle `../` or a
 * wildcard into a key or a path.
 */
export const DEFAULT_ID_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** True when `id` is a string matching `pattern`. */
export function isValidSessionId(id: unknown, pattern: RegExp = DEFAULT_ID_PATTERN): id is string {
  return typeof id === 'string' && id.length <= 256 && pattern.test(id);
}
