import type { IncomingMessage } from 'node:http';
import { type SigningSecret, unsignSessionId } from '@vessel/core';
import { parseCookies } from './cookie-header.js';

/** A cookie-signing secret: a string or the bytes of one. */
export type Secret = SigningSecret;

/** What cookie-parser leaves on a request (express-session reads these for backwards compatibility). */
interface ParsedCookies {
  signedCookies?: Record<string, unknown>;
  cookies?: Record<string, unknown>;
}

function unsignRaw(raw: unknown, secrets: readonly Secret[]): string | undefined {
  return typeof raw === 'string' ? unsignSessionId(raw, secrets) : undefined;
}

/** What a request's session cookie says: the id it carries, or that one was sent and did not verify. */
export interface CookieSessionId {
  /** The id, when a signature verified. */
  readonly id: string | undefined;
  /** A cookie of the name was sent, but no secret signed it (or cookie-parser marked it tampered). */
  readonly refused: boolean;
}

/**
 * The session id the request's cookie `name` carries when its signature verifies: from the
 * Cookie header, else from cookie-parser's `req.signedCookies` / `req.cookies`.
 */
export function readSessionId(req: IncomingMessage, name: string, secrets: readonly Secret[]): CookieSessionId {
  let id: string | undefined;
  let sent = false;
  const header = req.headers.cookie;
  if (header) {
    const raw = parseCookies(header)[name];
    sent = raw !== undefined;
    id = unsignRaw(raw, secrets);
  }
  const parsed = req as IncomingMessage & ParsedCookies;
  if (!id && parsed.signedCookies) {
    const value = parsed.signedCookies[name];
    if (typeof value === 'string' && value) id = value;
    // cookie-parser leaves `false` for a signed cookie whose signature failed.
    else if (value === false) sent = true;
  }
  if (!id && parsed.cookies) {
    const value = parsed.cookies[name];
    sent ||= value !== undefined;
    id = unsignRaw(value, secrets);
  }
  return { id, refused: !id && sent };
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
