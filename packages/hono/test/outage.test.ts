/**
 * A store that goes away, under `session()` and `withSession()`: every phase (load, a save in the
 * handler, the commit) answers 503 with no Set-Cookie, never a logged-out page, and `app.onError`
 * sees the outage as the `cause` of an `HTTPException(503)`.
 */

import { createVessel, type Vessel, type VesselOptions } from '@vessel/core';
import { isStorageOutage } from '@vessel/core/http';
import { type SessionVariables, session, withSession } from '@vessel/hono';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../test-support/private-redis.js';
import { cookiePair, SECRET } from '../../../test-support/sessions.js';
import { until } from '../../../test-support/waiting.js';
import { listen, type Served } from './support.js';

let redis: PrivateRedis;
let vessel: Vessel;
let autoVessel: Vessel;
const servers: Served[] = [];
/** What `app.onError` saw, per request path. */
const seen = new Map<string, unknown>();

beforeAll(async () => {
  redis = await startPrivateRedis();
  const options = { url: redis.url, timeoutMs: 1000, breaker: false } as VesselOptions;
  vessel = createVessel({ ...options, session: { secret: SECRET } });
  autoVessel = createVessel({ ...options, prefix: 'auto', session: { secret: SECRET, auto: true } });
  await Promise.all([vessel.ready(), autoVessel.ready()]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await vessel?.close();
  await autoVessel?.close();
  await redis?.dispose();
});

async function serve(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  const served = await listen(fetch);
  servers.push(served);
  return served.url;
}

/** Runs `during` with the store stopped, then waits until `vessel` reaches it again. */
async function whileDown<T>(during: () => Promise<T>): Promise<T> {
  await redis.stop();
  try {
    return await during();
  } finally {
    await redis.start();
    await until(async () => {
      try {
        await vessel.storage.namespace('probe').get('x');
        await autoVessel.storage.namespace('probe').get('x');
        return true;
      } catch {
        return false;
      }
    });
  }
}

/** The standard small app: /count (eager), /count-then-stop (the store goes away mid-handler). */
function honoApp(source: Vessel): Hono<{ Variables: SessionVariables }> {
  const app = new Hono<{ Variables: SessionVariables }>();
  app.onError((error, c) => {
    seen.set(c.req.path, error);
    return error instanceof HTTPException ? error.getResponse() : c.text('error', 500);
  });
  app.use(session({ vessel: source }));
  app.get('/count', async (c) => {
    const s = c.get('session');
    s.set('count', (s.get<number>('count') ?? 0) + 1);
    await s.save();
    return c.text(String(s.get('count')));
  });
  // The store goes away after loading: the handler's own save fails.
  app.get('/save-after-stop', async (c) => {
    await redis.stop();
    setCookie(c, 'theme', 'dark');
    c.get('session').set('late', true);
    await c.get('session').save();
    return c.text('saved');
  });
  // The store goes away after the handler: the commit (an `auto` save) fails.
  app.get('/commit-after-stop', async (c) => {
    setCookie(c, 'theme', 'dark');
    c.get('session').set('late', true);
    await redis.stop();
    return c.text('changed');
  });
  return app;
}

describe('session() while the store is down', () => {
  it('answers 503 with no Set-Cookie when loading fails, and the session is there after', async () => {
    const url = await serve(honoApp(vessel).fetch);
    const first = await fetch(`${url}/count`);
    const cookie = cookiePair(first.headers.getSetCookie()[0]);
    const during = await whileDown(() => fetch(`${url}/count`, { headers: { cookie } }));
    expect(during.status).toBe(503);
    expect(during.headers.getSetCookie()).toEqual([]);
    const error = seen.get('/count');
    expect(error).toBeInstanceOf(HTTPException);
    expect(isStorageOutage((error as HTTPException).cause)).toBe(true);
    expect(await (await fetch(`${url}/count`, { headers: { cookie } })).text()).toBe('2');
  });

  it("answers 503 with none of the handler's cookies when its own save meets the outage", async () => {
    const url = await serve(honoApp(vessel).fetch);
    const cookie = cookiePair((await fetch(`${url}/count`)).headers.getSetCookie()[0]);
    const during = await whileDown(() => fetch(`${url}/save-after-stop`, { headers: { cookie } }));
    expect(during.status).toBe(503);
    expect(during.headers.getSetCookie()).toEqual([]);
  });

  it("answers 503 with none of the handler's cookies when the commit meets the outage", async () => {
    const url = await serve(honoApp(autoVessel).fetch);
    const cookie = cookiePair((await fetch(`${url}/count`)).headers.getSetCookie()[0]);
    const during = await whileDown(() => fetch(`${url}/commit-after-stop`, { headers: { cookie } }));
    expect(during.status).toBe(503);
    expect(during.headers.getSetCookie()).toEqual([]);
    const error = seen.get('/commit-after-stop');
    expect(isStorageOutage((error as HTTPException).cause)).toBe(true);
  });

  it("is a 503 with Hono's default error handler too (no app.onError)", async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel }));
    app.get('/', async (c) => {
      c.get('session').set('seen', true);
      await c.get('session').save();
      return c.text('ok');
    });
    const url = await serve(app.fetch);
    const cookie = cookiePair((await fetch(`${url}/`)).headers.getSetCookie()[0]);
    const during = await whileDown(() => fetch(`${url}/`, { headers: { cookie } }));
    expect(during.status).toBe(503);
    expect(await during.text()).toBe('Service Unavailable');
  });
});

describe('withSession() while the store is down', () => {
  const count = (request: Request) =>
    withSession(
      request,
      async (s) => {
        s.set('count', (s.get<number>('count') ?? 0) + 1);
        if (new URL(request.url).pathname === '/stop') await redis.stop();
        await s.save();
        return new Response(String(s.get('count')), { headers: { 'set-cookie': 'theme=dark' } });
      },
      { vessel },
    );

  it('answers a plain 503 with no Set-Cookie when loading fails, and the session is there after', async () => {
    const url = await serve(count);
    const sessionCookie = (await fetch(`${url}/`)).headers
      .getSetCookie()
      .find((header) => !header.startsWith('theme='));
    const cookie = cookiePair(sessionCookie);
    const during = await whileDown(() => fetch(`${url}/`, { headers: { cookie } }));
    expect(during.status).toBe(503);
    expect(during.headers.getSetCookie()).toEqual([]);
    expect(await during.text()).toBe('Service Unavailable');
    expect(await (await fetch(`${url}/`, { headers: { cookie } })).text()).toBe('2');
  });

  it("answers 503 when the handler's save meets the outage", async () => {
    const url = await serve(count);
    const during = await whileDown(() => fetch(`${url}/stop`));
    expect(during.status).toBe(503);
    expect(during.headers.getSetCookie()).toEqual([]);
  });

  it('rejects with the error when it is not an outage', async () => {
    const failing = withSession(
      new Request('http://127.0.0.1/'),
      () => {
        throw new Error('boom');
      },
      { vessel },
    );
    await expect(failing).rejects.toThrow('boom');
  });
});
