/**
 * `session({ vessel })` takes the cookie from the vessel's session config (name, every
 * attribute, lifetime, rolling); express-session's own options win where given.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, parseFlatConfig, type Vessel, type VesselOptions } from '@vessel/core';
import type { SessionOptions } from '@vessel/express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, setCookieFor } from './support.js';

const SECRET = 'x'.repeat(32);

describe('session({ vessel }): the cookie the vessel config describes', () => {
  let cacheDir: string;
  const vessels: Vessel[] = [];

  beforeEach(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-express-config-'));
  });
  afterEach(async () => {
    await Promise.all(vessels.splice(0).map((vessel) => vessel.close()));
    await rm(cacheDir, { recursive: true, force: true });
  });

  function vesselWith(session: VesselOptions['session']): Vessel {
    const vessel = createVessel({ cacheDir, session: { secret: SECRET, ...session } });
    vessels.push(vessel);
    return vessel;
  }

  /** An app on `vessel` answering every path, behind an HTTPS proxy (so `Secure` cookies go out). */
  function appOn(vessel: Vessel, options: SessionOptions = {}) {
    return createApp({ vessel, proxy: true, saveUninitialized: true, ...options });
  }

  /** The signed-id value at the head of a Set-Cookie line, checked for its shape. */
  function signedValue(line: string, name: string): string {
    const value = line.slice(name.length + 1, line.indexOf(';'));
    expect(value).toMatch(/^s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+$/);
    return value;
  }

  it('sends exactly the flat config’s key, domain, path, expiry, Secure and SameSite', async () => {
    const flat = parseFlatConfig({
      'session.key': 'my_app',
      'session.secure': 'true',
      'session.same_site': 'strict',
      'session.cookie_domain': 'example.com',
      'session.cookie_path': '/app',
      'session.cookie_expires': '3600',
    });
    const vessel = vesselWith(flat.session);
    const res = await request(appOn(vessel)).get('/app/page').set('X-Forwarded-Proto', 'https').expect(200);
    const line = setCookieFor(res, 'my_app') ?? '';
    const expires = new Date(Date.parse(res.headers.date as string) + 3600_000).toUTCString();
    expect(res.headers['set-cookie']).toEqual([
      `my_app=${signedValue(line, 'my_app')}; Domain=example.com; Path=/app; Expires=${expires}; HttpOnly; Secure; SameSite=Strict`,
    ]);
  });

  it('names the cookie vessel.sid with the config’s defaults (Lax), and connect.sid without a vessel', async () => {
    const vessel = vesselWith({});
    const withVessel = await request(appOn(vessel)).get('/');
    const line = setCookieFor(withVessel, 'vessel.sid') ?? '';
    expect(withVessel.headers['set-cookie']).toEqual([
      `vessel.sid=${signedValue(line, 'vessel.sid')}; Path=/; HttpOnly; SameSite=Lax`,
    ]);
    const without = await request(createApp({ secret: SECRET })).get('/');
    const plain = setCookieFor(without) ?? '';
    expect(without.headers['set-cookie']).toEqual([
      `connect.sid=${signedValue(plain, 'connect.sid')}; Path=/; HttpOnly`,
    ]);
  });

  it('sends a fixed cookieExpires date as Expires, and no Expires for a browser-session cookie', async () => {
    const date = new Date('2031-05-01T12:00:00.000Z');
    const fixed = await request(appOn(vesselWith({ cookieExpires: date }))).get('/');
    expect(setCookieFor(fixed, 'vessel.sid')).toContain(`; Expires=${date.toUTCString()}; `);
    const browser = await request(appOn(vesselWith({ cookieExpires: false }))).get('/');
    expect(setCookieFor(browser, 'vessel.sid')).not.toContain('Expires');
  });

  it('turns off HttpOnly when the config does', async () => {
    const res = await request(appOn(vesselWith({ httpOnly: false, sameSite: 'none', secure: true })))
      .get('/')
      .set('X-Forwarded-Proto', 'https');
    const line = setCookieFor(res, 'vessel.sid') ?? '';
    expect(line).toBe(`vessel.sid=${signedValue(line, 'vessel.sid')}; Path=/; Secure; SameSite=None`);
  });

  it('lets explicit express-session options win, attribute by attribute', async () => {
    const vessel = vesselWith({
      key: 'my_app',
      secure: true,
      sameSite: 'strict',
      cookieDomain: 'example.com',
      cookiePath: '/app',
      cookieExpires: 3600,
    });
    const app = appOn(vessel, {
      name: 'explicit',
      cookie: { sameSite: 'lax', secure: false, path: '/', maxAge: 60_000 },
    });
    const res = await request(app).get('/');
    const line = setCookieFor(res, 'explicit') ?? '';
    const expires = new Date(Date.parse(res.headers.date as string) + 60_000).toUTCString();
    // The domain was not given: the vessel's stays.
    expect(res.headers['set-cookie']).toEqual([
      `explicit=${signedValue(line, 'explicit')}; Domain=example.com; Path=/; Expires=${expires}; HttpOnly; SameSite=Lax`,
    ]);
  });

  it('lets an explicit cookie function win per request, over the vessel’s attributes', async () => {
    const vessel = vesselWith({ sameSite: 'strict', cookieExpires: 3600 });
    const app = appOn(vessel, { cookie: () => ({ expires: new Date('2032-01-01T00:00:00Z') }) });
    const line = setCookieFor(await request(app).get('/'), 'vessel.sid') ?? '';
    expect(line).toBe(
      `vessel.sid=${signedValue(line, 'vessel.sid')}; Path=/; Expires=${new Date('2032-01-01T00:00:00Z').toUTCString()}; HttpOnly; SameSite=Strict`,
    );
  });

  it('sends the cookie on every response with the config’s rolling, unless rolling: false is given', async () => {
    const vessel = vesselWith({ rolling: true, cookieExpires: 600 });
    const quiet = { resave: false, saveUninitialized: true } as const;
    const rolling = appOn(vessel, quiet);
    const first = await request(rolling).get('/');
    const cookie = (setCookieFor(first, 'vessel.sid') ?? '').split(';', 1)[0] ?? '';
    const again = await request(rolling).get('/').set('Cookie', cookie);
    expect(setCookieFor(again, 'vessel.sid')).toBeDefined();
    const still = appOn(vessel, { ...quiet, rolling: false });
    const notAgain = await request(still).get('/').set('Cookie', cookie);
    expect(setCookieFor(notAgain, 'vessel.sid')).toBeUndefined();
  });

  it('serves no session outside the config’s cookie path', async () => {
    const app = appOn(vesselWith({ cookiePath: '/app' }));
    const outside = await request(app).get('/elsewhere');
    expect(outside.text).toBe('no session');
    expect(outside.headers['set-cookie']).toBeUndefined();
  });
});
