/**
 * A stored session record nested thousands of levels deep (or longer than a record may be)
 * once overflowed the stack in the adapter's inflate step: the rejection escaped, the server
 * exited, and exited again on restart when the browser sent the same cookie. Now it reads as
 * a corrupt record on every backend: the request gets a fresh session and `onReject` hears
 * `corrupt`, request after request, with no rejection left unhandled. An app cannot store such
 * a value in the first place: the save fails with an error naming the limit.
 */
import { MAX_RECORD_LENGTH, type SessionRejectEvent, type Storage, signSessionId } from '@vessel/core';
import { MemoryStore, session, VesselStore } from '@vessel/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import expressSession from 'express-session';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { type Listening, listen, send, unhandledRejections } from './support.js';

const SECRET = 'deep records suite secret, long enough';
/** Levels of `[` in the planted records: past what any recursive walk on the read path survives. */
const DEPTH = 5000;
const deepText = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

/** A value `levels` deep, as an app could build it. */
function nestedValue(levels: number): unknown {
  let value: unknown = {};
  for (let level = 1; level < levels; level++) value = { down: value };
  return value;
}

/** Every error the apps' error handlers saw. */
const errors: Error[] = [];

const cookieOf = (id: string) => `connect.sid=${encodeURIComponent(signSessionId(id, SECRET))}`;

/** What `GET /` answers: the request's session and what `onReject` heard for it. */
interface Page {
  id: string;
  user: string | null;
  isNew: boolean;
  reject: SessionRejectEvent | null;
}

/** The app of every case: log in, look at the page, store a value of a given depth. */
function app(sessions: ReturnType<typeof session>, rejections: WeakMap<object, SessionRejectEvent>) {
  const web = express();
  web.use(sessions);
  web.post('/login', (req, res) => {
    req.session.user = 'ada';
    res.json({ id: req.sessionID });
  });
  web.get('/', (req, res) => {
    res.json({
      id: req.sessionID,
      user: req.session.user ?? null,
      isNew: req.session.isNew,
      reject: rejections.get(req) ?? null,
    });
  });
  web.post('/nest/:levels', (req, res) => {
    req.session.nested = nestedValue(Number(req.params.levels));
    res.json({ stored: true });
  });
  web.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(err);
    if (res.headersSent) return;
    res.status(500).json({ error: err.message });
  });
  return web;
}

/** Plants `text` as the stored record of `id`: raw bytes where the backend takes them, else through the storage. */
async function plant(open: OpenBackend, id: string, text: string): Promise<void> {
  const { storage } = open;
  if (open.writeRaw) return open.writeRaw(`${storage.prefix}:session::${id}`, text);
  // The memory backend holds what its process encoded: hand it the text as already encoded.
  const namespace = storage.namespace('session');
  const stored = await namespace.getVersioned(id);
  const value = text.slice(text.indexOf('"value":') + '"value":'.length, -1);
  const written = await namespace.setIfVersion(
    id,
    stored?.version ?? '',
    {},
    { encoded: { json: value, tagged: text.includes('"tagged":true') } },
  );
  expect(written).not.toBe(false);
}

/** A session record of `id` as stored, with `member` (`"key":<json>`) added to its data. */
async function recordWith(storage: Storage, id: string, member: string): Promise<string> {
  const stored = (await storage.namespace('session').getVersioned(id))?.version as string;
  expect(stored).toContain('"user":"ada"');
  return stored.replace('"user":"ada"', `"user":"ada",${member}`);
}

const CASES = BACKENDS.filter((backend) => ['memory', 'file', 'sqlite', 'redis', 'postgres'].includes(backend.name));

describe.each(CASES)('a record too deep or too long to read, on $name', (backendCase) => {
  const unhandled = unhandledRejections();
  const rejections = new WeakMap<object, SessionRejectEvent>();
  beforeEach(() => {
    errors.length = 0;
  });
  let open: OpenBackend;
  let server: Listening;
  let lazyServer: Listening;
  let expiringServer: Listening;

  beforeAll(async () => {
    open = await backendCase.open();
    const options = {
      storage: open.storage,
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      onReject: (event: SessionRejectEvent, req: object) => rejections.set(req, event),
    };
    // Browser-session cookies (express-session's default): records in the untagged form.
    server = await listen(app(session(options), rejections));
    // An expiring cookie: the headers of every changed response ask for change detection too.
    expiringServer = await listen(app(session({ ...options, cookie: { maxAge: 3_600_000 } }), rejections));
    const lazy = app(session({ ...options, lazy: true }), rejections);
    lazy.get('/lazy', async (req, res) => {
      const loaded = await req.loadSession?.();
      res.json({ id: req.sessionID, user: loaded?.user ?? null, reject: rejections.get(req) ?? null });
    });
    lazyServer = await listen(lazy);
  });

  afterAll(async () => {
    await server?.close();
    await lazyServer?.close();
    await expiringServer?.close();
    await open?.cleanup();
  });

  /** A signed-in session whose stored record is then replaced by `corrupt(record)`. */
  async function victim(corrupt: (id: string) => Promise<string>): Promise<string> {
    const login = await send(server, { method: 'POST', path: '/login' });
    const { id } = JSON.parse(login.body) as { id: string };
    await plant(open, id, await corrupt(id));
    return id;
  }

  const shapes: [string, (id: string) => Promise<string>][] = [
    [`data nested ${DEPTH} levels deep`, (id) => recordWith(open.storage, id, `"deep":${deepText(DEPTH)}`)],
    [
      `data nested ${DEPTH} levels deep in the tagged form`,
      async (id) =>
        (await recordWith(open.storage, id, `"deep":${deepText(DEPTH)}`)).replace(
          '{"expires":',
          '{"tagged":true,"expires":',
        ),
    ],
  ];
  // The memory backend refuses a record that long on the way in: nothing can plant one there.
  if (backendCase.name !== 'memory') {
    shapes.push([
      `a record over ${MAX_RECORD_LENGTH} characters`,
      (id) => recordWith(open.storage, id, `"long":"${'x'.repeat(MAX_RECORD_LENGTH)}"`),
    ]);
  }

  it.each(shapes)(
    'answers %s with a fresh session and a corrupt reject, request after request',
    async (_name, corrupt) => {
      const id = await victim(corrupt);
      for (let attempt = 0; attempt < 2; attempt++) {
        // The browser sends the same cookie again: the process must still be there to answer.
        const reply = await send(server, { method: 'GET', path: '/', headers: { cookie: cookieOf(id) } });
        expect(reply.status, reply.body.slice(0, 200)).toBe(200);
        const page = JSON.parse(reply.body) as Page;
        expect(page).toMatchObject({ user: null, isNew: true, reject: { reason: 'corrupt', id } });
        expect(page.id).not.toBe(id);
      }
      expect(unhandled).toEqual([]);
    },
  );

  it('answers it the same when a lazy handler loads the session', async () => {
    const id = await victim((victimId) => recordWith(open.storage, victimId, `"deep":${deepText(DEPTH)}`));
    const reply = await send(lazyServer, { method: 'GET', path: '/lazy', headers: { cookie: cookieOf(id) } });
    expect(reply.status, reply.body.slice(0, 200)).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ user: null, reject: { reason: 'corrupt', id } });
    expect(unhandled).toEqual([]);
  });

  it('refuses to store a value deeper than 100 levels, naming the limit, and keeps the session', async () => {
    const login = await send(server, { method: 'POST', path: '/login' });
    const { id } = JSON.parse(login.body) as { id: string };
    const cookie = cookieOf(id);
    const fits = await send(server, { method: 'POST', path: '/nest/90', headers: { cookie } });
    expect(fits.status, fits.body).toBe(200);
    const refused = await send(server, { method: 'POST', path: '/nest/150', headers: { cookie } });
    expect(refused.status).toBe(500);
    expect(JSON.parse(refused.body).error).toMatch(/cannot store a value nested deeper than 100 levels/);
    const after = await send(server, { method: 'GET', path: '/', headers: { cookie } });
    expect(JSON.parse(after.body)).toMatchObject({ id, user: 'ada', reject: null });
    expect(unhandled).toEqual([]);
  });

  it(`answers a handler that nests a value ${DEPTH} levels deep with one error, and keeps the session`, async () => {
    const login = await send(expiringServer, { method: 'POST', path: '/login' });
    const { id } = JSON.parse(login.body) as { id: string };
    const cookie = cookieOf(id);
    const refused = await send(expiringServer, { method: 'POST', path: `/nest/${DEPTH}`, headers: { cookie } });
    expect(refused.status).toBe(500);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const after = await send(expiringServer, { method: 'GET', path: '/', headers: { cookie } });
    expect(JSON.parse(after.body)).toMatchObject({ id, user: 'ada', reject: null });
    expect(errors).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});

describe('a record too deep for an express-session store', () => {
  const unhandled = unhandledRejections();

  it('answers it with a fresh session and a corrupt reject instead of overflowing the stack', async () => {
    const store = new MemoryStore();
    const rejections = new WeakMap<object, SessionRejectEvent>();
    const server = await listen(
      app(
        session({
          store,
          secret: SECRET,
          resave: false,
          saveUninitialized: false,
          onReject: (event, req) => rejections.set(req, event),
        }),
        rejections,
      ),
    );
    try {
      const { id } = JSON.parse((await send(server, { method: 'POST', path: '/login' })).body) as { id: string };
      // A store keeps whatever JSON it was given: no decoder bounds it.
      store.sessions[id] = (store.sessions[id] as string).replace(
        '"user":"ada"',
        `"user":"ada","deep":${deepText(DEPTH)}`,
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const reply = await send(server, { method: 'GET', path: '/', headers: { cookie: cookieOf(id) } });
        expect(reply.status, reply.body.slice(0, 200)).toBe(200);
        expect(JSON.parse(reply.body)).toMatchObject({ user: null, isNew: true, reject: { reason: 'corrupt', id } });
      }
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('errors inside a store callback', () => {
  const unhandled = unhandledRejections();

  it('reach the regenerate callback when genid throws under a VesselStore, not an unhandled rejection', async () => {
    const open = await (BACKENDS.find((backend) => backend.name === 'sqlite') as (typeof BACKENDS)[number]).open();
    let ids = 0;
    const web = express();
    web.use(
      session({
        store: new VesselStore({ storage: open.storage }),
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        genid: () => {
          ids++;
          if (ids > 1) throw new Error('no more ids');
          return `app-id-${ids}-${'x'.repeat(24)}`;
        },
      }),
    );
    web.post('/login', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err);
        res.json({ id: req.sessionID });
      });
    });
    web.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: err.message });
    });
    const server = await listen(web);
    try {
      const reply = await send(server, { method: 'POST', path: '/login' });
      expect(reply.status).toBe(500);
      expect(JSON.parse(reply.body)).toEqual({ error: 'no more ids' });
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
      await open.cleanup();
    }
  });
});

describe('a record too deep under express-session with a VesselStore', () => {
  const unhandled = unhandledRejections();

  it('is a fresh session under express-session, with a reject event, request after request', async () => {
    const open = await (BACKENDS.find((backend) => backend.name === 'sqlite') as (typeof BACKENDS)[number]).open();
    const store = new VesselStore({ storage: open.storage });
    const rejects: { reason: string; id?: string }[] = [];
    store.on('reject', (event: { reason: string; id?: string }) => rejects.push(event));
    const web = express();
    web.use(
      expressSession({
        store,
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
      }),
    );
    web.post('/login', (req, res) => {
      (req.session as unknown as Record<string, unknown>).user = 'ada';
      res.json({ id: req.sessionID });
    });
    web.get('/', (req, res) => res.json({ id: req.sessionID }));
    web.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: err.message });
    });
    const server = await listen(web);
    try {
      const { id } = JSON.parse((await send(server, { method: 'POST', path: '/login' })).body) as { id: string };
      await plant(open, id, await recordWith(open.storage, id, `"deep":${deepText(DEPTH)}`));
      for (let attempt = 0; attempt < 2; attempt++) {
        // The browser resends the cookie of the unreadable record: a fresh session each time, never an error page.
        const reply = await send(server, { method: 'GET', path: '/', headers: { cookie: cookieOf(id) } });
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body).id).not.toBe(id);
      }
      expect(rejects).toEqual([
        expect.objectContaining({ reason: 'corrupt', id }),
        expect.objectContaining({ reason: 'corrupt', id }),
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      await server.close();
      await open.cleanup();
    }
  });
});
