/**
 * Cookies another middleware already parsed (cookie-parser sets `req.cookies` and
 * `req.signedCookies`), as express-session reads them when the Cookie header does not carry the
 * session's cookie: a proxy or framework that moved it, a test harness, socket.io handshakes.
 */
import { createStorage } from '@vessel/core';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { session } from '../src/index.js';
import { cookieOf, SECRET, sessionOf, sidOf } from './support.js';

describe('cookies parsed by another middleware', () => {
  const storage = createStorage({ type: 'memory' });
  const rejects: string[] = [];
  const sessions = session({
    secret: SECRET,
    storage,
    resave: false,
    saveUninitialized: false,
    onReject: (event) => rejects.push(event.reason),
  });
  const handler: RequestHandler = (req, res) => {
    if (req.url === '/login') sessionOf(req).user = 'ada';
    res.end(String(sessionOf(req).user ?? 'nobody'));
  };
  /** An app whose `parse` middleware plays cookie-parser before the session middleware. */
  const appWith = (parse: (req: express.Request) => void) => {
    const app = express();
    app.use((req, _res, next) => {
      parse(req);
      next();
    });
    app.use(sessions);
    app.use(handler);
    return app;
  };
  const plain = appWith(() => {});

  afterAll(async () => {
    await storage.close();
  });

  it('loads the session from req.signedCookies when the header has no session cookie', async () => {
    const login = await request(plain).get('/login');
    const id = sidOf(login);
    const parsed = appWith((req) => {
      (req as unknown as { signedCookies: Record<string, unknown> }).signedCookies = { 'connect.sid': id };
    });
    await request(parsed).get('/').expect('ada');
  });

  it('verifies a signed value found in req.cookies, and refuses a forged one', async () => {
    const login = await request(plain).get('/login');
    const value = decodeURIComponent(cookieOf(login).slice('connect.sid='.length));
    const parsed = (cookie: string) =>
      appWith((req) => {
        (req as unknown as { cookies: Record<string, unknown> }).cookies = { 'connect.sid': cookie };
      });
    await request(parsed(value)).get('/').expect('ada');
    await request(parsed(`${value.slice(0, -2)}xx`))
      .get('/')
      .expect('nobody');
  });

  it('counts a signed cookie that cookie-parser refused (false) as a bad signature, not as no cookie', async () => {
    rejects.length = 0;
    const parsed = appWith((req) => {
      (req as unknown as { signedCookies: Record<string, unknown> }).signedCookies = { 'connect.sid': false };
    });
    await request(parsed).get('/').expect('nobody');
    expect(rejects).toEqual(['bad-signature']);
    rejects.length = 0;
    await request(plain).get('/').expect('nobody');
    expect(rejects).toEqual([]);
  });

  it('ignores an empty id in req.signedCookies', async () => {
    const parsed = appWith((req) => {
      (req as unknown as { signedCookies: Record<string, unknown> }).signedCookies = { 'connect.sid': '' };
    });
    await request(parsed).get('/').expect('nobody');
  });
});
