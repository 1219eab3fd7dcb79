/**
 * The response cache's questions about a request's session, answered for a core `Session` (what
 * the Fastify, Hono and Koa adapters hold; Express answers them for `req.session`).
 */
import type { Session } from '../../session/session.js';
import type { BroughtSession } from './exchange.js';

/** `true` when `session` is in use: loaded from storage, or holding data; never for a destroyed one. */
export function sessionInUse(session: Session | undefined): boolean {
  if (session === undefined || session.isDestroyed) return false;
  return !session.isNew || session.keys().length > 0;
}

/** `session` as a request brought it (read before the handler runs). */
export function broughtSessionOf(session: Session | undefined): BroughtSession | undefined {
  return session === undefined ? undefined : { id: session.id, stored: !session.isNew };
}

/** The id of `session` now; `undefined` once destroyed. */
export function liveSessionId(session: Session | undefined): string | undefined {
  return session === undefined || session.isDestroyed ? undefined : session.id;
}
