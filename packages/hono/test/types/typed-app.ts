/**
 * Type-checked by types.test.ts, never run: the typed `Variables` an app declares are enough for
 * every use of the session, the loader and the cache, with no cast. Each `@ts-expect-error` is a
 * mistake the types must catch; were the types loose, the directive itself would be reported.
 */

import { type CacheManager, createVessel, type Session } from '@vessel/core';
import {
  type CacheVariables,
  cache,
  type LazySessionVariables,
  type SessionVariables,
  session,
  withSession,
} from '@vessel/hono';
import { Hono } from 'hono';

const vessel = createVessel({
  cacheDir: './data',
  session: { secret: 'a secret of 32 bytes or more, for types only' },
});

// Eager: `c.get('session')` is a Session.
const app = new Hono<{ Variables: SessionVariables & CacheVariables }>();
app.use(session({ vessel, trustProxy: true, sessionId: (c) => c.req.header('x-session-id') }));
app.use(cache(vessel));
app.get('/', async (c) => {
  const current: Session = c.get('session');
  current.set('views', (current.get<number>('views') ?? 0) + 1);
  await current.save();
  const loaded: Session = await c.get('loadSession')();
  const manager: CacheManager = c.get('cache');
  // @ts-expect-error a Session is not a string
  const wrong: string = c.get('session');
  return c.json({ views: loaded.get<number>('views'), caches: manager.stats().total, wrong });
});

// Lazy: `c.get('session')` may be undefined until `loadSession()` resolved.
const lazyApp = new Hono<{ Variables: LazySessionVariables }>();
lazyApp.use(session({ vessel, lazy: true }));
lazyApp.get('/', async (c) => {
  // @ts-expect-error possibly undefined before loadSession()
  c.get('session').get('views');
  const loaded = await c.get('loadSession')();
  return c.text(String(loaded.get<number>('views') ?? 0));
});

// Chained: the app's variables come from the middleware itself.
const chained = new Hono().use(session({ vessel })).get('/', (c) => c.text(c.get('session').id));
const chainedLazy = new Hono()
  .use(session({ vessel, lazy: true }))
  .get('/', (c) => c.text(c.get('session')?.id ?? 'none'));

// @ts-expect-error an unknown option
session({ vessel, lazzy: true });
// @ts-expect-error the vessel is required
session({ lazy: true });

// The Fetch helper, as a Next.js route handler.
export const GET = (request: Request): Promise<Response> =>
  withSession(
    request,
    async (current) => {
      current.set('count', (current.get<number>('count') ?? 0) + 1);
      await current.save();
      return Response.json({ count: current.get<number>('count') });
    },
    { vessel, sessionId: (r) => r.headers.get('x-session-id') },
  );

export { app, chained, chainedLazy, lazyApp };
