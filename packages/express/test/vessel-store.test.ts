import { createStorage, type Storage } from '@vessel/core';
import { VesselStore } from '@vessel/express';
import express, { type Express } from 'express';
import expressSession from 'express-session';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cookieOf, SECRET, sidOf } from './support.js';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each([
  { label: 'cookie with maxAge', cookie: { maxAge: 600_000 } },
  { label: 'browser-session cookie', cookie: {} },
])('VesselStore under express-session: a logout is final ($label)', ({ cookie }) => {
  let storage: Storage;
  let store: VesselStore;
  let app: Express;
  /** `/slow` waits here, after loading the session and before changing it. */
  let slowArrived: ReturnType<typeof gate>;
  let slowMayFinish: ReturnType<typeof gate>;

  beforeEach(() => {
    storage = createStorage({ type: 'memory' });
    store = new VesselStore({ storage });
    slowArrived = gate();
    slowMayFinish = gate();
    app = express();
    app.use(
      expressSession({
        secret: SECRET,
        store: store as unknown as expressSession.Store,
        resave: false,
        saveUninitialized: false,
        cookie,
      }),
    );
    const data = (req: express.Request) => req.session as unknown as Record<string, unknown>;
    app.get('/login', (req, res) => {
      data(req).user = 'ada';
      res.end('ok');
    });
    app.get('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.end('bye'))));
    app.get('/slow', async (req, res) => {
      slowArrived.open();
      await slowMayFinish.opened;
      data(req).cart = ['tea'];
      res.end('slow');
    });
    app.get('/unchanged', async (_req, res) => {
      slowArrived.open();
      await slowMayFinish.opened;
      res.end('unchanged');
    });
    app.get('/', (req, res) => res.end(String(data(req).user)));
  });
  afterEach(() => storage.close());

  const length = () => new Promise<number | undefined>((resolve) => store.length((_err, n) => resolve(n)));

  it.each(['/slow', '/unchanged'])(
    'a slower request (%s) that ends after the logout does not bring the session back',
    async (path) => {
      const cookieHeader = cookieOf(await request(app).get('/login'));
      const slow = request(app)
        .get(path)
        .set('Cookie', cookieHeader)
        .then((res) => res);
      await slowArrived.opened;
      await request(app).get('/logout').set('Cookie', cookieHeader).expect('bye');
      slowMayFinish.open();
      await slow;
      await request(app).get('/').set('Cookie', cookieHeader).expect('undefined');
      expect(await length()).toBe(0);
      const all = await new Promise<Record<string, unknown>>((resolve) =>
        store.all((_err, sessions) => resolve((sessions ?? {}) as Record<string, unknown>)),
      );
      expect(all).toEqual({});
    },
  );

  it('still saves concurrent changes of a live session, and new sessions', async () => {
    const cookieHeader = cookieOf(await request(app).get('/login'));
    const slow = request(app)
      .get('/slow')
      .set('Cookie', cookieHeader)
      .then((res) => res);
    await slowArrived.opened;
    slowMayFinish.open();
    await slow;
    const record = (await storage.namespace('session').get(sidOf(await request(app).get('/login')))) as {
      data: { user: string };
    };
    expect(record.data.user).toBe('ada');
    await request(app).get('/').set('Cookie', cookieHeader).expect('ada');
    expect(await length()).toBe(2);
  });
});

describe('VesselStore: a logout between a write’s read and its write', () => {
  it('wins: the write finds the record changed (compare-and-set) and does not land', async () => {
    const storage = createStorage({ type: 'memory' });
    const store = new VesselStore({ storage });
    try {
      const sid = 'raced-session-0123456789abcdef';
      const session = { cookie: { originalMaxAge: 600_000, expires: new Date(Date.now() + 600_000) }, user: 'ada' };
      const call = (run: (done: (err?: unknown, value?: unknown) => void) => void) =>
        new Promise<unknown>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))));
      await call((done) => store.set(sid, session, done));
      // The storage is real; its reads are only observed: the first read of the next write lets a logout land.
      const namespace = storage.namespace('session');
      let logoutDone: Promise<unknown> | undefined;
      for (const method of ['get', 'getVersioned'] as const) {
        const read = namespace[method].bind(namespace) as (key: string) => Promise<unknown>;
        (namespace as unknown as Record<string, unknown>)[method] = async (key: string) => {
          const value = await read(key);
          if (key === sid && !logoutDone) {
            logoutDone = call((done) => store.destroy(sid, done));
            await logoutDone;
          }
          return value;
        };
      }
      await call((done) => store.set(sid, { ...session, cart: ['tea'] }, done));
      expect(logoutDone).toBeDefined();
      expect(await call((done) => store.get(sid, done))).toBeNull();
    } finally {
      await storage.close();
    }
  });
});
