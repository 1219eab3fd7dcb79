import type { IncomingMessage } from 'node:http';
import { SessionIdVerifier, type SigningSecret, signSessionId, unsignSessionId } from '@vessel/core';
import { readCookie } from './cookie-header.js';

/** A cookie-signing secret: a string or the bytes of one. */
export type Secret = SigningSecret;

/** What cookie-parser leaves on a request (express-session reads these for backwards compatibility). */
interface ParsedCookies {
  signedCookies?: Record<string, unknown>;
  cookies?: Record<string, unknown>;
}

/** The signed session id in the cookie: read and verified, or signed for a Set-Cookie. */
export interface SignedSessionId {
  /**
   * The id the cookie carries when its signature verifies: from the Cookie header, else from
   * cookie-parser's `req.signedCookies` / `req.cookies`; `false` when a cookie of the name was
   * sent and no secret signed it (or cookie-parser marked it tampered); `undefined` when none
   * was sent. `secrets`: the request's own (`req.secret`), used when the options name none.
   */
  read(req: IncomingMessage, secrets: readonly Secret[]): string | false | undefined;
  /** The signed cookie value for `id` (`s:<id>.<signature>`, not yet URI-encoded), signed with the first secret. */
  sign(id: string, secrets: readonly Secret[]): string;
}

/**
 * The session id in cookie `name`. With the options' own `secrets`, core's `SessionIdVerifier`
 * remembers the signatures it has checked or made, so a returning session's cookie costs a
 * constant-time comparison instead of an HMAC; `req.secret` (no `secrets`) is checked in full.
 */
export function signedSessionId(name: string, secrets: readonly Secret[] | undefined): SignedSessionId {
  const verifier = secrets ? new SessionIdVerifier(secrets) : undefined;
  const unsign = (raw: unknown, requestSecrets: readonly Secret[]): string | undefined => {
    if (typeof raw !== 'string') return undefined;
    return verifier ? verifier.verify(raw)?.id : unsignSessionId(raw, requestSecrets);
  };
  return {
    read(req, requestSecrets) {
      const header = req.headers.cookie;
      const raw = header ? readCookie(header, name) : undefined;
      const id = unsign(raw, requestSecrets);
      if (id) return id;
      let sent = raw !== undefined;
      const parsed = req as IncomingMessage & ParsedCookies;
      if (parsed.signedCookies) {
        const value = parsed.signedCookies[name];
        if (typeof value === 'string' && value) return value;
        // cookie-parser leaves `false` for a signed cookie whose signature failed.
        if (value === false) sent = true;
      }
      if (parsed.cookies) {
        const value = parsed.cookies[name];
        sent ||= value !== undefined;
        const unsigned = unsign(value, requestSecrets);
        if (unsigned) return unsigned;
      }
      return sent ? false : undefined;
    },
    sign: (id, requestSecrets) => (verifier ? verifier.sign(id) : signSessionId(id, requestSecrets[0] as Secret)),
  };
}

/**
 * Whether the request came over HTTPS: an encrypted socket always is; otherwise `proxy: false`
 * says no, `proxy: true` trusts the first `X-Forwarded-Proto`, and unset defers to Express's `req.secure`.
 */
export function isSecure(req: IncomingMessage, trustProxy: boolean | undefined): boolean {
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  if (trustProxy === false) return false;
  if (trustProxy !== true) return (req as { secure?: unknown }).secure === true;
  const header = req.headers['x-forwarded-proto'];
  const value = (Array.isArray(header) ? header[0] : header) ?? '';
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).toLowerCase().trim() === 'https';
}
