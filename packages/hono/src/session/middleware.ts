import type { Session } from '@vessel/core';
import { type HttpRequestSession, HttpSessions, isStorageOutage } from '@vessel/core/http';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { resolveOptions, type SessionSource } from './options.js';
import { requestFacts } from './request-facts.js';

/** Options of `session()`. Everything else (cookie name, lifetimes, secret, store) comes from the vessel's `session` config. */
export interface SessionOptions {
  /** The vessel whose sessions to use (`createVessel(await loadConfig())`). Required. */
  readonly vessel: SessionSource;
  /**
   * Load the session on first use (`await c.get('loadSession')()`) instead of before every
   * request: requests that never touch it read nothing from the store and send no cookie.
   * Default false.
   */
  readonly lazy?: boolean | undefined;
  /**
   * Store what the request changed when it ends, without `save()`, as hono-sessions does.
   * Default true; `false` stores only what `save()` stores (the vessel's `session.auto` rule).
   */
  readonly auto?: boolean | undefined;
  /**
   * Trust `X-Forwarded-Proto` to say the request came over HTTPS (the app runs behind a proxy
   * that sets it). Only used to hold back a `Secure` cookie on plain HTTP. Default false.
   */
  readonly trustProxy?: boolean | undefined;
  /**
   * No-cookie mode (Beaker's `use_cookies = False`): the request's session id, read by the app
   * (a header, a URL token); `null`/`undefined` for none, which starts a fresh session. Given,
   * no cookie is read or written, and the app hands `session.id` back to the client itself.
   */
  readonly sessionId?: ((c: Context) => string | null | undefined) | undefined;
}

/** The context variables of an eager `session()`: `c.get('session')` is always loaded. */
export interface SessionVariables {
  /** The request's session (Vessel's core `Session`: `get`, `set`, `save`, `regenerate`, `destroy`…). */
  session: Session;
  /** Resolves the session (already loaded in eager mode; kept so handlers work in both modes). */
  loadSession: () => Promise<Session>;
}

/** The context variables of `session({ lazy: true })`: `c.get('session')` is set once `loadSession()` resolved. */
export interface LazySessionVariables {
  /** The request's session once `loadSession()` has resolved, else `undefined`. */
  session: Session | undefined;
  /**
   * Loads the session on first call (later calls share it). During a storage outage it rejects
   * with an `HTTPException(503)` whose `cause` is the `StorageUnavailableError`.
   */
  loadSession: () => Promise<Session>;
}

const OPTIONS = [
  'vessel',
  'lazy',
  'auto',
  'trustProxy',
  'sessionId',
] as const satisfies readonly (keyof SessionOptions)[];

/**
 * Hono middleware giving every request its Vessel session at `c.get('session')` (eager, the
 * default) or through `c.get('loadSession')()` (`lazy: true`). After the handler, the session is
 * committed (saved with `session.auto`, access time stored when due) and its `Set-Cookie` is
 * appended to the response beside any the app set.
 *
 * A storage outage while loading or committing throws `HTTPException(503)` (its `cause` the
 * `StorageUnavailableError`), so the request fails closed instead of running logged out, and
 * `app.onError` can render it; the 503 carries no `Set-Cookie`. Unknown options throw a
 * `ConfigError` naming them.
 *
 * @example
 * const app = new Hono<{ Variables: SessionVariables }>();
 * app.use(session({ vessel }));
 * app.get('/', async (c) => {
 *   const session = c.get('session');
 *   session.set('views', (session.get<number>('views') ?? 0) + 1);
 *   await session.save();
 *   return c.text(`${session.get('views')} views`);
 * });
 */
export function session(
  options: SessionOptions & { readonly lazy?: false | undefined },
): MiddlewareHandler<{ Variables: SessionVariables }>;
export function session(options: SessionOptions): MiddlewareHandler<{ Variables: LazySessionVariables }>;
export function session(
  options: SessionOptions,
): MiddlewareHandler<{ Variables: SessionVariables }> | MiddlewareHandler<{ Variables: LazySessionVariables }> {
  const { manager, lazy, auto, trustProxy, sessionId } = resolveOptions<Context>('session', options, OPTIONS);
  const http = new HttpSessions(manager, { lazy, auto });

  const middleware: MiddlewareHandler<{ Variables: LazySessionVariables }> = (c, next) => {
    // Begun on the first load: on @hono/node-server, reading the request's headers builds them,
    // a cost a lazy request that never touches its session should not pay.
    let request: HttpRequestSession | undefined;
    const loadSession = async (): Promise<Session> => {
      request ??= http.begin(
        requestFacts(c.req.raw, trustProxy, sessionId === undefined ? undefined : (sessionId(c) ?? null)),
      );
      let loaded: Session;
      try {
        loaded = await request.load();
      } catch (error) {
        throw failClosed(error);
      }
      c.set('session', loaded);
      return loaded;
    };
    c.set('loadSession', loadSession);
    // Promise chains rather than `await`s: a lazy request that never loads its session then waits
    // on nothing but the chain (each async step costs a request a few microtasks).
    const stored = () => (request === undefined ? undefined : commitAfter(c, request));
    return lazy
      ? next().then(stored)
      : loadSession()
          .then(() => next())
          .then(stored);
  };
  return middleware;
}

/**
 * Stores what the request changed and appends the session's Set-Cookie, after the rest of the
 * chain; nothing for a session never loaded, or whose load failed (its error is the response).
 */
async function commitAfter(c: Context, request: HttpRequestSession): Promise<void> {
  if (request.current === undefined) return;
  // The handler met an outage itself (a `save()` that could not reach the store): nothing of
  // this request can be stored, and the answer is a 503 rather than the default 500.
  if (isStorageOutage(c.error)) {
    c.header('Set-Cookie', undefined);
    if (c.res.status !== 503) throw failClosed(c.error);
    return;
  }
  let setCookie: readonly string[];
  try {
    ({ setCookie } = await request.commit());
  } catch (error) {
    // The handler's cookies must not reach the client of a request whose session was not stored.
    if (isStorageOutage(error)) c.header('Set-Cookie', undefined);
    throw failClosed(error);
  }
  if (setCookie.length > 0) appendToContext(c, setCookie);
}

/** An outage as the 503 `HTTPException` Hono's error handling renders; any other error as it is. */
function failClosed(error: unknown): unknown {
  if (!isStorageOutage(error)) return error;
  return new HTTPException(503, { message: 'Service Unavailable', cause: error });
}

/** Appends to `c.res` in place; `c.header` copies a response with immutable headers first (a `Response.redirect()`). */
function appendToContext(c: Context, setCookie: readonly string[]): void {
  try {
    for (const value of setCookie) c.res.headers.append('set-cookie', value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    for (const value of setCookie) c.header('Set-Cookie', value, { append: true });
  }
}
