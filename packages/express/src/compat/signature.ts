import type { IncomingMessage } from 'node:http';
import {
  afterLastCookie,
  assertSigningSecrets,
  readCookie,
  SessionIdVerifier,
  type SigningSecret,
  signSessionId,
  unsignSessionId,
} from '@vessel/core';
import { isSecureRequest } from '@vessel/core/http';

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
 * Cookies of the session's name tried per request, at most. A browser sends one per matching
 * path and domain, most specific path first, so a junk cookie planted on a sub-path (or a
 * sibling domain) comes before the real one; each costs one HMAC per secret when forged.
 */
export const MAX_SESSION_COOKIES = 4;

/** True when `secrets` holds the same entries as `snapshot`, in the same order. */
function sameSecrets(secrets: readonly Secret[], snapshot: readonly Secret[]): boolean {
  if (secrets.length !== snapshot.length) return false;
  for (let index = 0; index < secrets.length; index++) if (secrets[index] !== snapshot[index]) return false;
  return true;
}

/**
 * The session id in cookie `name`. With the options' own `secrets`, core's `SessionIdVerifier`
 * remembers the signatures it has checked or made, so a returning session's cookie costs a
 * constant-time comparison instead of an HMAC; `req.secret` (no `secrets`) is checked in full.
 *
 * The app may change its `secrets` array at run time (express-session reads it per request):
 * when its entries differ from the ones the verifier was made with, the entries are checked
 * again and a new verifier forgets every remembered signature, so a removed secret stops
 * verifying at once, for ids it verified before too.
 *
 * Of several cookies of the name, the first that verifies wins (at most `MAX_SESSION_COOKIES`
 * tried): the common single cookie is read and verified exactly once.
 */
export function signedSessionId(name: string, secrets: readonly Secret[] | undefined): SignedSessionId {
  let snapshot: readonly Secret[] = secrets ? [...secrets] : [];
  let verifier = secrets ? new SessionIdVerifier(snapshot) : undefined;
  /** The verifier for the secrets as they are now. */
  const currentVerifier = (): SessionIdVerifier | undefined => {
    if (!secrets || sameSecrets(secrets, snapshot)) return verifier;
    assertSigningSecrets('secret', secrets);
    snapshot = [...secrets];
    verifier = new SessionIdVerifier(snapshot);
    return verifier;
  };
  const unsign = (raw: unknown, requestSecrets: readonly Secret[], own: SessionIdVerifier | undefined) => {
    if (typeof raw !== 'string') return undefined;
    return own ? own.verify(raw)?.id : unsignSessionId(raw, requestSecrets);
  };
  /** The id in the first authentic cookie of the name after the first one (which did not verify). */
  const laterCookie = (header: string, requestSecrets: readonly Secret[], own: SessionIdVerifier | undefined) => {
    for (let tried = 1; tried < MAX_SESSION_COOKIES; tried++) {
      const raw = readCookie(header, name, afterLastCookie());
      if (raw === undefined) return undefined;
      const id = unsign(raw, requestSecrets, own);
      if (id) return id;
    }
    return undefined;
  };
  return {
    read(req, requestSecrets) {
      const own = currentVerifier();
      const header = req.headers.cookie;
      const raw = header ? readCookie(header, name) : undefined;
      const id =
        unsign(raw, requestSecrets, own) ||
        (raw === undefined ? undefined : laterCookie(header as string, requestSecrets, own));
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
        const unsigned = unsign(value, requestSecrets, own);
        if (unsigned) return unsigned;
      }
      return sent ? false : undefined;
    },
    sign(id, requestSecrets) {
      const own = currentVerifier();
      return own ? own.sign(id) : signSessionId(id, requestSecrets[0] as Secret);
    },
  };
}

/**
 * Whether the request came over HTTPS: an encrypted socket always is; otherwise `proxy: false`
 * says no, `proxy: true` trusts the first `X-Forwarded-Proto`, and unset defers to Express's `req.secure`.
 */
export function isSecure(req: IncomingMessage, trustProxy: boolean | undefined): boolean {
  const encrypted = Boolean((req.socket as { encrypted?: boolean } | undefined)?.encrypted);
  if (!encrypted && trustProxy === undefined) return (req as { secure?: unknown }).secure === true;
  const header = req.headers['x-forwarded-proto'];
  return isSecureRequest({ encrypted, forwardedProto: Array.isArray(header) ? header[0] : header, trustProxy });
}
