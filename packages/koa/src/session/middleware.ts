import type { TLSSocket } from 'node:tls';
import { DEFAULT_TIMEOUT_SECONDS, type SessionManager } from '@vessel/core';
import { type HttpRequestFacts, HttpSessions, isSecureRequest } from '@vessel/core/http';
import type { ExtendableContext, Next } from 'koa';
import { attachRequestSession } from './context-accessors.js';
import { sessionManagerFor } from './manager.js';
import { checkKoaSessionOptions, type KoaSessionOptions } from './options.js';
import { KoaRequestSession, type SessionSettings } from './request-session.js';

/** What `session()` returns: Koa 2/3 middleware, with the session manager it runs on. */
export interface KoaSessionMiddleware {
  (ctx: ExtendableContext, next: Next): Promise<void>;
  /**
   * The session manager behind `ctx.session`: listen for rejected cookies
   * (`sessions.on('reject', …)`), or end a session from anywhere (`sessions.revoke(id)`).
   */
  readonly sessions: SessionManager;
}

/**
 * An error thrown downstream that is an answer, not a failure: `ctx.throw(401)`,
 * `ctx.assert(…, 403)`. The session is committed then, as on success (so a flash message set
 * before the throw is kept); after a server error or an outage it is not.
 */
function isClientError(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** `ctx.session.maxAge` of sessions without a timeout of their own, as the manager decides it (ms). */
function defaultMaxAge(manager: SessionManager): number | undefined {
  const { timeout, maxLifetime } = manager.options;
  const seconds = timeout ?? (maxLifetime === undefined ? DEFAULT_TIMEOUT_SECONDS : undefined);
  return seconds === undefined ? undefined : seconds * 1000;
}

/**
 * Koa 2/3 sessions over a vessel: `ctx.session` as koa-session has it (data as properties,
 * `isNew`, `maxAge`, `save()`, `ctx.session = null`), with Vessel's guarantees — changes of
 * parallel requests merged per key, idle and absolute lifetimes, fail-closed outages. The session
 * is loaded before the next middleware (or, `lazy`, at `await ctx.loadSession()`) and stored after
 * it, with its Set-Cookie appended to the response's. A store outage rejects with the
 * `StorageUnavailableError`, whose `status` is 503: Koa answers 503 without the cookie, never a
 * fresh, logged-out session. Unknown options, and koa-session's that make no sense over a vessel
 * (`store`, `encode`, …), are a `ConfigError` naming the option.
 *
 * @example
 * const vessel = createVessel({ cacheDir: './data', session: { secret: secretFromEnv(), maxLifetime: '12h' } })
 * app.use(session({ vessel, maxAge: 86_400_000 }))
 * app.use((ctx) => { ctx.session.views = (ctx.session.views ?? 0) + 1; ctx.body = `${ctx.session.views} views` })
 */
export function session(options: KoaSessionOptions): KoaSessionMiddleware {
  const checked = checkKoaSessionOptions(options);
  const manager = sessionManagerFor(checked, options);
  const http = new HttpSessions(manager, { lazy: checked.lazy, auto: checked.auto });
  const settings: SessionSettings = { manager, defaultMaxAge: defaultMaxAge(manager) };
  const { trustProxy, sessionId } = checked;
  // Whether a request is HTTPS matters only to a Secure cookie (held back over plain HTTP).
  const secureCookie = manager.options.secure;

  function facts(ctx: ExtendableContext): HttpRequestFacts {
    const secure = !secureCookie
      ? undefined
      : trustProxy === undefined
        ? ctx.secure
        : isSecureRequest({
            encrypted: (ctx.req.socket as Partial<TLSSocket>).encrypted === true,
            forwardedProto: ctx.get('X-Forwarded-Proto'),
            trustProxy,
          });
    if (sessionId !== undefined) return { sessionId: sessionId(ctx) ?? null, secure };
    return { cookie: ctx.req.headers.cookie, secure };
  }

  /**
   * Eager mode: loads the session, runs the rest of the chain, and stores the session after it,
   * also when it failed with a client error (4xx).
   */
  async function eager(ctx: ExtendableContext, next: Next, request: KoaRequestSession): Promise<void> {
    await request.load();
    try {
      await next();
    } catch (error) {
      if (isClientError(error)) await request.commit(ctx);
      throw error;
    }
    await request.commit(ctx);
  }

  function middleware(ctx: ExtendableContext, next: Next): Promise<void> {
    const request = new KoaRequestSession(http.begin(facts(ctx)), settings);
    attachRequestSession(ctx, request);
    if (!http.lazy) return eager(ctx, next, request);
    // Lazy: a request that never loads its session has nothing to store, and waits on nothing more
    // than the chain; one that loads it is stored as in eager mode.
    return next().then(
      () => (request.http.started ? request.commit(ctx) : undefined),
      async (error: unknown) => {
        if (request.http.started && isClientError(error)) await request.commit(ctx);
        throw error;
      },
    );
  }
  return Object.assign(middleware, { sessions: manager });
}
