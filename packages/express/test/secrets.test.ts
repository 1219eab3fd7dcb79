import { ConfigError, createStorage, signSessionId } from '@vessel/core';
import { type SessionOptions, session } from '@vessel/express';
import type { Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { cookieOf, createApp, SECRET, sessionOf, sidOf } from './support.js';

const storage = createStorage({ type: 'memory' });
afterEach(() => storage.namespace('session').clear());

/** Logs in as `user` at /login; every path answers the session's user. */
function loginApp(secret: SessionOptions['secret']): Express {
  return createApp({ secret, storage, resave: false, saveUninitialized: false }, (req, res) => {
    if (req.url === '/login') sessionOf(req).user = 'ada';
    res.end(String(sessionOf(req).user ?? 'nobody'));
  });
}

describe('signing secrets', () => {
  it.each([
    ["['']", ['']],
    ["''.split(',')", ''.split(',')],
    ['an empty Buffer', Buffer.alloc(0)],
    ["''", ''],
    ['a blank string', '   '],
    ["['', real]", ['', SECRET]],
  ])('refuses %s at startup with an error naming the option', (_label, secret) => {
    expect(() => session({ secret: secret as string })).toThrow(ConfigError);
    expect(() => session({ secret: secret as string })).toThrow(/^secret: .*empty/);
  });

  it('refuses `secret: process.env.SESSION_SECRET` when the variable is unset, at startup, naming the fix', () => {
    const unset: string | undefined = process.env.VESSEL_TEST_SURELY_UNSET_SECRET;
    expect(() => session({ secret: unset })).toThrow(ConfigError);
    expect(() => session({ secret: unset })).toThrow(
      /^secret: the option is given but undefined .*SESSION_SECRET.*secretFromEnv/,
    );
    // Left out, express-session's way stays: the request's `req.secret` (cookie-parser) signs.
    expect(() => session({})).not.toThrow();
    // With no cookie to sign, no secret is needed.
    expect(() => session({ secret: unset, sessionId: () => undefined })).not.toThrow();
  });

  it('refuses a short secret at startup, and says how long it must be', () => {
    expect(() => session({ secret: 'keyboard cat' })).toThrow(
      /^secret: the secret is 12 bytes; use at least 32 random bytes/,
    );
    expect(() => session({ secret: [SECRET, 'old'] })).toThrow(/^secret: secret #2 is 3 bytes/);
    expect(() => session({ secret: Buffer.alloc(31, 1) })).toThrow(ConfigError);
    expect(() => session({ secret: Buffer.alloc(32, 1) })).not.toThrow();
  });

  it('never lets a cookie forged with the empty key open a session', async () => {
    // On a build that accepted the empty key, the forgery below opened Ada's session.
    let app: Express | undefined;
    let refused: unknown;
    try {
      app = loginApp(['']);
    } catch (err) {
      refused = err;
    }
    if (app) {
      const login = await request(app).get('/login');
      const forged = `connect.sid=${encodeURIComponent(signSessionId(sidOf(login), ''))}`;
      const res = await request(app).get('/').set('Cookie', forged);
      expect(res.text, 'a cookie forged with the empty key opened the session').toBe('nobody');
    }
    expect(refused).toBeInstanceOf(ConfigError);
  });

  it('refuses an empty req.secret (cookie-parser) on the request', async () => {
    const express = (await import('express')).default;
    const app = express();
    app.use((req, _res, next) => {
      (req as unknown as { secret: Buffer }).secret = Buffer.alloc(0);
      next();
    });
    app.use(createApp({ storage }));
    await request(app)
      .get('/')
      .expect(500, /secret.*empty/);
  });

  it('stops accepting a secret removed from the list at run time, even for ids it verified before', async () => {
    const current = 'c'.repeat(32);
    const retired = 'r'.repeat(32);
    const secrets = [current, retired];
    const app = loginApp(secrets);
    // A session signed under the secret about to be retired, verified (and remembered) once.
    const login = await request(loginApp([retired])).get('/login');
    await request(app).get('/').set('Cookie', cookieOf(login)).expect('ada');
    secrets.pop();
    await request(app).get('/').set('Cookie', cookieOf(login)).expect('nobody');
  });
});
