import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed cookie values in express-session's format: `s:<id>.<HMAC-SHA256(id) base64, no padding>`.
 * Cookies written by express-session under the same secret verify here, and the other way round.
 */

function signature(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '');
}

/** Signs `id` with `secret`: `s:<id>.<signature>` (not yet URI-encoded). */
export function signSessionId(id: string, secret: string): string {
  return `s:${id}.${signature(id, secret)}`;
}

/** A verified cookie: the id, and which secret signed it (0 = the current one). */
export interface VerifiedSessionId {
  readonly id: string;
  readonly secretIndex: number;
}

/**
 * Verifies a signed cookie value against every secret, each compared in constant time, so the
 * time taken says nothing about how close a forgery came. `undefined` when none signed it.
 */
export function verifySessionId(signed: string, secrets: readonly string[]): VerifiedSessionId | undefined {
  if (!signed.startsWith('s:')) return undefined;
  const body = signed.slice(2);
  const dot = body.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = body.slice(0, dot);
  const given = Buffer.from(body.slice(dot + 1));
  let secretIndex = -1;
  secrets.forEach((secret, index) => {
    const expected = Buffer.from(signature(id, secret));
    // Only malformed input differs in length; compare anyway so every secret costs the same.
    const same =
      expected.length === given.length ? timingSafeEqual(expected, given) : !timingSafeEqual(expected, expected);
    if (same && secretIndex < 0) secretIndex = index;
  });
  return secretIndex < 0 ? undefined : { id, secretIndex };
}

/** The id inside a signed cookie value, or `undefined` when no secret signed it. */
export function unsignSessionId(signed: string, secrets: readonly string[]): string | undefined {
  return verifySessionId(signed, secrets)?.id;
}
