/**
 * The Express 5 app of the HTTP suite's Express stacks: the floor, express-session (MemoryStore,
 * connect-redis; plain, or behind `@vessel/express`'s dictionary-mode step) and `@vessel/express`.
 */
import vesselSession from '@vessel/express';
import express from 'express';
import expressSession from 'express-session';
import { useDictionaryProperties } from '../../../packages/express/dist/dictionary-properties.js';
import { PROPERTIES } from './routes.mjs';
import { COOKIE_NAME, connectRedisStore, SECRET, vesselStorage } from './session-setup.mjs';

/**
 * `@vessel/express`'s own dictionary-mode step (built, not exported by the package), as a
 * middleware in front of express-session for the `dictionary` stacks.
 */
function dictionaryProperties(req, res, next) {
  useDictionaryProperties(req);
  useDictionaryProperties(res);
  next();
}

/**
 * The session middleware of `stack`, with express-session's recommended settings on both sides
 * (`resave: false, saveUninitialized: false`); Vessel's own options at their defaults unless the
 * stack names `lazy` or `touchAfter`. Resolves with `{ middleware, close }`.
 */
async function sessionMiddleware(stack) {
  const common = { secret: SECRET, name: COOKIE_NAME, resave: false, saveUninitialized: false };
  if (stack.kind === 'floor') return { middleware: undefined, close: async () => {} };
  if (stack.kind === 'express-session') {
    if (stack.backend === 'memory') return { middleware: expressSession(common), close: async () => {} };
    const { store, close } = await connectRedisStore(stack);
    return { middleware: expressSession({ ...common, store }), close };
  }
  const own = {};
  if (stack.lazy) own.lazy = true;
  if (stack.touchAfter !== undefined) own.touchAfter = stack.touchAfter;
  const middleware = vesselSession({ ...common, ...vesselStorage(stack), ...own });
  return { middleware, close: () => middleware.close() };
}

/** The request's session: through `loadSession()` where the middleware has it (Vessel), else `req.session`. */
function sessionOf(req) {
  return req.loadSession ? req.loadSession() : req.session;
}

/** Starts the stack's app on 127.0.0.1 (a free port); resolves with `{ server, close }`. */
export async function start(stack, workFor) {
  const { middleware, close } = await sessionMiddleware(stack);
  const work = workFor(PROPERTIES);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  if (stack.dictionary) app.use(dictionaryProperties);
  if (middleware) app.use(middleware);
  app.get('/seed', async (req, res) => res.json(work.seed(await sessionOf(req), Number(req.query.i))));
  app.get('/seed-counter', async (req, res) => res.json(work.seedCounter(await sessionOf(req))));
  app.get('/read', async (req, res) => res.json(work.read(await sessionOf(req))));
  app.get('/write', async (req, res) => res.json(work.write(await sessionOf(req))));
  app.get('/static', (_req, res) => res.json(work.static()));
  app.get('/peek', async (req, res) => res.json(work.peek(await sessionOf(req))));

  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { server, close };
}
