import { randomUUID } from 'node:crypto';
import { type Session, type SessionOptions, session } from '@vessel/express';
import express, { type Request, type RequestHandler } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { backendTtlMs, sessionsOfUser } from '../../../../test-support/reliability.js';
import { SECRET } from '../support.js';
import { cookieFrom, Gate, get, idOfCookie, type LiveServer, listen, type Reply } from './live-http.js';

function sessionOf(req: Request): Session {
  if (!req.session) throw new Error('no session on this request');
  return req.session;
}

/** How a handler ends the request's session through `req.session`, and whether the data moves on. */
const ENDINGS: readonly { name: string; keepsData: boolean; end: RequestHandler }[] = [
  {
    name: 'regenerate(callback)',
    keepsData: false,
    end: (req, res, next) => sessionOf(req).regenerate((err) => (err ? next(err) : res.end())),
  },
  {
    name: 'regenerate({ keepData: true })',
    keepsData: true,
    end: async (req, res) => {
      await sessionOf(req).regenerate({ keepData: true });
      res.end();
    },
  },
  {
    name: 'invalidate()',
    keepsData: false,
    end: async (req, res) => {
      await sessionOf(req).invalidate();
      sessionOf(req).flash = 'logged out';
      res.end();
    },
  },
  {
    name: 'destroy(callback)',
    keepsData: false,
    end: (req, res, next) => sessionOf(req).destroy((err) => (err ? next(err) : res.end())),
  },
  {
    name: "req.session = null (unset: 'destroy')",
    keepsData: false,
    end: (req, res) => {
      req.session = null as unknown as Session;
      res.end();
    },
  },
];

/** What a request that loaded the session before it ended may still do with its copy. */
const LATE_ACTIONS: readonly { name: string; act: (req: Request) => unknown }[] = [
  {
    name: 'saves a change',
    act: (req) => {
      sessionOf(req).cart = ['apple'];
    },
  },
  { name: 'only reads it (a touch)', act: (req) => sessionOf(req).user },
  {
    name: 'changes the cookie lifetime',
    act: (req) => {
      sessionOf(req).cookie.maxAge = 3_600_000;
    },
  },
  { name: 'regenerates it keeping the data', act: (req) => sessionOf(req).regenerate({ keepData: true }) },
  { name: 'saves it explicitly', act: (req) => sessionOf(req).save() },
];

describe.each(BACKENDS)('fixation through @vessel/express on $name', (backendCase) => {
  let open: OpenBackend;
  let server: LiveServer;
  /** Where the current test parks its slow request. */
  let gate: Gate | undefined;
  let late: ((req: Request) => unknown) | undefined;
  let ending: RequestHandler = (_req, res) => res.end();

  beforeAll(async () => {
    open = await backendCase.open();
    const options: SessionOptions = {
      secret: SECRET,
      storage: open.storage,
      resave: false,
      saveUninitialized: false,
      unset: 'destroy',
      touchAfter: 0,
      cookie: { maxAge: 600_000 },
    };
    const app = express();
    app.use(session(options));
    app.get('/login/:marker', (req, res) => {
      Object.assign(sessionOf(req), { user: req.params.marker, role: 'admin' });
      res.end();
    });
    app.get('/whoami', (req, res) => res.json({ id: req.sessionID, user: req.session?.user ?? null }));
    app.get('/end', (req, res, next) => ending(req, res, next));
    app.get('/write', (req, res) => {
      const s = sessionOf(req);
      const before = { isNew: s.isNew, user: s.user ?? null };
      s.user = 'mallory';
      res.json(before);
    });
    app.get('/slow', async (req, res) => {
      await gate?.wait();
      await late?.(req);
      res.end();
    });
    server = await listen(app);
  });

  afterAll(async () => {
    await server?.close();
    await open?.cleanup();
  });

  afterEach(() => {
    gate = undefined;
    late = undefined;
  });

  /** Logs a browser in; its data carries a marker no other test uses. */
  async function login(): Promise<{ cookie: string; id: string; marker: string }> {
    const marker = randomUUID();
    const reply = await get(`${server.url}/login/${marker}`);
    const cookie = cookieFrom(reply);
    if (!cookie) throw new Error(`login set no cookie (${reply.status} ${reply.body})`);
    return { cookie, id: idOfCookie(cookie), marker };
  }

  async function expectGone(id: string): Promise<void> {
    expect(await open.storage.namespace('session').get(id)).toBeUndefined();
    // Read around Vessel where the backend allows: the raw key itself is gone.
    expect(await backendTtlMs(open, id)).toBeUndefined();
  }

  /** The session a browser holding the cookie `reply` set (if any) now has: who it says the user is. */
  async function userBehind(reply: Reply): Promise<unknown> {
    const cookie = cookieFrom(reply);
    if (!cookie) return null;
    return (JSON.parse((await get(`${server.url}/whoami`, { cookie })).body) as { user: unknown }).user;
  }

  describe.each(ENDINGS)('after $name', ({ end, keepsData }) => {
    it('refuses the old cookie, and re-sending it (and writing with it) never brings the old data back', async () => {
      ending = end;
      const { cookie, id, marker } = await login();
      const ended = await get(`${server.url}/end`, { cookie });
      expect(ended.status).toBe(200);
      await expectGone(id);
      const renewed = cookieFrom(ended);
      if (keepsData && !renewed) throw new Error('a regenerate that keeps the data set no cookie');
      if (renewed) expect(idOfCookie(renewed)).not.toBe(id);
      expect(await userBehind(ended)).toBe(keepsData ? marker : null);
      const holders = keepsData && renewed ? [idOfCookie(renewed)] : [];

      for (let replay = 0; replay < 3; replay++) {
        const reply = await get(`${server.url}/write`, { cookie });
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body)).toEqual({ isNew: true, user: null });
        const fresh = cookieFrom(reply);
        if (!fresh) throw new Error('the write with the old cookie set no cookie');
        expect(idOfCookie(fresh)).not.toBe(id);
        await expectGone(id);
      }
      expect(await sessionsOfUser(open.storage, marker)).toEqual(holders);
    });

    it.each(LATE_ACTIONS)(
      'a request still holding the old session that $name cannot bring it back',
      async ({ act }) => {
        ending = end;
        const { cookie, id, marker } = await login();
        gate = new Gate();
        late = act;
        const slow = get(`${server.url}/slow`, { cookie });
        await gate.arrived; // its session is loaded
        const ended = await get(`${server.url}/end`, { cookie });
        const renewed = cookieFrom(ended);
        gate.open();
        const reply = await slow;
        expect(reply.status).toBe(200);
        await expectGone(id);
        expect(await sessionsOfUser(open.storage, marker)).toEqual(keepsData && renewed ? [idOfCookie(renewed)] : []);
        // Whatever cookie the late response hands out names no session holding the old data.
        expect(await userBehind(reply)).not.toBe(marker);
      },
    );
  });
});
