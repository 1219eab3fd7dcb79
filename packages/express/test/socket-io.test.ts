/**
 * socket.io's ways of sharing the Express session, with the objects socket.io hands the
 * middleware (socket.io is not a dependency; these are its shapes, engine.io 6 / socket.io 4):
 * - `io.engine.use(sessionMiddleware)`: a WebSocket upgrade gets engine.io's `WebSocketResponse`,
 *   a few header methods and no-op `write`/`writeHead`, no `getHeaders`/`hasHeader`/`statusCode`;
 *   engine.io calls `res.writeHead()` (no arguments) before the 101, for the Set-Cookie.
 * - `io.use(wrap(sessionMiddleware))` with `wrap = (mw) => (socket, next) => mw(socket.request, {}, next)`.
 * - express-socket.io-session: the handshake object (a plain object, not an IncomingMessage) as
 *   the request and `{ end() {} }` as the response.
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { createStorage } from '@vessel/core';
import { type Session, session } from '@vessel/express';
import express from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { cookieOf, SECRET } from './support.js';

const storage = createStorage({ type: 'memory' });
afterAll(() => storage.close());

const responseHeaders = Symbol('responseHeaders');

/** engine.io's `WebSocketResponse` (lib/server.ts): what an upgrade's middlewares get as `res`. */
class WebSocketResponse {
  constructor(
    readonly req: Record<symbol, Record<string, unknown>>,
    readonly socket: { destroy(): void },
  ) {
    req[responseHeaders] = {};
  }
  setHeader(name: string, value: unknown) {
    (this.req[responseHeaders] as Record<string, unknown>)[name] = value;
  }
  getHeader(name: string) {
    return this.req[responseHeaders]?.[name];
  }
  removeHeader(name: string) {
    delete this.req[responseHeaders]?.[name];
  }
  write() {}
  writeHead() {}
  end() {
    this.socket.destroy();
  }
}

type Middleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => void;

/** Runs `middleware` as socket.io's middleware runners do: resolves with what `next` got, throws what it threw. */
function run(middleware: Middleware, req: unknown, res: unknown): Promise<unknown> {
  return new Promise((resolve) => middleware(req, res, (err?: unknown) => resolve(err)));
}

/** An upgrade request as Node hands it to the `upgrade` event, carrying `cookie`. */
function upgradeRequest(cookie: string): IncomingMessage & { session?: Session } {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = '/socket.io/?EIO=4&transport=websocket';
  req.headers = { cookie, upgrade: 'websocket', connection: 'Upgrade', host: 'localhost' };
  return req;
}

describe.each([
  { label: 'rolling cookie with maxAge', options: { rolling: true, cookie: { maxAge: 60_000 } } },
  { label: 'default cookie', options: {} },
])('socket.io session sharing ($label)', ({ options }) => {
  const middleware = session({ secret: SECRET, storage, resave: false, saveUninitialized: false, ...options });
  const app = express();
  app.use(middleware);
  app.get('/login', (req, res) => {
    (req.session as Session).user = 'ada';
    res.end('ok');
  });
  app.get('/count', (req, res) => res.end(String((req.session as Session).count)));
  const loggedIn = async () => cookieOf(await request(app).get('/login'));

  it('io.engine.use: loads the session for a WebSocket upgrade and lets engine.io write the 101 headers', async () => {
    const cookie = await loggedIn();
    const req = upgradeRequest(cookie);
    let destroyed = false;
    const res = new WebSocketResponse(req as never, { destroy: () => (destroyed = true) });
    await expect(run(middleware as Middleware, req, res)).resolves.toBeUndefined();
    expect(req.session?.user).toBe('ada');
    // engine.io, once every middleware passed: flush the headers into the 101 response.
    res.writeHead();
    expect(destroyed).toBe(false);
    const sent = (req as unknown as Record<symbol, Record<string, unknown>>)[responseHeaders];
    if (options.rolling) expect(String(sent?.['Set-Cookie'])).toMatch(/^connect\.sid=s%3A/);
    else expect(sent).toEqual({});
  });

  it('io.use(wrap(...)): loads the session with `{}` as the response, and an explicit save persists', async () => {
    const cookie = await loggedIn();
    const req = upgradeRequest(cookie);
    await expect(run(middleware as Middleware, req, {})).resolves.toBeUndefined();
    expect(req.session?.user).toBe('ada');
    (req.session as Session).count = 7;
    await (req.session as Session).save();
    await request(app).get('/count').set('Cookie', cookie).expect('7');
  });

  it('express-socket.io-session: loads the session onto the handshake object', async () => {
    const cookie = await loggedIn();
    const handshake: { headers: Record<string, string>; session?: Session; [key: string]: unknown } = {
      headers: { cookie, host: 'localhost' },
      time: new Date().toString(),
      address: '127.0.0.1',
      xdomain: false,
      secure: false,
      issued: Date.now(),
      url: '/socket.io/?EIO=4&transport=polling',
      query: { EIO: '4', transport: 'polling' },
      auth: {},
    };
    await expect(run(middleware as Middleware, handshake, { end() {} })).resolves.toBeUndefined();
    expect(handshake.session?.user).toBe('ada');
  });
});
