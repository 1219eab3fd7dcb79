/**
 * The Koa 3 app of the HTTP suite's Koa stacks: the floor, koa-session (its cookie store, or an
 * external in-memory store) and `@vessel/koa`. Koa has no router: one middleware picks the
 * route from a map, the same on every stack.
 */
import { session } from '@vessel/koa';
import Koa from 'koa';
import koaSession from 'koa-session';
import { PROPERTIES } from './routes.mjs';
import { COOKIE_NAME, SECRET, vesselFor } from './session-setup.mjs';

/**
 * koa-session's external store as its README describes one, on a `Map`: it keeps the objects
 * koa-session hands it (no serialization), the cheapest store there is.
 */
function memoryStore() {
  const sessions = new Map();
  return {
    get: (key) => sessions.get(key),
    set: (key, value) => {
      sessions.set(key, value);
    },
    destroy: (key) => {
      sessions.delete(key);
    },
  };
}

/**
 * The stack's session middleware and its `close`. koa-session with its defaults (signed
 * cookies under `app.keys`, `maxAge` one day, not rolling, no renew): a request that changes
 * nothing writes nothing.
 */
function sessionMiddlewareOf(stack, app) {
  if (stack.kind === 'floor') return { middleware: undefined, close: async () => {} };
  if (stack.kind === 'koa-session') {
    const options = { key: COOKIE_NAME, ...(stack.backend === 'memory' ? { store: memoryStore() } : {}) };
    return { middleware: koaSession(options, app), close: async () => {} };
  }
  const vessel = vesselFor(stack);
  return { middleware: session({ vessel, lazy: stack.lazy === true }), close: () => vessel.close() };
}

/** The request's session: through `loadSession()` where the middleware has it (Vessel), else `ctx.session`. */
function sessionOf(ctx) {
  return ctx.loadSession ? ctx.loadSession() : ctx.session;
}

/** Starts the stack's app on 127.0.0.1 (a free port); resolves with `{ server, close }`. */
export async function start(stack, workFor) {
  const work = workFor(PROPERTIES);
  const app = new Koa();
  app.keys = [SECRET];
  const { middleware, close } = sessionMiddlewareOf(stack, app);
  const routes = new Map([
    ['/seed', async (ctx) => work.seed(await sessionOf(ctx), Number(ctx.query.i))],
    ['/seed-counter', async (ctx) => work.seedCounter(await sessionOf(ctx))],
    ['/read', async (ctx) => work.read(await sessionOf(ctx))],
    ['/write', async (ctx) => work.write(await sessionOf(ctx))],
    ['/static', () => work.static()],
    ['/peek', async (ctx) => work.peek(await sessionOf(ctx))],
  ]);
  if (middleware) app.use(middleware);
  app.use(async (ctx) => {
    const route = ctx.method === 'GET' ? routes.get(ctx.path) : undefined;
    if (route) ctx.body = await route(ctx);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { server, close };
}
