import { createStorage } from '@vessel/core';
import { type SessionData, Store, VesselStore } from '@vessel/express';
import express from 'express';
import expressSession from 'express-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
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
