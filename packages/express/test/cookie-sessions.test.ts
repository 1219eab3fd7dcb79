/**
 * Cookie-only sessions (`session.type = cookie`, or `type: 'cookie'`): the session, sealed by
 * core, is the cookie; nothing is stored server-side.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type SessionRejectEvent, type Vessel, type VesselOptions } from '@vessel/core';
import { MemoryStore, type SessionOptions } from '@vessel/express';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, sessionOf, setCookieFor } from './support.js';

const SECRET = 'x'.repeat(32);
const NAME = 'vessel.sid';

/** `name=value` of the session cookie a response set. */
function cookieOf(res: request.Response): string {
  const line = setCookieFor(res, NAME);
  if (!line) throw new Error('no session cookie');
  return line.slice(0, line.indexOf(';'));
}

/** Counts `views` in the session and answers it; `/big` stores `size` characters; `/who` answers the id. */
const counter: RequestHandler = (req, res) => {
  const s = sessionOf(req);
  if (req.path === '/who') return res.json({ id: req.sessionID, views: s.views ?? null });
  if (req.path === '/big') s.big = 'b'.repeat(Number(req.query.size));
  s.views = ((s.views as number | undefined) ?? 0) + 1;
  res.json({ views: s.views });
};

describe('cookie-only sessions', () => {
  let cacheDir: string;
  const vessels: Vessel[] = [];

  beforeEach(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-express-cookie-'));
  });
  afterEach(async () => {
    await Promise.all(vessels.splice(0).map((vessel) => vessel.close()));
    await rm(cacheDir, { recursive: true, force: true });
  });

  function cookieVessel(session: VesselOptions['session'] = {}): Vessel {
    const vessel = createVessel({ cacheDir, session: { secret: SECRET, type: 'cookie', ...session } });
    vessels.push(vessel);
    return vessel;
  }

  function appOn(vessel: Vessel, handler: RequestHandler = counter, options: SessionOptions = {}) {
    return createApp({ vessel, resave: false, saveUninitialized: false, ...options }, handler);
  }

  it('carries a counter in the cookie and writes nothing to storage', async () => {
    const vessel = cookieVessel();
    const app = appOn(vessel);
    let cookie = '';
    for (let views = 1; views <= 3; views++) {
      const res = await request(app).get('/').set('Cookie', cookie).expect(200, { views });
      cookie = cookieOf(res);
      expect(decodeURIComponent(cookie.slice(NAME.length + 1))).toMatch(/^v2\.[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    expect(cookie).not.toContain('views');
    expect(await vessel.sessionStorage.namespace('session').count()).toBe(0);
    expect(await vessel.storage.namespace('session').count()).toBe(0);
  });

  it('sends the config’s key, domain, Secure and SameSite on the sealed cookie', async () => {
    const vessel = cookieVessel({ key: 'my_app', cookieDomain: 'example.com', secure: true, sameSite: 'strict' });
    const res = await request(appOn(vessel, counter, { proxy: true }))
      .get('/')
      .set('X-Forwarded-Proto', 'https')
      .expect(200, { views: 1 });
    const line = setCookieFor(res, 'my_app') ?? '';
    const value = line.slice('my_app='.length, line.indexOf(';'));
    expect(decodeURIComponent(value)).toMatch(/^v2\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(line).toBe(`my_app=${value}; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Strict`);
  });

  it('keeps the id across requests, and sends no cookie for an unchanged session', async () => {
    const app = appOn(cookieVessel());
    const first = await request(app).get('/');
    const who = await request(app).get('/who').set('Cookie', cookieOf(first)).expect(200);
    expect(who.body.views).toBe(1);
    expect(who.body.id).toMatch(/^[\w-]{32}$/);
    expect(setCookieFor(who, NAME)).toBeUndefined();
  });

  it('works from the express option type: "cookie" without a vessel', async () => {
    const app = createApp({ type: 'cookie', secret: SECRET, name: 'sealed', resave: false }, counter);
    const first = await request(app).get('/').expect(200, { views: 1 });
    const line = setCookieFor(first, 'sealed') ?? '';
    await request(app)
      .get('/')
      .set('Cookie', line.slice(0, line.indexOf(';')))
      .expect(200, { views: 2 });
  });

  it('starts a fresh session, not an error, for a tampered cookie, and onReject hears why', async () => {
    const rejected: SessionRejectEvent[] = [];
    const app = appOn(cookieVessel(), counter, { onReject: (event) => rejected.push(event) });
    const cookie = cookieOf(await request(app).get('/'));
    const last = cookie.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${cookie.slice(0, -2)}${last}${cookie.at(-1)}`;
    const res = await request(app).get('/').set('Cookie', tampered).expect(200, { views: 1 });
    expect(setCookieFor(res, NAME)).toBeDefined();
    expect(rejected).toEqual([{ reason: 'undecryptable', id: undefined, detail: undefined }]);
  });

  it('answers 500 naming the size and the limit, and logs one line, when the session outgrows 4096 bytes', async () => {
    const lines: string[] = [];
    const app = appOn(cookieVessel(), counter, { logger: { error: (line) => lines.push(line) } });
    const small = await request(app).get('/big?size=100').expect(200);
    const res = await request(app).get('/big?size=5000').set('Cookie', cookieOf(small)).expect(500);
    expect(res.text).toMatch(/^session cookie would be \d{4,} bytes, over the browser limit of 4096: /);
    expect(setCookieFor(res, NAME)).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^@vessel\/express: cookie-only session not saved \(GET \/big\): session cookie would be \d+ bytes, over the browser limit of 4096/,
    );
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).not.toContain('size=');
    expect(lines[0]).not.toContain(cookieOf(small).slice(NAME.length + 1, NAME.length + 20));
    // The cookie the browser holds still works.
    await request(app).get('/').set('Cookie', cookieOf(small)).expect(200, { views: 2 });
  });

  it('clears the cookie on destroy()', async () => {
    const app = appOn(cookieVessel(), (req, res, next) => {
      if (req.path === '/logout') return sessionOf(req).destroy((err) => (err ? next(err) : res.end('bye')));
      counter(req, res, next);
    });
    const cookie = cookieOf(await request(app).get('/'));
    const out = await request(app).get('/logout').set('Cookie', cookie).expect(200, 'bye');
    expect(setCookieFor(out, NAME)).toBe(
      `${NAME}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`,
    );
  });

  it('refuses a destroyed or regenerated session’s old cookie with the revocation list', async () => {
    const rejected: SessionRejectEvent[] = [];
    const vessel = cookieVessel({ revocationList: true });
    const app = appOn(
      vessel,
      (req, res, next) => {
        const s = sessionOf(req);
        if (req.path === '/logout') return s.destroy((err) => (err ? next(err) : res.end('bye')));
        if (req.path === '/login')
          return s.regenerate({ keepData: true }, (err) => (err ? next(err) : counter(req, res, next)));
        counter(req, res, next);
      },
      { onReject: (event) => rejected.push(event) },
    );
    const first = cookieOf(await request(app).get('/'));
    const login = await request(app).get('/login').set('Cookie', first).expect(200, { views: 2 });
    await request(app).get('/').set('Cookie', first).expect(200, { views: 1 });
    expect(rejected.map((event) => event.reason)).toEqual(['revoked']);
    const after = cookieOf(login);
    await request(app).get('/logout').set('Cookie', after).expect(200);
    await request(app).get('/').set('Cookie', after).expect(200, { views: 1 });
    expect(rejected.map((event) => event.reason)).toEqual(['revoked', 'revoked']);
    // Only the revocation list is stored.
    expect(await vessel.storage.namespace('session').count()).toBe(0);
  });

  it('regenerate() gives a new id and, without keepData, no data', async () => {
    const app = appOn(cookieVessel(), (req, res, next) => {
      if (req.path !== '/regen') return counter(req, res, next);
      const before = req.sessionID;
      sessionOf(req).regenerate((err) => {
        if (err) return next(err);
        sessionOf(req).fresh = true;
        res.json({ changed: req.sessionID !== before, views: sessionOf(req).views ?? null });
      });
    });
    const first = await request(app).get('/');
    const regen = await request(app)
      .get('/regen')
      .set('Cookie', cookieOf(first))
      .expect(200, { changed: true, views: null });
    const who = await request(app).get('/who').set('Cookie', cookieOf(regen)).expect(200);
    expect(who.body.views).toBeNull();
  });

  it('reload() drops the request’s unsaved changes; save() keeps them', async () => {
    const app = appOn(cookieVessel(), (req, res, next) => {
      const s = sessionOf(req);
      if (req.path === '/reload') {
        s.views = 99;
        return s.reload((err) => (err ? next(err) : res.json({ views: s.views ?? null, after: sessionOf(req).views })));
      }
      if (req.path === '/save') {
        s.saved = 'yes';
        return s.save((err) => (err ? next(err) : res.end('saved')));
      }
      counter(req, res, next);
    });
    const first = await request(app).get('/');
    const reload = await request(app).get('/reload').set('Cookie', cookieOf(first)).expect(200);
    expect(reload.body.after).toBe(1);
    const saved = await request(app).get('/save').set('Cookie', cookieOf(first)).expect(200, 'saved');
    const who = await request(app).get('/').set('Cookie', cookieOf(saved)).expect(200, { views: 2 });
    expect(setCookieFor(who, NAME)).toBeDefined();
  });

  it('sends cookie.maxAge as Expires, and re-seals on every response with rolling', async () => {
    const app = appOn(
      cookieVessel({ rolling: true, cookieExpires: 600 }),
      (req, res) => {
        res.json({ maxAge: sessionOf(req).cookie.originalMaxAge, views: sessionOf(req).views ?? null });
      },
      { saveUninitialized: true },
    );
    const first = await request(app).get('/').expect(200, { maxAge: 600_000, views: null });
    const expires = new Date(Date.parse(first.headers.date as string) + 600_000).toUTCString();
    expect(setCookieFor(first, NAME)).toContain(`; Expires=${expires}; `);
    const again = await request(app).get('/').set('Cookie', cookieOf(first)).expect(200);
    expect(cookieOf(again)).not.toBe(cookieOf(first));
  });

  it('re-seals a cookie sealed under a retired secret with the current one', async () => {
    const old = 'o'.repeat(32);
    const before = appOn(cookieVessel({ secret: old }));
    const cookie = cookieOf(await request(before).get('/'));
    const rotated = appOn(cookieVessel({ secret: [SECRET, old] }));
    const res = await request(rotated).get('/who').set('Cookie', cookie).expect(200);
    expect(res.body.views).toBe(1);
    const resealed = cookieOf(res);
    expect(resealed).not.toBe(cookie);
    const current = appOn(cookieVessel({ secret: SECRET }));
    await request(current).get('/').set('Cookie', resealed).expect(200, { views: 2 });
  });

  it('refuses a short secret at startup, and no-cookie mode or a store with cookie-only sessions', () => {
    expect(() => createApp({ type: 'cookie', secret: 'short but at least 32 bytes? no' })).toThrow(/^secret: /);
    expect(() => createApp({ type: 'cookie' })).toThrow(
      'session.secret: cookie-only sessions need a secret (or session.encryptKey) to encrypt with',
    );
    expect(() => createApp({ type: 'cookie', secret: SECRET, store: new MemoryStore() })).toThrow(
      'session.store: cookie-only sessions (type "cookie") keep no store',
    );
    expect(() => createApp({ type: 'cookie', secret: SECRET, sessionId: () => undefined })).toThrow(
      'session.sessionId: no-cookie mode needs stored sessions',
    );
  });
});
