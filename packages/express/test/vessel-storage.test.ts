import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage, createVessel, SessionManager } from '@vessel/core';
import { session } from '@vessel/express';
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../test-support/ports.js';
import {
  appsOn,
  cookieOf,
  createApp,
  openEach,
  SECRET,
  sessionOf,
  setCookieFor,
  sidOf,
  vesselMemory,
  vesselSqlite,
} from './support.js';

describe.each([vesselMemory, vesselSqlite])('Vessel storage on $name', (backendCase) => {
  const backend = openEach(backendCase);
  const app = appsOn(backend);

  it('keeps the change of each of 50 parallel requests on one session', async () => {
    const server = app((req, res) => {
      const s = sessionOf(req);
      const key = req.query.key;
      if (typeof key === 'string') s[key] = key;
      else s.started = true;
      res.json(Object.keys(s).filter((name) => name !== 'cookie'));
    });
    const first = await request(server).get('/');
    const cookie = cookieOf(first);
    const keys = Array.from({ length: 50 }, (_, index) => `k${index}`);
    await Promise.all(keys.map((key) => request(server).get('/').query({ key }).set('Cookie', cookie).expect(200)));
    const final = await request(server).get('/').set('Cookie', cookie);
    expect(final.body).toEqual(expect.arrayContaining(['started', ...keys]));
    expect(final.body).toHaveLength(51);
  });

  it('merges a deletion in one request with an addition in another', async () => {
    const server = app((req, res) => {
      const s = sessionOf(req);
      if (req.url === '/init') Object.assign(s, { a: 1, b: 2 });
      if (req.url === '/del-a') delete s.a;
      if (req.url === '/add-c') s.c = 3;
      res.json(JSON.parse(JSON.stringify(s)));
    });
    const cookie = cookieOf(await request(server).get('/init'));
    await Promise.all([
      request(server).get('/del-a').set('Cookie', cookie),
      request(server).get('/add-c').set('Cookie', cookie),
    ]);
    const final = await request(server).get('/').set('Cookie', cookie);
    expect(final.body).toMatchObject({ b: 2, c: 3 });
    expect(final.body.a).toBeUndefined();
  });

  it('stores records in namespace "session" in Vessel’s format, the cookie in the data', async () => {
    const server = app(
      (req, res) => {
        sessionOf(req).user = { name: 'ada', since: new Date('2020-01-01T00:00:00Z') };
        res.end();
      },
      { cookie: { maxAge: 3_600_000 } },
    );
    const res = await request(server).get('/');
    const record = (await backend().storage?.namespace('session').get(sidOf(res))) as {
      created: number;
      accessed: number;
      expires: number;
      data: { user: { since: Date }; cookie: { originalMaxAge: number } };
    };
    expect(record.data.user.since).toBeInstanceOf(Date);
    expect(record.data.cookie.originalMaxAge).toBe(3_600_000);
    expect(record.expires - record.accessed).toBe(3_600_000);
    // What session-inspect and SessionManager read: the same record, by id.
    const manager = new SessionManager({ useCookies: false, timeout: 3600 }, backend().storage);
    const loaded = await manager.get(sidOf(res));
    expect(loaded?.get('user')).toMatchObject({ name: 'ada' });
  });

  it('detects in-place changes of nested objects', async () => {
    const server = app((req, res) => {
      const s = sessionOf(req) as { cart?: { items: string[] } };
      if (req.url === '/init') s.cart = { items: [] };
      else s.cart?.items.push(String(req.query.item));
      res.json(s.cart);
    });
    const cookie = cookieOf(await request(server).get('/init'));
    await request(server).get('/add?item=apple').set('Cookie', cookie);
    await request(server)
      .get('/add?item=pear')
      .set('Cookie', cookie)
      .expect(200, { items: ['apple', 'pear'] });
  });

  it('reads a session that a cookie longer than the configured maxAge keeps alive', async () => {
    const server = app(
      (req, res) => {
        if (req.url === '/remember') sessionOf(req).cookie.maxAge = 10_000;
        sessionOf(req).n = ((sessionOf(req).n as number) ?? 0) + 1;
        res.end(String(sessionOf(req).n));
      },
      { cookie: { maxAge: 1000 } },
    );
    const first = await request(server).get('/remember');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    // Idle past the configured maxAge, within its own.
    await request(server).get('/').set('Cookie', cookieOf(first)).expect('2');
  });

  it('keeps a maxAge changed without any data change', async () => {
    const server = app(
      (req, res) => {
        if (req.url === '/set') sessionOf(req).v = 1;
        if (req.url === '/remember') sessionOf(req).cookie.maxAge = 86_400_000;
        res.json({ originalMaxAge: sessionOf(req).cookie.originalMaxAge });
      },
      { cookie: { maxAge: 60_000 } },
    );
    const cookie = cookieOf(await request(server).get('/set'));
    await request(server).get('/remember').set('Cookie', cookie).expect(200, { originalMaxAge: 86_400_000 });
    await request(server).get('/').set('Cookie', cookie).expect(200, { originalMaxAge: 86_400_000 });
  });

  it('touches an unchanged session at most once per touchAfter seconds', async () => {
    const namespace = backend().storage?.namespace('session');
    const server = app(
      (req, res) => {
        if (req.url === '/set') sessionOf(req).v = 1;
        res.end();
      },
      { touchAfter: 60, cookie: { maxAge: 60_000 } },
    );
    const cookie = cookieOf(await request(server).get('/set'));
    let writes = 0;
    if (namespace) {
      const setIfVersion = namespace.setIfVersion.bind(namespace);
      namespace.setIfVersion = (...args) => {
        writes++;
        return setIfVersion(...args);
      };
    }
    await request(server).get('/').set('Cookie', cookie);
    await request(server).get('/').set('Cookie', cookie);
    expect(writes).toBe(0);
  });

  it('passes res.end callbacks through', async () => {
    const server = app((req, res) => {
      sessionOf(req).v = 1;
      res.end('done', () => {});
    });
    await request(server).get('/').expect(200, 'done');
  });

  it('accepts a createVessel() instance', async () => {
    const vessel = createVessel({ type: 'memory', session: { secret: SECRET } });
    try {
      const server = createApp({ vessel, resave: false, saveUninitialized: false }, (req, res) => {
        sessionOf(req).v = 1;
        res.end();
      });
      const res = await request(server).get('/');
      expect(await vessel.storage.namespace('session').has(sidOf(res, 'vessel.sid'))).toBe(true);
    } finally {
      await vessel.close();
    }
  });

  it('keeps sessions where the createVessel() instance keeps them: a session storage of its own', async () => {
    const sessionDir = await mkdtemp(path.join(tmpdir(), 'vessel-session-dir-'));
    const vessel = createVessel({ type: 'memory', session: { secret: SECRET, cacheDir: sessionDir, type: 'sqlite' } });
    try {
      const server = createApp({ vessel, resave: false, saveUninitialized: false }, (req, res) => {
        sessionOf(req).v = 1;
        res.end();
      });
      const id = sidOf(await request(server).get('/'), 'vessel.sid');
      expect(await vessel.sessionStorage.namespace('session').has(id)).toBe(true);
      expect(await vessel.storage.namespace('session').has(id)).toBe(false);
      expect((await vessel.sessions.get(id))?.get('v')).toBe(1);
    } finally {
      await vessel.close();
      await rm(sessionDir, { recursive: true, force: true });
    }
  });
});

describe('storage failures', () => {
  let deadStorage: ReturnType<typeof createStorage>;
  beforeEach(async () => {
    deadStorage = createStorage({ type: 'redis', url: `redis://127.0.0.1:${await freePort()}`, timeoutMs: 300 });
  });
  afterEach(async () => {
    await deadStorage.close().catch(() => {});
  });
  const withCookie = async (handler: Parameters<typeof createApp>[1]) => {
    // A valid signed cookie, so the middleware must ask the storage.
    const live = createApp({ secret: SECRET, type: 'memory', resave: false, saveUninitialized: true });
    return { cookie: cookieOf(await request(live).get('/')), handler };
  };

  it('hands a storage outage to next(err): fail closed', async () => {
    const { cookie } = await withCookie(undefined);
    const server = createApp({ secret: SECRET, storage: deadStorage, resave: false, saveUninitialized: false });
    const res = await request(server).get('/').set('Cookie', cookie).expect(503);
    expect(res.text).toMatch(/cannot reach/);
  });

  it("serves without a session with storeUnavailable: 'continue'", async () => {
    const { cookie } = await withCookie(undefined);
    const server = createApp({
      secret: SECRET,
      storage: deadStorage,
      storeUnavailable: 'continue',
      resave: false,
      saveUninitialized: false,
    });
    const res = await request(server).get('/').set('Cookie', cookie).expect(200, 'no session');
    expect(setCookieFor(res)).toBeUndefined();
  });

  it('reports a failing save to next(err) without crashing the process', async () => {
    const server = express();
    server.use(session({ secret: SECRET, storage: deadStorage, resave: false, saveUninitialized: true }));
    const errors: unknown[] = [];
    server.use((_req, res) => res.end('done'));
    server.use(((err, _req, _res, next) => {
      errors.push(err);
      next();
    }) as express.ErrorRequestHandler);
    await request(server)
      .get('/')
      .catch(() => {});
    await vi.waitFor(() => expect(String(errors[0])).toMatch(/cannot reach/));
  });

  it('never acknowledges a response whose save failed: the error handler answers instead', async () => {
    // No cookie: the session is made without a read, so only the save at the end meets the outage.
    const server = createApp(
      { secret: SECRET, storage: deadStorage, resave: false, saveUninitialized: false },
      (req, res) => {
        sessionOf(req).user = 'ada';
        res.set('X-Handler', 'yes').redirect('/account');
      },
    );
    const res = await request(server).post('/login');
    expect(res.status).toBe(503);
    expect(res.text).toMatch(/cannot reach/);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['x-handler']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBe('Express'); // set before the session middleware: kept
    expect(setCookieFor(res)).toBeUndefined();
  });

  it('cuts a streamed response whose save failed, so it never arrives complete', async () => {
    const server = createApp(
      { secret: SECRET, storage: deadStorage, resave: false, saveUninitialized: true },
      (_req, res) => {
        res.write('part one, ');
        res.end('part two');
      },
    );
    const error = await request(server)
      .get('/')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(error)).toMatch(/socket hang up|aborted|ECONNRESET/);
  });

  it("sends the response as it was, without a cookie, when the save fails with storeUnavailable: 'continue'", async () => {
    const server = createApp(
      { secret: SECRET, storage: deadStorage, resave: false, saveUninitialized: true, storeUnavailable: 'continue' },
      (_req, res) => res.send('done'),
    );
    const res = await request(server).get('/').expect(200, 'done');
    expect(setCookieFor(res)).toBeUndefined();
  });

  it('passes a store error to next(err) on the store path too', async () => {
    const { Store } = await import('@vessel/express');
    const store = new Store();
    Object.assign(store, {
      get: (_sid: string, cb: (err: unknown) => void) => cb(new Error('boom')),
      set: (_sid: string, _s: unknown, cb: () => void) => cb(),
      destroy: (_sid: string, cb: () => void) => cb(),
    });
    const { cookie } = await withCookie(undefined);
    await request(createApp({ secret: SECRET, store, resave: false, saveUninitialized: false }))
      .get('/')
      .set('Cookie', cookie)
      .expect(500, 'boom');
  });
});
