import { type SessionRejectEvent, signSessionId } from '@vessel/core';
import { session } from '@vessel/express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BACKENDS,
  cookieOf,
  countWrites,
  createApp,
  expiresAt,
  openEach,
  SECRET,
  sessionOf,
  setCookieFor,
  sidOf,
} from './support.js';

const OLD_SECRET = 'old secret, retired: 32 bytes or more';
const NEW_SECRET = 'new secret, signing: 32 bytes or more';

describe('option validation (as express-session)', () => {
  it('rejects a genid that is not a function', () => {
    expect(() => session({ genid: 'bogus' as never })).toThrow(new TypeError('genid option must be a function'));
  });
  it('rejects an unknown unset value', () => {
    expect(() => session({ unset: 'bogus' as never })).toThrow(
      new TypeError('unset option must be "destroy" or "keep"'),
    );
  });
  it('rejects an empty secret array', () => {
    expect(() => session({ secret: [] })).toThrow(
      new TypeError('secret option array must contain one or more strings'),
    );
  });
  it('rejects an onReject that is not a function', () => {
    expect(() => session({ onReject: 'log' as never })).toThrow(new TypeError('onReject option must be a function'));
  });
});

describe.each(BACKENDS)('session() on $name', (backendCase) => {
  const backend = openEach(backendCase);
  const app = (options: Parameters<typeof createApp>[0] = {}, handler?: Parameters<typeof createApp>[1]) =>
    createApp({ secret: SECRET, resave: false, saveUninitialized: true, ...backend().options, ...options }, handler);

  describe('basics', () => {
    it('creates a new session with a signed connect.sid cookie', async () => {
      const res = await request(app()).get('/').expect(200, 'session');
      expect(setCookieFor(res)).toMatch(/^connect\.sid=s%3A[^.;]+\.[A-Za-z0-9%]+; Path=\/; HttpOnly$/);
    });

    it('loads the session named by the cookie', async () => {
      const server = app({}, (req, res) => {
        sessionOf(req).count = ((sessionOf(req).count as number) ?? 0) + 1;
        res.end(String(sessionOf(req).count));
      });
      const first = await request(server).get('/').expect(200, '1');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect(200, '2');
    });

    it('does nothing when req.session already exists', async () => {
      const express = (await import('express')).default;
      const server = express();
      server.use((req, _res, next) => {
        (req as unknown as { session: unknown }).session = { marker: 'outer' };
        next();
      });
      server.use(session({ secret: SECRET, ...backend().options }));
      server.use((req, res) => res.end(String((req.session as unknown as { marker: string }).marker)));
      const res = await request(server).get('/').expect(200, 'outer');
      expect(setCookieFor(res)).toBeUndefined();
    });

    it('fails without a secret, unless req.secret is set', async () => {
      const server = createApp({ ...backend().options, resave: false, saveUninitialized: true });
      await request(server)
        .get('/')
        .expect(500, /secret option required for sessions/);
      const express = (await import('express')).default;
      const withSecret = express();
      withSecret.use((req, _res, next) => {
        (req as unknown as { secret: string }).secret = SECRET;
        next();
      });
      withSecret.use(server);
      await request(withSecret).get('/').expect(200, 'session');
    });

    it('starts a fresh session for a tampered cookie, never a 500', async () => {
      const server = app({}, (req, res) => {
        sessionOf(req).user = 'ada';
        res.end(req.sessionID);
      });
      const first = await request(server).get('/');
      const tampered = `${cookieOf(first).slice(0, -3)}abc`;
      const second = await request(server).get('/').set('Cookie', tampered).expect(200);
      expect(second.text).not.toBe(sidOf(first));
      expect(setCookieFor(second)).toBeDefined();
    });

    it('starts a fresh session when the id is not in the store', async () => {
      const server = app({}, (req, res) => res.end(req.sessionID));
      const forged = `connect.sid=${encodeURIComponent(signSessionId('neverStoredId_0123456789abcdef', SECRET))}`;
      const res = await request(server).get('/').set('Cookie', forged).expect(200);
      expect(res.text).not.toBe('neverStoredId_0123456789abcdef');
      expect(sidOf(res)).toBe(res.text);
    });

    it('keeps the app’s own Set-Cookie headers first', async () => {
      const server = app({}, (_req, res) => {
        res.setHeader('Set-Cookie', 'previous=cookieValue');
        res.end();
      });
      const res = await request(server).get('/').expect(200);
      expect(res.headers['set-cookie'][0]).toBe('previous=cookieValue');
      expect(res.headers['set-cookie'][1]).toMatch(/^connect\.sid=/);
    });

    it('survives a second res.end() and res.end(null)', async () => {
      const server = app({}, (req, res) => {
        sessionOf(req).x = 1;
        res.end(null);
        res.end('again');
      });
      await request(server).get('/').expect(200, '');
    });

    it('saves before a Content-Length response completes, with chunked writes too', async () => {
      const server = app({ saveUninitialized: false }, (req, res) => {
        sessionOf(req).hit = true;
        if (req.url === '/chunked') {
          res.write('hello, ');
          res.end('world');
          return;
        }
        res.setHeader('Content-Length', '11');
        res.end('hello world');
      });
      const one = await request(server).get('/').expect(200, 'hello world');
      const reader = app({}, (req, res) => res.end(String(sessionOf(req).hit)));
      await request(reader).get('/').set('Cookie', cookieOf(one)).expect(200, 'true');
      const two = await request(server).get('/chunked').expect(200, 'hello, world');
      await request(reader).get('/').set('Cookie', cookieOf(two)).expect(200, 'true');
    });

    it('exposes only data (and cookie) as enumerable properties', async () => {
      const server = app({}, (req, res) => {
        sessionOf(req).user = 'ada';
        res.json(Object.keys(sessionOf(req)));
      });
      const res = await request(server).get('/').expect(200);
      expect(res.body).toEqual(['cookie', 'user']);
    });
  });

  describe('genid', () => {
    it('uses the custom id and encodes unsafe characters', async () => {
      const server = app({ genid: () => '%' }, (req, res) => res.end(req.sessionID));
      const res = await request(server).get('/').expect(200, '%');
      expect(setCookieFor(res)).toMatch(/^connect\.sid=s%3A%25\.[^;]+/);
    });
    it('receives the request', async () => {
      const server = app({ genid: (req) => `id-${req.url?.length}-abcdefghij` }, (req, res) => res.end(req.sessionID));
      await request(server).get('/foo').expect(200, 'id-4-abcdefghij');
    });
  });

  describe('name', () => {
    it('names the cookie (key is its old name)', async () => {
      const named = await request(app({ name: 'sessid' })).get('/');
      expect(setCookieFor(named, 'sessid')).toBeDefined();
      const keyed = await request(app({ key: 'sid2' })).get('/');
      expect(setCookieFor(keyed, 'sid2')).toBeDefined();
    });
  });

  describe('rolling', () => {
    it('defaults to false: an unmodified session sends no cookie', async () => {
      const server = app();
      const first = await request(server).get('/');
      const second = await request(server).get('/').set('Cookie', cookieOf(first)).expect(200);
      expect(setCookieFor(second)).toBeUndefined();
    });
    it('sends the cookie on every response when true', async () => {
      const server = app({ rolling: true });
      const first = await request(server).get('/');
      const second = await request(server).get('/').set('Cookie', cookieOf(first)).expect(200);
      expect(setCookieFor(second)).toBeDefined();
    });
    it('sends no cookie for an uninitialized session when saveUninitialized is false', async () => {
      const res = await request(app({ rolling: true, saveUninitialized: false })).get('/');
      expect(setCookieFor(res)).toBeUndefined();
    });
  });

  describe('resave', () => {
    it('saves an unmodified session when true', async () => {
      const counts = countWrites(backend());
      const server = app({ resave: true });
      const first = await request(server).get('/');
      const before = counts.saves;
      await request(server).get('/').set('Cookie', cookieOf(first));
      expect(counts.saves).toBe(before + 1);
    });
    it('does not save an unmodified session when false (and touches instead)', async () => {
      const counts = countWrites(backend());
      const server = app({ resave: false });
      const first = await request(server).get('/');
      const before = counts.saves;
      await request(server).get('/').set('Cookie', cookieOf(first));
      if (backendCase.kind === 'store') {
        expect(counts.saves).toBe(before);
        expect(counts.touches).toBe(1);
      } else {
        // Vessel's touch is an access-time write of the record, at most once per touchAfter
        // (by default a tenth of the lifetime): the record was just written, so none yet.
        expect(counts.saves).toBe(before);
        const everyTime = app({ resave: false, touchAfter: 0 });
        const again = await request(everyTime).get('/');
        const beforeTouch = counts.saves;
        await request(everyTime).get('/').set('Cookie', cookieOf(again));
        expect(counts.saves).toBe(beforeTouch + 1);
      }
    });
    it('saves a modified session when false', async () => {
      const server = app({ resave: false }, (req, res) => {
        if (req.url === '/set') sessionOf(req).v = 'x';
        res.end(String(sessionOf(req).v));
      });
      const first = await request(server).get('/');
      await request(server).get('/set').set('Cookie', cookieOf(first)).expect('x');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('x');
    });
  });

  describe('saveUninitialized', () => {
    it('does not save or send a cookie for an untouched new session when false', async () => {
      const counts = countWrites(backend());
      const res = await request(app({ saveUninitialized: false })).get('/');
      expect(setCookieFor(res)).toBeUndefined();
      expect(counts.saves).toBe(0);
    });
    it('saves a new session that was modified when false', async () => {
      const counts = countWrites(backend());
      const server = app({ saveUninitialized: false }, (req, res) => {
        sessionOf(req).v = 1;
        res.end();
      });
      const res = await request(server).get('/');
      expect(setCookieFor(res)).toBeDefined();
      expect(counts.saves).toBe(1);
    });
    it('defaults to true', async () => {
      const server = createApp({ secret: SECRET, resave: false, ...backend().options });
      const res = await request(server).get('/');
      expect(setCookieFor(res)).toBeDefined();
    });
  });

  describe('secret', () => {
    it('signs with the first secret and accepts every secret of the list', async () => {
      const handler: Parameters<typeof createApp>[1] = (req, res) => {
        if (req.url === '/set') sessionOf(req).user = 'ada';
        res.end(String(sessionOf(req).user));
      };
      const old = app({ secret: OLD_SECRET }, handler);
      const first = await request(old).get('/set');
      const rotated = app({ secret: [NEW_SECRET, OLD_SECRET] }, handler);
      await request(rotated).get('/').set('Cookie', cookieOf(first)).expect('ada');
    });
    it('accepts a Buffer secret', async () => {
      const server = app({ secret: Buffer.from(SECRET) }, (req, res) => {
        sessionOf(req).n = ((sessionOf(req).n as number) ?? 0) + 1;
        res.end(String(sessionOf(req).n));
      });
      const first = await request(server).get('/');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('2');
    });
    it('interoperates with express-session cookies (same format)', async () => {
      const { createHmac } = await import('node:crypto');
      const server = app({ genid: () => 'fixed-id-1234567890abcdef' }, (req, res) => res.end(req.sessionID));
      const res = await request(server).get('/');
      const mac = createHmac('sha256', SECRET).update('fixed-id-1234567890abcdef').digest('base64').replace(/=+$/, '');
      expect(cookieOf(res)).toBe(`connect.sid=${encodeURIComponent(`s:fixed-id-1234567890abcdef.${mac}`)}`);
    });
  });

  describe('onReject', () => {
    /** An app whose responses say which reject event (if any) the request caused. */
    function reporting(options: Parameters<typeof createApp>[0] = {}) {
      const events = new WeakMap<object, SessionRejectEvent>();
      return app({ ...options, onReject: (event, req) => events.set(req, event) }, (req, res) => {
        if (req.url === '/set') sessionOf(req).user = 'ada';
        res.json(events.get(req) ?? null);
      });
    }

    it('hears a cookie that no secret signed (bad-signature), never an authentic one', async () => {
      const server = reporting();
      const first = await request(server).get('/set');
      expect(first.body).toBeNull();
      await request(server).get('/').set('Cookie', cookieOf(first)).expect(200, 'null');
      const forged = `connect.sid=${encodeURIComponent(signSessionId(sidOf(first), 'another secret'))}`;
      const res = await request(server).get('/').set('Cookie', forged).expect(200);
      expect(res.body).toEqual({ reason: 'bad-signature' });
      await request(server)
        .get('/')
        .set('Cookie', 'connect.sid=junk; theme=dark')
        .expect(200, { reason: 'bad-signature' });
      await request(server).get('/').set('Cookie', 'theme=dark').expect(200, 'null');
    });

    it('hears an authentic cookie naming no stored session (unknown)', async () => {
      const id = 'x'.repeat(32);
      const res = await request(reporting())
        .get('/')
        .set('Cookie', `connect.sid=${encodeURIComponent(signSessionId(id, SECRET))}`)
        .expect(200);
      expect(res.body).toEqual({ reason: 'unknown', id });
    });

    it('hears an id of the wrong shape in no-cookie mode (invalid-id)', async () => {
      const server = reporting({ sessionId: (req) => req.headers['x-session-id'] as string | undefined });
      await request(server).get('/').set('X-Session-Id', '../../etc/passwd').expect(200, { reason: 'invalid-id' });
      await request(server).get('/').expect(200, 'null');
    });

    it.runIf(backendCase.kind === 'vessel')('hears a stored record that is not a session (corrupt)', async () => {
      const server = reporting();
      const first = await request(server).get('/set');
      await backend().storage?.namespace('session').set(sidOf(first), 42);
      const res = await request(server).get('/').set('Cookie', cookieOf(first)).expect(200);
      expect(res.body).toMatchObject({ reason: 'corrupt', id: sidOf(first), detail: expect.any(String) });
    });

    it('passes an error thrown by the listener to next(err)', async () => {
      const server = app({
        onReject: () => {
          throw new Error('listener failed');
        },
      });
      await request(server).get('/').set('Cookie', 'connect.sid=junk').expect(500, 'listener failed');
    });
  });

  describe('unset', () => {
    const handler: Parameters<typeof createApp>[1] = (req, res) => {
      if (req.url === '/set') sessionOf(req).v = 1;
      if (req.url === '/unset') req.session = null as never;
      res.end(String(req.session?.v));
    };
    it('keeps the stored session by default', async () => {
      const server = app({}, handler);
      const first = await request(server).get('/set');
      await request(server).get('/unset').set('Cookie', cookieOf(first));
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('1');
    });
    it('destroys it with unset: destroy', async () => {
      const server = app({ unset: 'destroy' }, handler);
      const first = await request(server).get('/set');
      await request(server).get('/unset').set('Cookie', cookieOf(first));
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('undefined');
    });
  });

  describe('proxy', () => {
    const secureApp = (proxy: boolean | undefined, trust = false) => {
      const server = app({ proxy, cookie: { secure: true } });
      if (trust) server.set('trust proxy', true);
      return server;
    };
    it('trusts X-Forwarded-Proto when true (first of a list)', async () => {
      const res = await request(secureApp(true)).get('/').set('X-Forwarded-Proto', 'https, http');
      expect(setCookieFor(res)).toMatch(/; Secure/);
      const plain = await request(secureApp(true)).get('/');
      expect(setCookieFor(plain)).toBeUndefined();
    });
    it('trusts only the first hop of X-Forwarded-Proto: https further down the list is not HTTPS', async () => {
      for (const header of ['http, https', 'http,https', ' http , https', 'ws, https, https']) {
        const res = await request(secureApp(true)).get('/').set('X-Forwarded-Proto', header);
        expect(setCookieFor(res), header).toBeUndefined();
      }
      const spaced = await request(secureApp(true)).get('/').set('X-Forwarded-Proto', ' HTTPS ,http');
      expect(setCookieFor(spaced)).toMatch(/; Secure/);
    });
    it('ignores X-Forwarded-Proto and req.secure when false', async () => {
      const res = await request(secureApp(false, true)).get('/').set('X-Forwarded-Proto', 'https');
      expect(setCookieFor(res)).toBeUndefined();
    });
    it('follows req.secure (trust proxy) when unset', async () => {
      const trusted = await request(secureApp(undefined, true)).get('/').set('X-Forwarded-Proto', 'https');
      expect(setCookieFor(trusted)).toBeDefined();
      const untrusted = await request(secureApp(undefined)).get('/').set('X-Forwarded-Proto', 'https');
      expect(setCookieFor(untrusted)).toBeUndefined();
    });
  });

  describe('cookie', () => {
    it('defaults to a browser-session cookie sent once', async () => {
      const server = app({}, (req, res) => {
        sessionOf(req).user = 'ada';
        res.end();
      });
      const first = await request(server).get('/');
      expect(setCookieFor(first)).not.toMatch(/Expires/);
      const second = await request(server).get('/').set('Cookie', cookieOf(first));
      expect(setCookieFor(second)).toBeUndefined();
    });
    it('sets Expires exactly maxAge after the response Date', async () => {
      const res = await request(app({ cookie: { maxAge: 2000 } })).get('/');
      expect(expiresAt(res).getTime() - new Date(res.headers.date).getTime()).toBe(2000);
    });
    it('re-sends the cookie with a new expiry when a maxAge session is modified', async () => {
      const server = app({ cookie: { maxAge: 60_000 } }, (req, res) => {
        sessionOf(req).n = ((sessionOf(req).n as number) ?? 0) + 1;
        res.end();
      });
      const first = await request(server).get('/');
      const second = await request(server).get('/').set('Cookie', cookieOf(first));
      expect(setCookieFor(second)).toMatch(/Expires=/);
    });
    it('reports maxAge, originalMaxAge and expires on req.session.cookie', async () => {
      const server = app({ cookie: { maxAge: 60_000 } }, (req, res) => {
        const { cookie } = sessionOf(req);
        res.json({ maxAge: cookie.maxAge, originalMaxAge: cookie.originalMaxAge, expires: cookie.expires });
      });
      const res = await request(server).get('/');
      expect(res.body.originalMaxAge).toBe(60_000);
      expect(res.body.maxAge).toBeGreaterThan(55_000);
      expect(res.body.maxAge).toBeLessThanOrEqual(60_000);
      expect(typeof res.body.expires).toBe('string');
    });
    it('lets a handler change maxAge for this session (remember me)', async () => {
      const server = app({ cookie: { maxAge: 60_000 } }, (req, res) => {
        if (req.url === '/remember') {
          sessionOf(req).cookie.maxAge = 30 * 86_400_000;
          sessionOf(req).remember = true;
        }
        res.json({ originalMaxAge: sessionOf(req).cookie.originalMaxAge, remember: sessionOf(req).remember ?? false });
      });
      const first = await request(server).get('/remember');
      expect(first.body).toEqual({ originalMaxAge: 30 * 86_400_000, remember: true });
      const expires = expiresAt(first);
      expect(expires.getTime() - new Date(first.headers.date).getTime()).toBe(30 * 86_400_000);
      const second = await request(server).get('/').set('Cookie', cookieOf(first));
      expect(second.body).toEqual({ originalMaxAge: 30 * 86_400_000, remember: true });
    });
    it('writes secure, sameSite, domain, priority and partitioned', async () => {
      const server = app({
        proxy: true,
        cookie: { secure: true, sameSite: 'strict', domain: 'example.com', priority: 'high', partitioned: true },
      });
      const res = await request(server).get('/').set('X-Forwarded-Proto', 'https');
      expect(setCookieFor(res)).toMatch(
        /; Domain=example\.com; Path=\/; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict$/,
      );
    });
    it("resolves secure: 'auto' and sameSite: 'auto' from the protocol", async () => {
      const server = app({ proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } });
      const https = await request(server).get('/').set('X-Forwarded-Proto', 'https');
      expect(setCookieFor(https)).toMatch(/; Secure; SameSite=None$/);
      const http = await request(server).get('/');
      expect(setCookieFor(http)).toMatch(/; SameSite=Lax$/);
      expect(setCookieFor(http)).not.toMatch(/Secure/);
    });
    it('skips requests outside cookie.path', async () => {
      const server = app({ cookie: { path: '/foo/bar' } });
      const outside = await request(server).get('/').expect(200, 'no session');
      expect(setCookieFor(outside)).toBeUndefined();
      const inside = await request(server).get('/foo/bar/baz').expect(200, 'session');
      expect(setCookieFor(inside)).toMatch(/Path=\/foo\/bar/);
    });
    it('takes a function of the request', async () => {
      const server = app({ cookie: (req) => ({ path: '/', maxAge: req.url === '/long' ? 10_000 : 1000 }) });
      const res = await request(server).get('/long');
      expect(expiresAt(res).getTime() - new Date(res.headers.date).getTime()).toBe(10_000);
    });
  });

  describe('edge cases (as express-session)', () => {
    it('neither saves nor sends a cookie when req.sessionID is bogus', async () => {
      const counts = countWrites(backend());
      const server = app({}, (req, res) => {
        sessionOf(req).v = 1;
        (req as unknown as { sessionID: unknown }).sessionID = 42;
        res.end();
      });
      const res = await request(server).get('/').expect(200);
      expect(setCookieFor(res)).toBeUndefined();
      expect(counts.saves).toBe(0);
    });

    it('ignores stored properties that collide with the session’s own members', async () => {
      const server = app({}, (req, res) => {
        const s = sessionOf(req);
        if (req.url === '/set') Object.assign(s, { user: 'ada' });
        res.json({ user: s.user, saveIsFunction: typeof s.save === 'function', id: s.id === req.sessionID });
      });
      const first = await request(server).get('/set');
      await request(server)
        .get('/')
        .set('Cookie', cookieOf(first))
        .expect(200, { user: 'ada', saveIsFunction: true, id: true });
    });

    it('stores a secure-cookie session over plain HTTP without sending the cookie', async () => {
      const counts = countWrites(backend());
      const server = app({ cookie: { secure: true } }, (req, res) => {
        sessionOf(req).v = 1;
        res.end();
      });
      const res = await request(server).get('/').expect(200);
      expect(setCookieFor(res)).toBeUndefined();
      expect(counts.saves).toBe(1);
    });

    it('honours a fixed cookie.expires', async () => {
      const expires = new Date(Date.now() + 3_600_000);
      const res = await request(app({ cookie: { expires } })).get('/');
      expect(setCookieFor(res)).toContain(`Expires=${expires.toUTCString()}`);
    });

    it('does not save again at the end after an explicit save of a reloaded session', async () => {
      const counts = countWrites(backend());
      const server = app({}, async (req, res) => {
        if (req.url === '/set') {
          sessionOf(req).v = 1;
          return res.end();
        }
        await sessionOf(req).reload();
        sessionOf(req).v = 2;
        await sessionOf(req).save();
        res.end();
      });
      const first = await request(server).get('/set');
      const before = counts.saves;
      await request(server).get('/').set('Cookie', cookieOf(first)).expect(200);
      expect(counts.saves).toBe(before + 1);
    });
  });

  describe('expiry', () => {
    it('starts a fresh session once the cookie maxAge has passed in the store', async () => {
      const server = app({ cookie: { maxAge: 1000 } }, (req, res) => {
        if (req.url === '/set') sessionOf(req).v = 1;
        res.end(String(sessionOf(req).v));
      });
      const first = await request(server).get('/set');
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('undefined');
    });
  });
});
