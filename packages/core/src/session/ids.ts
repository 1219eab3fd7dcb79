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

/** True when `text` holds a C0 control character or DEL (storage keys refuse NUL; logs and terminals the rest). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * True when `id` is a string of at most 256 characters matching `pattern` and holding no
 * control character: a widened `idPattern` must not let an id through that the storage would
 * refuse as a key (NUL), which would turn a hostile id into an error instead of a fresh session.
 */
export function isValidSessionId(id: unknown, pattern: RegExp = DEFAULT_ID_PATTERN): id is string {
  return typeof id === 'string' && id.length <= 256 && pattern.test(id) && !hasControlCharacter(id);
}
