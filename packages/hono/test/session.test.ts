/** `session()` on Hono over real sockets: cookies beside the app's, eager and lazy, HTTPS facts, no-cookie mode. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel } from '@vessel/core';
import { type LazySessionVariables, type SessionVariables, session } from '@vessel/hono';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookiePair, parseSetCookie, SECRET } from '../../../test-support/sessions.js';
import { listen, type Served } from './support.js';

let cacheDir: string;
let vessel: Vessel;
let secureVessel: Vessel;
const servers: Served[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-hono-'));
  vessel = createVessel({ cacheDir, session: { secret: SECRET } });
  secureVessel = createVessel({ cacheDir, session: { secret: SECRET, secure: true } });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await vessel.close();
  await secureVessel.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Any Hono app (its `fetch`) on a real socket; the URL. */
async function serve(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<string> {
  const served = await listen(app.fetch);
  servers.push(served);
  return served.url;
}

const sessionCookieOf = (headers: Headers) =>
  headers.getSetCookie().find((header) => header.startsWith(`${vessel.sessions.cookieName}=`));

describe('the session cookie and the response', () => {
  it("appends its Set-Cookie beside the app's own cookies, never replacing them", async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel }));
    app.get('/', async (c) => {
      setCookie(c, 'theme', 'dark');
      c.header('Set-Cookie', 'tracking=off; Path=/', { append: true });
      c.get('session').set('user', 'ada');
      await c.get('session').save();
      return c.text('ok');
    });
    const response = await fetch(`${await serve(app)}/`);
    const names = response.headers.getSetCookie().map((header) => parseSetCookie(header).name);
    expect(names).toEqual(['theme', 'tracking', vessel.sessions.cookieName]);
  });

  it('adds the cookie to a response whose headers are immutable (Response.redirect)', async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel }));
    app.post('/login', async (c) => {
      await c.get('session').regenerate();
      c.get('session').set('user', 'ada');
      await c.get('session').save();
      return Response.redirect(new URL('/home', c.req.url), 303);
    });
    app.get('/home', (c) => c.text(c.get('session').get<string>('user') ?? 'nobody'));
    const url = await serve(app);
    const login = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe(`${url}/home`);
    const cookie = cookiePair(sessionCookieOf(login.headers));
    expect(await (await fetch(`${url}/home`, { headers: { cookie } })).text()).toBe('ada');
  });

  it('sends no cookie for a fresh session the handler left empty', async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel }));
    app.get('/', (c) => c.text(c.get('session').isNew ? 'new' : 'known'));
    const response = await fetch(`${await serve(app)}/`);
    expect(await response.text()).toBe('new');
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('eager and lazy loading', () => {
  it("eager: the session is at c.get('session') before the handler runs", async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel }));
    app.get('/', async (c) => c.text(String(c.get('session') === (await c.get('loadSession')()))));
    expect(await (await fetch(`${await serve(app)}/`)).text()).toBe('true');
  });

  it("lazy: c.get('session') is undefined until loadSession() resolves it", async () => {
    const app = new Hono<{ Variables: LazySessionVariables }>();
    app.use(session({ vessel, lazy: true }));
    app.get('/', async (c) => {
      const before = c.get('session');
      const loaded = await c.get('loadSession')();
      return c.json({
        before: before === undefined,
        after: c.get('session') === loaded,
        again: loaded === (await c.get('loadSession')()),
      });
    });
    expect(await (await fetch(`${await serve(app)}/`)).json()).toEqual({ before: true, after: true, again: true });
  });
});

describe('HTTPS facts (trustProxy)', () => {
  const start = async (trustProxy: boolean) => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel: secureVessel, trustProxy }));
    app.get('/', async (c) => {
      c.get('session').set('seen', true);
      await c.get('session').save();
      return c.text('ok');
    });
    return serve(app);
  };

  it('holds a Secure cookie back on plain HTTP, whatever an untrusted X-Forwarded-Proto says', async () => {
    const url = await start(false);
    const response = await fetch(`${url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('sends it behind a trusted proxy that says https, and not when the proxy says http', async () => {
    const url = await start(true);
    const https = await fetch(`${url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(parseSetCookie(https.headers.getSetCookie()[0] ?? '').attributes.secure).toBe(true);
    const http = await fetch(`${url}/`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(http.headers.getSetCookie()).toEqual([]);
  });
});

describe('no-cookie mode (sessionId)', () => {
  it('finds the session by the id the app reads, and never reads or writes a cookie', async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ vessel, sessionId: (c) => c.req.header('x-session-id') }));
    app.post('/fred', async (c) => {
      c.get('session').set('fred', 42);
      await c.get('session').save();
      c.header('X-Session-Id', c.get('session').id);
      return c.text('ok');
    });
    app.get('/fred', (c) => c.json(c.get('session').get('fred') ?? null));
    const url = await serve(app);
    const created = await fetch(`${url}/fred`, { method: 'POST' });
    expect(created.headers.getSetCookie()).toEqual([]);
    const id = created.headers.get('x-session-id') ?? '';
    expect(await (await fetch(`${url}/fred`, { headers: { 'x-session-id': id } })).json()).toBe(42);
    // A cookie holding a valid session is ignored: only the app's id counts.
    const cookieApp = new Hono<{ Variables: SessionVariables }>();
    cookieApp.use(session({ vessel }));
    cookieApp.get('/', async (c) => {
      c.get('session').set('fred', 7);
      await c.get('session').save();
      return c.text('ok');
    });
    const cookie = cookiePair(sessionCookieOf((await fetch(`${await serve(cookieApp)}/`)).headers));
    expect(await (await fetch(`${url}/fred`, { headers: { cookie } })).json()).toBe(null);
  });
});

describe('saving', () => {
  it("stores the request's changes when it ends, without save(), as hono-sessions does; auto: false waits for save()", async () => {
    const counts: Record<string, string[]> = {};
    for (const auto of [undefined, false] as const) {
      const app = new Hono<{ Variables: SessionVariables }>();
      app.use(session({ vessel, ...(auto === undefined ? {} : { auto }) }));
      app.get('/', (c) => {
        const s = c.get('session');
        s.set('views', (s.get<number>('views') ?? 0) + 1);
        return c.text(String(s.get('views')));
      });
      const url = await serve(app);
      let cookie: string | undefined;
      const seen: string[] = [];
      for (let i = 0; i < 2; i++) {
        const response = await fetch(url, { headers: cookie ? { cookie } : {} });
        const header = sessionCookieOf(response.headers);
        if (header) cookie = cookiePair(header);
        seen.push(await response.text());
      }
      counts[String(auto)] = seen;
    }
    expect(counts).toEqual({ undefined: ['1', '2'], false: ['1', '1'] });
  });
});
