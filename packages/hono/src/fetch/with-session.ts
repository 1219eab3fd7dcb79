import type { Session } from '@vessel/core';
import { HttpSessions, isStorageOutage } from '@vessel/core/http';
import { resolveOptions, type SessionSource } from '../session/options.js';
import { requestFacts } from '../session/request-facts.js';
import { appendSetCookie } from './set-cookie.js';

/** Options of `withSession`. Everything else comes from the vessel's `session` config. */
export interface FetchSessionOptions {
  /** The vessel whose sessions to use. Required. */
  readonly vessel: SessionSource;
  /**
   * Store what the request changed when it ends, without `save()`, as hono-sessions does.
   * Default true; `false` stores only what `save()` stores (the vessel's `session.auto` rule).
   */
  readonly auto?: boolean | undefined;
  /** Trust `X-Forwarded-Proto` to say the request came over HTTPS. Default false. */
  readonly trustProxy?: boolean | undefined;
  /**
   * No-cookie mode: the request's session id, read by the app (`null`/`undefined`: none, a
   * fresh session). Given, no cookie is read or written.
   */
  readonly sessionId?: ((request: Request) => string | null | undefined) | undefined;
}

/** What a handler of `withSession` returns. */
export type SessionHandler = (session: Session) => Response | Promise<Response>;

const OPTIONS = ['vessel', 'auto', 'trustProxy', 'sessionId'] as const satisfies readonly (keyof FetchSessionOptions)[];

/**
 * Runs `handler` with the request's session and returns its response with the session's
 * `Set-Cookie` appended: sessions for any Fetch-style handler on Node (Next.js route handlers,
 * Remix and SvelteKit on Node, `Bun.serve`-like servers) with no framework middleware.
 *
 * A storage outage while loading, in the handler (a `save()`), or while committing answers a
 * plain `503 Service Unavailable` with no `Set-Cookie`: the request fails closed instead of
 * running logged out. Other errors from the handler propagate, and nothing is committed. A
 * response with immutable headers (`Response.redirect()`) is copied to add the cookie.
 *
 * @example
 * // app/api/count/route.ts (Next.js)
 * const vessel = createVessel({ cacheDir: './data', session: { secret: secretFromEnv() } });
 * export const GET = (request: Request) =>
 *   withSession(request, async (session) => {
 *     session.set('count', (session.get<number>('count') ?? 0) + 1);   // stored when the handler returns
 *     return Response.json({ count: session.get('count') });
 *   }, { vessel });
 */
export async function withSession(
  request: Request,
  handler: SessionHandler,
  options: FetchSessionOptions,
): Promise<Response> {
  const { manager, auto, trustProxy, sessionId } = resolveOptions<Request>('withSession', options, OPTIONS);
  const facts = requestFacts(request, trustProxy, sessionId === undefined ? undefined : (sessionId(request) ?? null));
  // One per call: it is two fields, and keeping none lets `options` be a fresh object each time.
  const pending = new HttpSessions(manager, { auto }).begin(facts);
  try {
    const response = await handler(await pending.load());
    const { setCookie } = await pending.commit();
    return appendSetCookie(response, setCookie);
  } catch (error) {
    if (isStorageOutage(error)) return serviceUnavailable();
    throw error;
  }
}

function serviceUnavailable(): Response {
  return new Response('Service Unavailable', {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'cache-control': 'no-store' },
  });
}
