/**
 * What the response cache asks of an Express request's session (Vessel's `session()` or
 * express-session): is it in use, which one did the request bring, which one is it now.
 */
import type { IncomingMessage } from 'node:http';
import type { BroughtSession } from '@vessel/core/http';

/** The session parts of a request that the session middleware (Vessel's or express-session) adds. */
interface SessionRequest extends IncomingMessage {
  session?: object | null;
  sessionID?: unknown;
  loadSession?: () => Promise<unknown>;
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
 * The session the request brought, for `perSession` keys; a lazy session (`req.loadSession`) is
 * loaded first. Vessel's sessions say whether it was stored (`isNew`); express-session's cannot.
 */
export async function broughtSession(req: IncomingMessage): Promise<BroughtSession | undefined> {
  const sessionRequest = req as SessionRequest;
  if (sessionRequest.session == null && typeof sessionRequest.loadSession === 'function')
    await sessionRequest.loadSession();
  const { session, sessionID } = sessionRequest;
  if (session == null || typeof sessionID !== 'string') return undefined;
  const isNew = (session as { isNew?: unknown }).isNew;
  return { id: sessionID, stored: typeof isNew === 'boolean' ? !isNew : undefined };
}

/** The id of the request's session now (it changes when a handler regenerates or destroys it). */
export function currentSessionId(req: IncomingMessage): unknown {
  const { session, sessionID } = req as SessionRequest;
  return session == null ? undefined : sessionID;
}
