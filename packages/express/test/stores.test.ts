import { createStorage } from '@vessel/core';
import { type SessionData, Store, session, VesselStore } from '@vessel/express';
import express from 'express';
import expressSession from 'express-session';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { cookieOf, createApp, SECRET, sessionOf, setCookieFor, sidOf } from './support.js';

type Cb = (err?: unknown, value?: unknown) => void;

/** A store that answers synchronously and has no touch. */
function syncStore() {
  const store = new Store();
  const data = new Map<string, string>();
  Object.assign(store, {
    get: (sid: string, cb: Cb) => cb(null, data.has(sid) ? JSON.parse(data.get(sid) as string) : undefined),
    set: (sid: string, s: SessionData, cb: Cb) => {
      data.set(sid, JSON.stringify(s));
      cb();
    },
    destroy: (sid: string, cb: Cb) => {
      data.delete(sid);
      cb();
    },
  });
  return { store, data };
}

describe('express-session stores', () => {
  it('work when they answer synchronously and lack touch', async () => {
    const { store, data } = syncStore();
    const server = createApp({ secret: SECRET, store, resave: false, saveUninitialized: false }, (req, res) => {
      sessionOf(req).n = ((sessionOf(req).n as number) ?? 0) + 1;
      res.end(String(sessionOf(req).n));
    });
    const first = await request(server).get('/').expect('1');
    await request(server).get('/').set('Cookie', cookieOf(first)).expect('2');
    expect(data.size).toBe(1);
  });

  it('serve without a session while the store is disconnected, and with one after connect', async () => {
    const { store } = syncStore();
    const server = createApp({ secret: SECRET, store, resave: false, saveUninitialized: true });
    store.emit('disconnect');
    const off = await request(server).get('/').expect(200, 'no session');
    expect(setCookieFor(off)).toBeUndefined();
    store.emit('connect');
    await request(server).get('/').expect(200, 'session');
  });

  it('treat an ENOENT error from get as "no session"', async () => {
    const { store } = syncStore();
    store.get = (_sid, cb) => cb(Object.assign(new Error('gone'), { code: 'ENOENT' }));
    const live = createApp({ secret: SECRET, resave: false, saveUninitialized: true });
    const cookie = cookieOf(await request(live).get('/'));
    await request(createApp({ secret: SECRET, store, resave: false, saveUninitialized: true }))
      .get('/')
      .set('Cookie', cookie)
      .expect(200, 'session');
  });
});

describe('store errors and overrides', () => {
  const errorApp = (store: InstanceType<typeof Store>) => {
    const errors: string[] = [];
    const app = express();
    app.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false }));
    app.use((req, res) => {
      if (req.url === '/set') sessionOf(req).v = 1;
      res.end('ok');
    });
    app.use(((err, _req, _res, next) => {
      errors.push((err as Error).message);
      next();
    }) as express.ErrorRequestHandler);
    return { app, errors };
  };

  it('hands a failing set to next(err)', async () => {
    const { store } = syncStore();
    store.set = (_sid, _s, cb) => cb?.(new Error('set failed'));
    const { app, errors } = errorApp(store);
    await request(app)
      .get('/set')
      .catch(() => {});
    await vi.waitFor(() => expect(errors).toEqual(['set failed']));
  });

  it('hands a failing touch to next(err) and keeps serving', async () => {
    const { store } = syncStore();
    const { app, errors } = errorApp(store);
    const first = await request(app).get('/set').expect('ok');
    let touched = 0;
    Object.assign(store, {
      touch: (_sid: string, _s: unknown, cb: Cb) => {
        touched++;
        cb(new Error('touch failed'));
      },
    });
    await request(app)
      .get('/')
      .set('Cookie', cookieOf(first))
      .catch(() => {});
    await vi.waitFor(() => expect(errors).toEqual(['touch failed']));
    expect(touched).toBe(1);
    await request(app).get('/set').expect('ok');
  });

  it('uses a store’s own regenerate, which calls store.generate', async () => {
    const { store } = syncStore();
    let regenerations = 0;
    store.regenerate = function (this: typeof store, req, cb) {
      regenerations++;
      this.destroy(req.sessionID ?? '', () => {
        this.generate?.(req);
        cb();
      });
    };
    const server = createApp({ secret: SECRET, store, resave: false, saveUninitialized: false }, async (req, res) => {
      const before = req.sessionID;
      await sessionOf(req).regenerate();
      res.end(String(before !== req.sessionID));
    });
    await request(server).get('/').expect('true');
    expect(regenerations).toBe(1);
  });
});

describe('VesselStore under express-session', () => {
  it('stores express-session sessions as Vessel records in namespace "session"', async () => {
    const storage = createStorage({ type: 'memory' });
    const store = new VesselStore({ storage });
    try {
      const app = express();
      app.use(
        expressSession({
          secret: SECRET,
          store: store as unknown as expressSession.Store,
          resave: false,
          saveUninitialized: false,
          cookie: { maxAge: 60_000 },
        }),
      );
      app.get('/', (req, res) => {
        const s = req.session as unknown as Record<string, unknown>;
        s.n = ((s.n as number) ?? 0) + 1;
        res.end(String(s.n));
      });
      const first = await request(app).get('/').expect('1');
      await request(app).get('/').set('Cookie', cookieOf(first)).expect('2');
      const record = (await storage.namespace('session').get(sidOf(first))) as {
        created: number;
        accessed: number;
        expires: number;
        data: { n: number; cookie: { originalMaxAge: number } };
      };
      expect(record.data.n).toBe(2);
      expect(record.data.cookie.originalMaxAge).toBe(60_000);
      expect(record.expires).toBeGreaterThan(Date.now());
      const count = await new Promise((resolve) => store.length((_err, n) => resolve(n)));
      expect(count).toBe(1);
      const all = await new Promise<Record<string, SessionData>>((resolve) =>
        store.all((_err, sessions) => resolve(sessions as Record<string, SessionData>)),
      );
      expect(Object.keys(all)).toEqual([sidOf(first)]);
      await new Promise<void>((resolve) => store.destroy(sidOf(first), () => resolve()));
      await request(app).get('/').set('Cookie', cookieOf(first)).expect('1');
    } finally {
      await storage.close();
    }
  });

  it('is also the store of @vessel/express itself (store: new VesselStore())', async () => {
    const storage = createStorage({ type: 'memory' });
    try {
      const server = createApp(
        { secret: SECRET, store: new VesselStore({ storage }), resave: false, saveUninitialized: false },
        (req, res) => {
          sessionOf(req).user = 'ada';
          res.end();
        },
      );
      const res = await request(server).get('/');
      expect(await storage.namespace('session').has(sidOf(res))).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it('reports storage errors to the callback', async () => {
    const storage = createStorage({ type: 'memory' });
    const store = new VesselStore({ storage });
    await storage.close();
    const err = await new Promise((resolve) => store.get('someSessionId0123456789ab', (e) => resolve(e)));
    expect(err).toBeInstanceOf(Error);
  });
});
