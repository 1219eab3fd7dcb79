/**
 * What the session stacks of every framework share: the secret and cookie name, the
 * connect-redis store (express-session and @fastify/session both take it), and the vessel the
 * Fastify, Hono and Koa adapters run on.
 */
import { createVessel } from '@vessel/core';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { COOKIE_NAME } from '../../sessions/stacks.mjs';

export { COOKIE_NAME };

/** The secret of every stack: signs the id cookie, or keys the cookie's encryption (36 bytes). */
export const SECRET = 'bench-http-secret-not-for-production';

/**
 * A connect-redis 9 store on a `redis` v5 client of its own, under the stack's prefix.
 * Resolves with `{ store, close }`.
 */
export async function connectRedisStore(stack) {
  const client = createClient({ url: stack.redisUrl });
  client.on('error', () => {});
  await client.connect();
  return { store: new RedisStore({ client, prefix: stack.prefix }), close: () => client.close() };
}

/** Vessel's storage options for a stack's backend (`@vessel/express`'s options, and `createVessel`'s). */
export function vesselStorage(stack) {
  if (stack.backend === 'sqlite') return { type: 'sqlite', cacheDir: stack.cacheDir };
  if (stack.backend === 'redis') return { type: 'redis', url: stack.redisUrl, prefix: stack.prefix };
  return { type: 'memory' };
}

/**
 * The vessel of a Fastify, Hono or Koa Vessel stack: the stack's storage, the shared secret and
 * cookie name, everything else at its defaults; `cookie`: cookie-only sessions over a memory
 * storage (which then holds no session). Call `close()` on it when done.
 */
export function vesselFor(stack) {
  const session = { secret: SECRET, key: COOKIE_NAME };
  if (stack.backend === 'cookie') return createVessel({ type: 'memory', session: { ...session, type: 'cookie' } });
  return createVessel({ ...vesselStorage(stack), session });
}
