/**
 * The server of the HTTP suite: one child process per stack (forked by `load.mjs`), so the
 * server never shares an event loop with autocannon. Every stack serves the same Express 5 app
 * with the same routes; only the session middleware in front of them differs (see
 * `stacks.mjs`).
 *
 *   node bench/http/server.mjs '<stack as JSON>'   (forked with IPC; prints nothing)
 *
 * Routes (every one answers JSON, so the floor does the same response work):
 *   GET /seed?i=N    stores `user` N in a new session (the read pool; the cookie comes back)
 *   GET /seed-counter  stores `count: 0` in a new session (one per connection of the write workload)
 *   GET /read        reads `user` from the session, changes nothing
 *   GET /write       increments `count`
 *   GET /static      never touches the session
 *   GET /peek        `count` and the user's id, for the checks after the run
 * IPC: `{ type: 'stats' }` → CPU, event-loop use and the routes' counters; `{ type: 'close' }` →
 * closes the server and the storage, then exits (which writes a `--cpu-prof` profile).
 */
import { performance } from 'node:perf_hooks';
import vesselSession from '@vessel/express';
import { RedisStore } from 'connect-redis';
import express from 'express';
import expressSession from 'express-session';
import { createClient } from 'redis';
import { useDictionaryProperties } from '../../packages/express/dist/dictionary-properties.js';
import { COOKIE_NAME, userFor } from '../sessions/stacks.mjs';

export const SECRET = 'bench-http-secret-not-for-production';

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
    const client = createClient({ url: stack.redisUrl });
    client.on('error', () => {});
    await client.connect();
    const store = new RedisStore({ client, prefix: stack.prefix });
    return { middleware: expressSession({ ...common, store }), close: () => client.close() };
  }
  const storage =
    stack.backend === 'memory'
      ? { type: 'memory' }
      : stack.backend === 'sqlite'
        ? { type: 'sqlite', cacheDir: stack.cacheDir }
        : { type: 'redis', url: stack.redisUrl, prefix: stack.prefix };
  const own = {};
  if (stack.lazy) own.lazy = true;
  if (stack.touchAfter !== undefined) own.touchAfter = stack.touchAfter;
  const middleware = vesselSession({ ...common, ...storage, ...own });
  return { middleware, close: () => middleware.close() };
}

/** The request's session: through `loadSession()` where the middleware has it (Vessel), else `req.session`. */
function sessionOf(req) {
  return req.loadSession ? req.loadSession() : req.session;
}

async function main() {
  const stack = JSON.parse(process.argv[2]);
  const { middleware, close } = await sessionMiddleware(stack);
  const counters = { read: 0, readMissing: 0, write: 0, static: 0, seeded: 0 };
  const dateForm = stack.kind === 'vessel' ? 'date' : 'iso';

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  if (stack.dictionary) app.use(dictionaryProperties);
  if (middleware) app.use(middleware);
  app.get('/seed', async (req, res) => {
    const session = await sessionOf(req);
    session.user = userFor(Number(req.query.i), dateForm);
    counters.seeded++;
    res.json({ id: session.user.id });
  });
  app.get('/seed-counter', async (req, res) => {
    const session = await sessionOf(req);
    session.count = 0;
    counters.seeded++;
    res.json({ count: 0 });
  });
  app.get('/read', async (req, res) => {
    const session = await sessionOf(req);
    const user = session?.user;
    counters.read++;
    if (!user) counters.readMissing++;
    res.json({ id: user?.id ?? null, name: user?.name ?? null });
  });
  app.get('/write', async (req, res) => {
    const session = await sessionOf(req);
    session.count = (session.count ?? 0) + 1;
    counters.write++;
    res.json({ count: session.count });
  });
  app.get('/static', (_req, res) => {
    counters.static++;
    res.json({ ok: true, name: 'static' });
  });
  app.get('/peek', async (req, res) => {
    const session = await sessionOf(req);
    res.json({ count: session?.count ?? null, id: session?.user?.id ?? null });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
  server.keepAliveTimeout = 60_000;

  process.on('message', async (message) => {
    if (message.type === 'stats') {
      const { user, system } = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      process.send({
        type: 'stats',
        cpuSeconds: (user + system) / 1e6,
        elu: { idle: elu.idle, active: elu.active },
        counters: { ...counters },
        rssMb: process.memoryUsage.rss() / 2 ** 20,
      });
    } else if (message.type === 'close') {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
      process.exit(0);
    }
  });
  process.send({ type: 'ready', port: server.address().port });
}

await main();
