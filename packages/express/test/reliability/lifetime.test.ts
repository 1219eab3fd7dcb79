import { createVessel, type SessionRecord } from '@vessel/core';
import { type SessionOptions, session } from '@vessel/express';
import express from 'express';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { backendTtlMs } from '../../../../test-support/reliability.js';
import { SECRET } from '../support.js';
import { cookieFrom, get, idOfCookie, type LiveServer, listen } from './live-http.js';

/**
 * The adapter and its cookie read `Date.now()` and take no clock: the tests fake `Date` alone
 * (timers and I/O stay real), frozen, and move it by hand. Middleware is made after faking, so
 * its session manager reads the fake clock too. Redis keeps TTLs on its own real clock: they
 * are checked right after each write, before the fake clock moves.
 */
function advance(seconds: number): void {
  vi.setSystemTime(Date.now() + seconds * 1000);
}

/** What `/read` answers: the session's id and its user, if any. */
interface Seen {
  readonly id: string;
  readonly user: string | null;
}

describe.each(BACKENDS)('session lifetimes through @vessel/express on $name', (backendCase) => {
  let open: OpenBackend;
  let server: LiveServer | undefined;

  beforeAll(async () => {
    open = await backendCase.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    vi.useRealTimers();
  });

  /** Serves an app with `session(options)` on this backend: `/login` stores a user, `/read` reads it. */
  async function serve(options: SessionOptions): Promise<string> {
    const app = express();
    app.use(session({ secret: SECRET, storage: open.storage, resave: false, saveUninitialized: false, ...options }));
    app.get('/login', (req, res) => {
      if (req.session) req.session.user = 'ada';
      res.end();
    });
    app.get('/read', (req, res) => res.json({ id: req.sessionID, user: req.session?.user ?? null }));
    app.get('/regenerate', async (req, res) => {
      await req.session?.regenerate({ keepData: true });
      res.end();
    });
    server = await listen(app);
    return server.url;
  }

  async function login(url: string): Promise<{ cookie: string; id: string; expires: Date | undefined }> {
    const reply = await get(`${url}/login`);
    const cookie = cookieFrom(reply);
    if (!cookie) throw new Error(`login set no cookie (${reply.status} ${reply.body})`);
    const expires = /; Expires=([^;]+)/.exec(reply.headers['set-cookie']?.[0] ?? '')?.[1];
    return { cookie, id: idOfCookie(cookie), expires: expires ? new Date(expires) : undefined };
  }

  async function read(url: string, cookie: string): Promise<Seen> {
    return JSON.parse((await get(`${url}/read`, { cookie })).body) as Seen;
  }

  /**
   * The record of `id` expires at `expected` (ms), and the backend drops it then: the SQL column
   * or file field holds exactly that instant, Redis's TTL is no longer than what is left.
   */
  async function expectExpiry(id: string, expected: number): Promise<void> {
    const record = await open.storage.namespace('session').get<SessionRecord>(id);
    expect(record?.expires).toBe(expected);
    const ttlMs = await backendTtlMs(open, id);
    if (open.rawTtlMs) {
      expect(ttlMs).toBeLessThanOrEqual(expected - Date.now());
      expect(ttlMs).toBeGreaterThan(expected - Date.now() - 1000);
    } else {
      expect((ttlMs as number) + Date.now()).toBe(expected);
    }
  }

  /** After its expiry the old cookie gives a fresh, empty session; where Vessel checks expiry on read, the record goes. */
  async function expectEnded(url: string, cookie: string, id: string): Promise<void> {
    const seen = await read(url, cookie);
    expect(seen.user).toBeNull();
    expect(seen.id).not.toBe(id);
    if (!open.rawTtlMs) expect(await backendTtlMs(open, id)).toBeUndefined();
  }

  it('ends a maxAge session maxAge after its last write, touch or regenerate; the storage keeps it exactly that long', async () => {
    const url = await serve({ cookie: { maxAge: 60_000 } });
    const t0 = Date.now();
    const { cookie, id, expires } = await login(url);
    expect(expires?.getTime()).toBe(Math.floor((t0 + 60_000) / 1000) * 1000); // Expires has whole seconds
    await expectExpiry(id, t0 + 60_000);
    // Read-only requests touch the record (its lifetime restarts); the default touchAfter is 6 s here.
    for (const seconds of [59, 59]) {
      advance(seconds);
      expect(await read(url, cookie)).toEqual({ id, user: 'ada' });
      await expectExpiry(id, Date.now() + 60_000);
    }
    advance(30);
    const regenerated = cookieFrom(await get(`${url}/regenerate`, { cookie }));
    if (!regenerated) throw new Error('regenerate set no cookie');
    const renewedId = idOfCookie(regenerated);
    expect(await backendTtlMs(open, id), 'the old key is gone').toBeUndefined();
    await expectExpiry(renewedId, Date.now() + 60_000);
    advance(61);
    await expectEnded(url, cookie, id);
    await expectEnded(url, regenerated, renewedId);
  });

  it('ends a browser-session cookie’s session `timeout` seconds after its last write', async () => {
    const url = await serve({ timeout: 120 });
    const { cookie, id, expires } = await login(url);
    expect(expires).toBeUndefined();
    await expectExpiry(id, Date.now() + 120_000);
    advance(119);
    expect(await read(url, cookie)).toEqual({ id, user: 'ada' });
    await expectExpiry(id, Date.now() + 120_000);
    advance(121);
    await expectEnded(url, cookie, id);
  });

  it('ends a session at maxLifetime however active it is: touches near the end do not stretch it', async () => {
    const url = await serve({ cookie: { maxAge: 60_000 }, maxLifetime: 150, touchAfter: 0 });
    const t0 = Date.now();
    const { cookie, id } = await login(url);
    advance(50);
    expect(await read(url, cookie)).toEqual({ id, user: 'ada' });
    await expectExpiry(id, Date.now() + 60_000);
    for (const seconds of [50, 40]) {
      // t0 + 100 s, t0 + 140 s: maxAge would reach past t0 + 150 s; the absolute limit wins.
      advance(seconds);
      expect(await read(url, cookie)).toEqual({ id, user: 'ada' });
      await expectExpiry(id, t0 + 150_000);
    }
    advance(11); // t0 + 151 s, 11 s after the last touch
    await expectEnded(url, cookie, id);
  });

  it('keeps maxLifetime counting from the creation across regenerate({ keepData: true })', async () => {
    const url = await serve({ cookie: { maxAge: 60_000 }, maxLifetime: 150, touchAfter: 0 });
    const t0 = Date.now();
    const { cookie, id } = await login(url);
    advance(50);
    expect(await read(url, cookie)).toEqual({ id, user: 'ada' });
    advance(50); // t0 + 100 s
    const regenerated = cookieFrom(await get(`${url}/regenerate`, { cookie }));
    if (!regenerated) throw new Error('regenerate set no cookie');
    const renewedId = idOfCookie(regenerated);
    // maxAge would reach t0 + 160 s: the session created at t0 still ends at t0 + 150 s.
    await expectExpiry(renewedId, t0 + 150_000);
    advance(40);
    expect(await read(url, regenerated)).toEqual({ id: renewedId, user: 'ada' });
    await expectExpiry(renewedId, t0 + 150_000);
    advance(11); // t0 + 151 s
    await expectEnded(url, regenerated, renewedId);
  });
});

describe('session({ vessel }) takes the vessel’s lifetimes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('applies session.timeout and session.maxLifetime from the vessel’s configuration', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const vessel = createVessel({ type: 'memory', session: { secret: SECRET, timeout: 60, maxLifetime: 100 } });
    const app = express();
    app.use(session({ vessel, resave: false, saveUninitialized: false, touchAfter: 0 }));
    app.get('/login', (req, res) => {
      if (req.session) req.session.user = 'ada';
      res.end();
    });
    app.get('/read', (req, res) => res.end(String(req.session?.user)));
    const server = await listen(app);
    try {
      const t0 = Date.now();
      const cookie = cookieFrom(await get(`${server.url}/login`), 'vessel.sid') as string;
      const record = () => vessel.sessionStorage.namespace('session').get<SessionRecord>(idOfCookie(cookie));
      expect((await record())?.expires).toBe(t0 + 60_000);
      advance(59);
      expect((await get(`${server.url}/read`, { cookie })).body).toBe('ada');
      expect((await record())?.expires).toBe(t0 + 100_000);
      advance(40); // t0 + 99 s
      expect((await get(`${server.url}/read`, { cookie })).body).toBe('ada');
      advance(2); // t0 + 101 s: 2 s after the last touch, past maxLifetime
      expect((await get(`${server.url}/read`, { cookie })).body).toBe('undefined');
    } finally {
      await server.close();
      await vessel.close();
    }
  });
});
