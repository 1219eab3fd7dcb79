/**
 * What a request tells the response cache before the handler runs: whether it is personal
 * (credentials, a session), whether it forbids storing, and in `perSession` mode whose session
 * it belongs to. Runs on every request, hits included: header reads and string searches only.
 */
import type { IncomingMessage } from 'node:http';

/** The session parts of a request that the session middleware (Vessel's or express-session) adds. */
interface SessionRequest extends IncomingMessage {
  session?: object | null;
  sessionID?: unknown;
  loadSession?: () => Promise<unknown>;
}

/** `true` when the Cookie header has a cookie named `name`. */
export function hasCookie(header: string | undefined, name: string): boolean {
  if (header === undefined) return false;
  let from = header.indexOf(name);
  while (from >= 0) {
    const before = from === 0 ? ';' : header[from - 1];
    const start = before === ';' || before === ' ';
    if (start && header.startsWith('=', skipSpaces(header, from + name.length))) return true;
    from = header.indexOf(name, from + 1);
  }
  return false;
}

function skipSpaces(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ') i++;
  return i;
}

/**
 * `true` when the request's session is in use: loaded from the store (Vessel's `isNew` is
 * false), or holding data besides its cookie (a login, whatever the cookie is called, or a
 * session found by an app-supplied id).
 */
export function sessionInUse(req: IncomingMessage): boolean {
  const session = (req as SessionRequest).session;
  if (session === undefined || session === null) return false;
  if ((session as { isNew?: unknown }).isNew === false) return true;
  for (const key of Object.keys(session)) if (key !== 'cookie') return true;
  return false;
}

/**
 * `true` when the request is personal and must neither get nor make a shared copy: it carries
 * credentials (`Authorization`), a session cookie of one of `sessionCookies`, or a session in use.
 */
export function isPersonal(req: IncomingMessage, sessionCookies: readonly string[]): boolean {
  if (req.headers.authorization !== undefined) return true;
  const cookie = req.headers.cookie;
  if (cookie !== undefined) for (const name of sessionCookies) if (hasCookie(cookie, name)) return true;
  return sessionInUse(req);
}

/**
 * `true` when the request's response must not become the key's copy: it says `Cache-Control:
 * no-store`, or it asks for part of the page (`Range`) or only for news (`If-None-Match`,
 * `If-Modified-Since`: a 304 is not the page). Such a request is still answered from a copy.
 */
export function mayNotFill(req: IncomingMessage): boolean {
  const { headers } = req;
  if (headers.range !== undefined || headers['if-none-match'] !== undefined) return true;
  if (headers['if-modified-since'] !== undefined) return true;
  const cacheControl = headers['cache-control'];
  return cacheControl !== undefined && /(?:^|,)\s*no-store\s*(?:,|$)/i.test(cacheControl);
}

/**
 * The id of the session the request brought, for `perSession` keys; `undefined` when it brought
 * none (no session, or a new one: Vessel's `isNew`, else no cookie of `sessionCookies`). A lazy
 * session (`req.loadSession`) is loaded first.
 */
export async function broughtSessionId(
  req: IncomingMessage,
  sessionCookies: readonly string[],
): Promise<string | undefined> {
  const sessionRequest = req as SessionRequest;
  if (sessionRequest.session == null && typeof sessionRequest.loadSession === 'function')
    await sessionRequest.loadSession();
  const { session, sessionID } = sessionRequest;
  if (session == null || typeof sessionID !== 'string' || sessionID === '') return undefined;
  const isNew = (session as { isNew?: unknown }).isNew;
  if (isNew === true) return undefined;
  if (isNew === false) return sessionID;
  const cookie = req.headers.cookie;
  return sessionCookies.some((name) => hasCookie(cookie, name)) ? sessionID : undefined;
}

/** The id of the request's session now (it changes when a handler regenerates or destroys it). */
export function currentSessionId(req: IncomingMessage): unknown {
  const { session, sessionID } = req as SessionRequest;
  return session == null ? undefined : sessionID;
}
