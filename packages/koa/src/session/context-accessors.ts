import type { HttpRequestSession } from '@vessel/core/http';
import type { ExtendableContext } from 'koa';
import type { KoaRequestSession } from './request-session.js';

const REQUEST_SESSION = Symbol('@vessel/koa request session');
const ACCESSORS = Symbol('@vessel/koa session accessors');

type WithRequestSession = { [REQUEST_SESSION]?: KoaRequestSession };

function requestSessionOf(ctx: object, what: string): KoaRequestSession {
  const request = (ctx as WithRequestSession)[REQUEST_SESSION];
  if (request !== undefined) return request;
  throw new Error(
    `${what}: no session middleware ran for this request; app.use(session({ vessel })) before the middleware that uses it`,
  );
}

/**
 * Defines `ctx.session`, `ctx.loadSession()` and `ctx.regenerateSession()` on the object `ctx`
 * inherits from (Koa's `app.context`), once per app as koa-session does, rather than on every
 * request; they reach the request's session through a symbol the middleware sets.
 */
function defineAccessors(ctx: object): void {
  const prototype: unknown = Object.getPrototypeOf(ctx);
  // A context that is not Koa's (a plain object in a test) gets them itself: never Object.prototype.
  const target = prototype === null || prototype === Object.prototype ? ctx : (prototype as object);
  Object.defineProperties(target, {
    [ACCESSORS]: { value: true },
    session: {
      configurable: true,
      get(this: object) {
        return requestSessionOf(this, 'ctx.session').view;
      },
      set(this: object, value: unknown) {
        requestSessionOf(this, 'ctx.session = …').assign(value);
      },
    },
    loadSession: {
      configurable: true,
      writable: true,
      async value(this: object) {
        return requestSessionOf(this, 'ctx.loadSession()').load();
      },
    },
    regenerateSession: {
      configurable: true,
      writable: true,
      async value(this: object) {
        return requestSessionOf(this, 'ctx.regenerateSession()').regenerate();
      },
    },
  });
}

/** Makes `request` the session `ctx.session` and friends reach for this request. */
export function attachRequestSession(ctx: ExtendableContext, request: KoaRequestSession): void {
  if (!(ACCESSORS in ctx)) defineAccessors(ctx);
  (ctx as WithRequestSession)[REQUEST_SESSION] = request;
}

/** The request's core session layer (for the response cache); `undefined` when no session middleware ran. */
export function httpSessionOf(ctx: object): HttpRequestSession | undefined {
  return (ctx as WithRequestSession)[REQUEST_SESSION]?.http;
}
