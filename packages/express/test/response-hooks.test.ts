import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { appsOn, BACKENDS, cookieOf, countWrites, openEach, sessionOf, setCookieFor } from './support.js';

describe.each(BACKENDS)('the response around the session on $name', (backendCase) => {
  const backend = openEach(backendCase);
  const app = appsOn(backend);
  const reader = () => app((req, res) => res.json(sessionOf(req).user ?? null));

  it('sends the cookie with an explicit writeHead(status, headers object), keeping those headers', async () => {
    const server = app((req, res) => {
      sessionOf(req).user = 'ada';
      res.writeHead(201, { 'X-Custom': 'one', 'Content-Type': 'text/plain' });
      res.end('made');
    });
    const res = await request(server).get('/').expect(201, 'made');
    expect(res.headers['x-custom']).toBe('one');
    expect(setCookieFor(res)).toBeDefined();
    await request(reader()).get('/').set('Cookie', cookieOf(res)).expect(200, '"ada"');
  });

  it('sends the cookie with writeHead(status, reason, headers array) and streamed writes', async () => {
    const server = app((req, res) => {
      sessionOf(req).user = 'bob';
      res.writeHead(202, 'Taken', ['X-One', '1', 'X-Two', '2']);
      res.write('part, ');
      res.end('rest');
    });
    const res = await request(server).get('/').expect(202, 'part, rest');
    expect(res.headers['x-one']).toBe('1');
    expect(res.headers['x-two']).toBe('2');
    await request(reader()).get('/').set('Cookie', cookieOf(res)).expect(200, '"bob"');
  });

  it('gives end() callbacks their turn after the store write, with the whole body', async () => {
    let called = 0;
    const server = app((req, res) => {
      sessionOf(req).user = 'cy';
      res.setHeader('Content-Length', '5');
      res.end('hello', 'utf8', () => called++);
    });
    const res = await request(server).get('/').expect(200, 'hello');
    expect(called).toBe(1);
    await request(reader()).get('/').set('Cookie', cookieOf(res)).expect(200, '"cy"');
  });

  it('keeps the middleware’s bookkeeping for a session the app makes with store.createSession', async () => {
    const writes = countWrites(backend());
    const server = app((req, res) => {
      if (req.url === '/seed') {
        sessionOf(req).user = 'dee';
        return res.end();
      }
      const store = req.sessionStore as unknown as { createSession(req: unknown, data: unknown): unknown };
      store.createSession(req, { cookie: { ...sessionOf(req).cookie.data }, user: 'eve' });
      res.json({ created: sessionOf(req).created ?? null });
    });
    const seeded = await request(server).get('/seed');
    const saves = writes.saves;
    const res = await request(server).get('/').set('Cookie', cookieOf(seeded)).expect(200);
    // Vessel's own members answer through the middleware: a session without it would not know when it was made.
    if (backendCase.kind === 'vessel') expect(typeof res.body.created).toBe('string');
    expect(writes.saves).toBe(saves + 1);
    await request(reader()).get('/').set('Cookie', cookieOf(seeded)).expect(200, '"eve"');
  });
});
