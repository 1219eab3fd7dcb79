/** `withSession()`: a plain Fetch handler (as a Next.js route handler is) served by @hono/node-server's `serve({ fetch })`. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel } from '@vessel/core';
import { withSession } from '@vessel/hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../../test-support/adapter-conformance.js';
import { parseSetCookie, SECRET } from '../../../test-support/sessions.js';
import { listen, type Served } from './support.js';

let cacheDir: string;
let vessel: Vessel;
let served: Served;

/** A route-handler-shaped function per path, as a Next.js app has one file per route. */
async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  switch (url.pathname) {
    case '/count':
      return withSession(
        request,
        async (session) => {
          const count = (session.get<number>('count') ?? 0) + 1;
          session.set('count', count);
          await session.save();
          return new Response(String(count), { headers: { 'set-cookie': 'theme=dark; Path=/' } });
        },
        { vessel },
      );
    case '/login':
      return withSession(
        request,
        async (session) => {
          await session.regenerate();
          session.set('user', url.searchParams.get('user'));
          await session.save();
          return Response.redirect(new URL('/whoami', url), 303);
        },
        { vessel },
      );
    case '/whoami':
      return withSession(request, (session) => new Response(session.get<string>('user') ?? 'nobody'), { vessel });
    case '/by-header':
      return withSession(
        request,
        async (session) => {
          session.set('hits', (session.get<number>('hits') ?? 0) + 1);
          await session.save();
          return Response.json({ hits: session.get('hits') }, { headers: { 'x-session-id': session.id } });
        },
        { vessel, sessionId: (r) => r.headers.get('x-session-id') },
      );
    default:
      return new Response('not found', { status: 404 });
  }
}

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-hono-fetch-'));
  vessel = createVessel({ cacheDir, session: { secret: SECRET } });
  served = await listen(handle);
});
afterAll(async () => {
  await served?.close();
  await vessel?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('withSession', () => {
  it("counts across requests, appending the session cookie after the handler's own", async () => {
    const response = await fetch(`${served.url}/count`);
    const [theme, sessionCookie] = response.headers.getSetCookie().map(parseSetCookie);
    expect(theme?.name).toBe('theme');
    expect(sessionCookie?.name).toBe(vessel.sessions.cookieName);
    const cookie = `${sessionCookie?.name}=${sessionCookie?.raw}`;
    const again = await fetch(`${served.url}/count`, { headers: { cookie } });
    expect(await again.text()).toBe('2');
    // The session's cookie is unchanged, so only the handler's own is sent.
    expect(again.headers.getSetCookie().map((header) => parseSetCookie(header).name)).toEqual(['theme']);
  });

  it('copies a response with immutable headers (Response.redirect) to add the cookie', async () => {
    const ada = new HttpBrowser(served.url);
    const login = await ada.request('POST', '/login?user=ada');
    expect(login.status).toBe(303);
    expect(login.setCookie).toHaveLength(1);
    expect(await ada.get('/whoami')).toBe('ada');
  });

  it('no-cookie mode: the id travels in a header, and no cookie is sent', async () => {
    const first = await fetch(`${served.url}/by-header`);
    expect(first.headers.getSetCookie()).toEqual([]);
    const id = first.headers.get('x-session-id') ?? '';
    const second = await fetch(`${served.url}/by-header`, { headers: { 'x-session-id': id } });
    expect(await second.json()).toEqual({ hits: 2 });
  });
});
