/**
 * The Fastify 5 app of the HTTP suite's Fastify stacks: the floor, @fastify/session (with
 * @fastify/cookie; its in-memory store, or connect-redis) and `@vessel/fastify`.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySessionIncumbent from '@fastify/session';
import { fastifySession } from '@vessel/fastify';
import Fastify from 'fastify';
import { PROPERTIES } from './routes.mjs';
import { COOKIE_NAME, connectRedisStore, SECRET, vesselFor } from './session-setup.mjs';

/**
 * Registers the stack's session plugin on `app`; resolves with its `close`. @fastify/session
 * defaults to `saveUninitialized: true` and `rolling: true` (a store write and a cookie on every
 * response); both are off here, as express-session's recommended settings are, so a request
 * that changes nothing writes nothing, as on Vessel. `cookie.secure: false`: the suite speaks
 * plain HTTP (its default, `true`, would send no cookie).
 */
async function registerSessions(app, stack) {
  if (stack.kind === 'floor') return async () => {};
  if (stack.kind === '@fastify/session') {
    const redis = stack.backend === 'redis' ? await connectRedisStore(stack) : undefined;
    await app.register(fastifyCookie);
    await app.register(fastifySessionIncumbent, {
      secret: SECRET,
      cookieName: COOKIE_NAME,
      saveUninitialized: false,
      rolling: false,
      cookie: { secure: false },
      ...(redis ? { store: redis.store } : {}),
    });
    return redis?.close ?? (async () => {});
  }
  const vessel = vesselFor(stack);
  await app.register(fastifySession, { vessel, lazy: stack.lazy === true });
  return () => vessel.close();
}

/** The request's session: through `loadSession()` where the plugin has it (Vessel), else `request.session`. */
function sessionOf(request) {
  return request.loadSession ? request.loadSession() : request.session;
}

/** Starts the stack's app on 127.0.0.1 (a free port); resolves with `{ server, close }`. */
export async function start(stack, workFor) {
  const work = workFor(PROPERTIES);
  const app = Fastify({ logger: false });
  const close = await registerSessions(app, stack);
  app.get('/seed', async (request) => work.seed(await sessionOf(request), Number(request.query.i)));
  app.get('/seed-counter', async (request) => work.seedCounter(await sessionOf(request)));
  app.get('/read', async (request) => work.read(await sessionOf(request)));
  app.get('/write', async (request) => work.write(await sessionOf(request)));
  app.get('/static', async () => work.static());
  app.get('/peek', async (request) => work.peek(await sessionOf(request)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, close };
}
