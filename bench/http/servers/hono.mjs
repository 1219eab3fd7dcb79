/**
 * The Hono 4 app (on `@hono/node-server`) of the HTTP suite's Hono stacks: the floor,
 * hono-sessions (CookieStore, MemoryStore) and `@vessel/hono`.
 */
import { serve } from '@hono/node-server';
import { session } from '@vessel/hono';
import { Hono } from 'hono';
import { CookieStore, MemoryStore, sessionMiddleware } from 'hono-sessions';
import { GET_SET } from './routes.mjs';
import { COOKIE_NAME, SECRET, vesselFor } from './session-setup.mjs';

/**
 * The stack's session middleware and its `close`. hono-sessions as its README sets it up
 * (`encryptionKey`, required by the cookie store and recommended for the others, and its
 * cookie options), except `autoExtendExpiration: false` and no `expireAfterSeconds`: with them
 * it rewrites the session (and, on the cookie store, re-encrypts the cookie) on every request to
 * record the access time; without, a request that changes nothing writes nothing. (Its memory
 * store still sends the encrypted id cookie on every response.) `plainId`: the memory store
 * without `encryptionKey`, the bare id in the cookie.
 */
function sessionMiddlewareOf(stack) {
  if (stack.kind === 'floor') return { middleware: undefined, close: async () => {} };
  if (stack.kind === 'hono-sessions') {
    const middleware = sessionMiddleware({
      store: stack.backend === 'cookie' ? new CookieStore() : new MemoryStore(),
      encryptionKey: stack.plainId ? undefined : SECRET,
      sessionCookieName: COOKIE_NAME,
      autoExtendExpiration: false,
      cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
    });
    return { middleware, close: async () => {} };
  }
  const vessel = vesselFor(stack);
  return { middleware: session({ vessel, lazy: stack.lazy === true }), close: () => vessel.close() };
}

/** The request's session: through `loadSession()` where the middleware has it (Vessel), else `c.get('session')`. */
function sessionOf(c) {
  const load = c.get('loadSession');
  return load ? load() : c.get('session');
}

/** Starts the stack's app on 127.0.0.1 (a free port); resolves with `{ server, close }`. */
export async function start(stack, workFor) {
  const { middleware, close } = sessionMiddlewareOf(stack);
  const work = workFor(GET_SET);
  const app = new Hono();
  if (middleware) app.use(middleware);
  app.get('/seed', async (c) => c.json(work.seed(await sessionOf(c), Number(c.req.query('i')))));
  app.get('/seed-counter', async (c) => c.json(work.seedCounter(await sessionOf(c))));
  app.get('/read', async (c) => c.json(work.read(await sessionOf(c))));
  app.get('/write', async (c) => c.json(work.write(await sessionOf(c))));
  app.get('/static', (c) => c.json(work.static()));
  app.get('/peek', async (c) => c.json(work.peek(await sessionOf(c))));
  let server;
  await new Promise((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve);
  });
  return { server, close };
}
