/**
 * Suite 4 (corruption): seeded garbage written into stored session records on every backend that
 * an outside writer can reach (file, sqlite, redis, redis-cluster, postgres; the memory backend
 * holds only what its own process encoded). The Express app answers each with a fresh session
 * and an `onReject` event with reason `corrupt`; the built `session-inspect` lists every such
 * record as CORRUPT with its id and size, and `purge --corrupt` removes them, and only them.
 */
import { type SessionRejectEvent, signSessionId } from '@vessel/core';
import { session } from '@vessel/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, serializeRecord } from '../../../../test-support/backends.js';
import { type App, openApp } from '../../../../test-support/cli-app.js';
import { fuzzRng, type Rng } from '../../../../test-support/fuzz.js';
import { type Listening, listen, send } from './support.js';

const SECRET = 'corruption suite secret, 32+ bytes';
/** Corrupt records per backend. */
const VICTIMS = 13;
const { seed, rng: root } = fuzzRng('corrupt records');

/** Backends an outside writer (a bug, a bad migration, a disk) can put bytes into. */
const WRITABLE = BACKENDS.filter((backend) => backend.name !== 'memory');

/** Garbage of kind `kind` that is not a session record, some of it made from the stored `record`. */
function garbage(rng: Rng, record: string, kind: number): string {
  const cut = rng.between(1, record.length - 1);
  const future = Date.now() + 3_600_000;
  const kinds = [
    () => rng.bytes(rng.between(1, 200)).toString('latin1'),
    () => rng.bytes(rng.between(1, 200)).toString('utf8'), // invalid UTF-8 turned into U+FFFD
    () => record.slice(0, cut), // a torn write
    () => record.slice(cut),
    () => `\ufeff${record}`, // a byte-order mark in front
    () => '',
    () => rng.pick(['42', '[]', 'null', '"session"', 'true']),
    () => serializeRecord({ value: { user: 'ada' } }), // a record, but not a session
    () => `{"expires":${future},"value":{"created":"yesterday","accessed":1,"expires":null,"data":{}}}`,
    () => `{"expires":${future},"tagged":true,"value":{"$":"Nope","v":1}}`,
    () => `{"expires":"soon","value":{}}`,
    () => `${record.slice(0, cut)}${'\u0000'.repeat(rng.between(1, 8))}${record.slice(cut)}`,
    () => 'x'.repeat(64 * 1024),
  ];
  return (kinds[kind % kinds.length] as () => string)();
}

describe.each(WRITABLE)('corrupt session records on $name', (backendCase) => {
  const rng = root.fork(backendCase.name);
  const rejections = new WeakMap<object, SessionRejectEvent>();
  let app: App;
  let server: Listening;
  /** The victims' ids, the garbage each got, and their cookies. */
  let victims: { id: string; cookie: string; garbage: string }[];
  let healthy: { id: string; cookie: string };

  beforeAll(async () => {
    app = await openApp(backendCase);
    const web = express();
    web.use(
      session({
        storage: app.storage,
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        onReject: (event, req) => rejections.set(req, event),
      }),
    );
    web.post('/login', (req, res) => {
      req.session.user = `user-${req.query.n}`;
      res.json({ id: req.sessionID });
    });
    web.get('/', (req, res) =>
      res.json({
        id: req.sessionID,
        user: req.session.user ?? null,
        isNew: req.session.isNew,
        reject: rejections.get(req) ?? null,
      }),
    );
    server = await listen(web);
    const login = async (n: number) => {
      const { id } = JSON.parse((await send(server, { method: 'POST', path: `/login?n=${n}` })).body) as { id: string };
      return { id, cookie: `connect.sid=${encodeURIComponent(signSessionId(id, SECRET))}` };
    };
    healthy = await login(0);
    // A cache entry beside the sessions, which no session command may touch.
    await app.storage.namespace('cache:pages').set('home', '<html>');
    victims = [];
    const sessions = app.storage.namespace('session');
    for (let i = 1; i <= VICTIMS; i++) {
      const { id, cookie } = await login(i);
      const stored = (await sessions.getVersioned(id))?.version ?? '';
      let text = garbage(rng, stored, i - 1);
      // PostgreSQL text cannot hold NUL: nothing could have written it there.
      if (backendCase.type === 'postgres') text = text.replaceAll('\u0000', '\u0001');
      await app.backend.writeRaw?.(`${app.storage.prefix}:session::${id}`, text);
      victims.push({ id, cookie, garbage: text });
    }
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('answers each corrupt record with a fresh session and an onReject event naming it corrupt', async () => {
    for (const victim of victims) {
      const reply = await send(server, { method: 'GET', path: '/', headers: { cookie: victim.cookie } });
      expect(reply.status, JSON.stringify(victim.garbage.slice(0, 60))).toBe(200);
      const body = JSON.parse(reply.body);
      expect(body).toMatchObject({ user: null, isNew: true, reject: { reason: 'corrupt', id: victim.id } });
      expect(body.id).not.toBe(victim.id);
      expect(body.reject.detail.length).toBeGreaterThan(0);
    }
    const reply = await send(server, { method: 'GET', path: '/', headers: { cookie: healthy.cookie } });
    expect(JSON.parse(reply.body)).toMatchObject({ id: healthy.id, user: 'user-0', isNew: false, reject: null });
  });

  it('is listed by session-inspect as corrupt with its id and size, and purge --corrupt removes only those', async () => {
    const list = await app.run('list', '--json', '--full-ids');
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.stdout) as { sessions: { id: string; size: number; corrupt?: string }[] }).sessions;
    for (const victim of victims) {
      const entry = listed.find((candidate) => candidate.id === victim.id);
      expect(entry, `${victim.id} (${JSON.stringify(victim.garbage.slice(0, 40))})`).toMatchObject({
        size: Buffer.byteLength(victim.garbage),
        corrupt: expect.any(String),
      });
    }
    expect(listed.find((entry) => entry.id === healthy.id)?.corrupt).toBeUndefined();

    const purge = await app.run('purge', '--corrupt', '--yes', '--json');
    expect(purge.code, purge.stderr).toBe(0);
    expect(JSON.parse(purge.stdout)).toMatchObject({ purged: VICTIMS, selection: 'corrupt' });
    const after = await app.run('list', '--json', '--full-ids');
    const left = (JSON.parse(after.stdout) as { sessions: { id: string; corrupt?: string }[] }).sessions;
    expect(left.filter((entry) => entry.corrupt !== undefined)).toEqual([]);
    expect(left.map((entry) => entry.id)).toContain(healthy.id);
    expect(await app.storage.namespace('cache:pages').get('home')).toBe('<html>');
    const reply = await send(server, { method: 'GET', path: '/', headers: { cookie: healthy.cookie } });
    expect(JSON.parse(reply.body)).toMatchObject({ id: healthy.id, user: 'user-0' });
  });
});

afterAll(() => {
  console.log(`[corruption] ${WRITABLE.length} backends x ${VICTIMS} corrupt records, seed ${seed}`);
});
