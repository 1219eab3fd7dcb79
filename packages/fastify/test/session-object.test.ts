/** `request.session`, `request.loadSession()` and `request.sessionStore`, over a real server. */

import { SessionManager } from '@vessel/core';
import { fastifySession } from '@vessel/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, pairOf, send, tempVessel } from './support.js';

let temp: Awaited<ReturnType<typeof tempVessel>>;
let openSlowGate: () => void = () => undefined;
let slowGate: Promise<void> = Promise.resolve();
let app: FastifyInstance;
let url: string;
const cookieName = () => temp.vessel.config.session.key;

beforeAll(async () => {
  temp = await tempVessel();
  app = Fastify();
  await app.register(fastifySession, { vessel: temp.vessel });
  app.get('/set', async (request) => {
    const { key, value } = request.query as { key: string; value: string };
    request.session.set(key, value);
    return 'ok';
  });
  app.get('/data', async (request) => ({
    id: request.session.sessionId,
    data: { ...request.session },
    keys: Object.keys(request.session),
    viaGet: request.session.get('a') ?? null,
  }));
  app.get('/properties', async (request) => {
    const session = request.session as unknown as Record<string, unknown>;
    session.a = 'by property';
    session.gone = 'soon';
    delete session.gone;
    return { a: request.session.get('a'), hasGone: 'gone' in session, isMethod: typeof session.save };
  });
  app.get('/regenerate', async (request) => {
    const before = request.session.sessionId;
    await request.session.regenerate(['keep']);
    return { before, after: request.session.sessionId, data: { ...request.session } };
  });
  app.get('/regenerate-callback', (request, reply) => {
    request.session.regenerate((error) => reply.send(error ?? request.session.sessionId));
  });
  app.get('/save-then-reload', async (request) => {
    request.session.set('saved', 1);
    await request.session.save();
    request.session.set('unsaved', 1);
    await request.session.reload();
    return { saved: request.session.get('saved'), unsaved: request.session.get('unsaved') ?? null };
  });
  app.get('/destroy', async (request) => {
    await request.session.destroy();
    return 'ok';
  });
  app.get('/touch', async (request) => {
    request.session.touch();
    return 'ok';
  });
  app.get('/slow', async (request) => {
    await slowGate;
    request.session.set('late', 'write');
    return 'ok';
  });
  app.get('/store', async (request) => ({
    isManager: request.sessionStore instanceof SessionManager,
    same: (await request.loadSession()) === request.session,
  }));
  app.get('/revoke', async (request) => {
    const { id } = request.query as { id: string };
    return String(await request.sessionStore.revoke(id));
  });
  url = await listen(app);
});
afterAll(async () => {
  await app?.close();
  await temp?.dispose();
});

/** A browser's session with `data` saved; its cookie pair. */
async function sessionWith(data: Record<string, string>): Promise<string> {
  let cookie: string | undefined;
  for (const [key, value] of Object.entries(data)) {
    const answer = await send(`${url}/set?key=${key}&value=${value}`, { cookie });
    cookie = pairOf(answer.setCookie, cookieName()) ?? cookie;
  }
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

describe('request.session', () => {
  it('holds the data as properties and through get/set, beside its methods', async () => {
    const cookie = await sessionWith({ a: '1', b: '2' });
    const { id, data, keys, viaGet } = JSON.parse((await send(`${url}/data`, { cookie })).body);
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(data).toEqual({ a: '1', b: '2' });
    expect(keys.sort()).toEqual(['a', 'b']);
    expect(viaGet).toBe('1');
  });

  it('assigns and deletes properties like set and delete; methods are not data', async () => {
    const answer = await send(`${url}/properties`);
    expect(JSON.parse(answer.body)).toEqual({ a: 'by property', hasGone: false, isMethod: 'function' });
    const cookie = pairOf(answer.setCookie, cookieName());
    expect(JSON.parse((await send(`${url}/data`, { cookie })).body).data).toEqual({ a: 'by property' });
  });

  it('regenerate(keep) moves to a new id with only the kept keys; the old cookie opens nothing', async () => {
    const old = await sessionWith({ keep: 'k', drop: 'd' });
    const answer = await send(`${url}/regenerate`, { cookie: old });
    const { before, after, data } = JSON.parse(answer.body);
    expect(after).not.toBe(before);
    expect(data).toEqual({ keep: 'k' });
    const fresh = pairOf(answer.setCookie, cookieName());
    expect(JSON.parse((await send(`${url}/data`, { cookie: fresh })).body)).toMatchObject({ id: after });
    expect(JSON.parse((await send(`${url}/data`, { cookie: old })).body).data).toEqual({});
  });

  it('regenerate takes a callback too', async () => {
    const old = await sessionWith({ a: '1' });
    const answer = await send(`${url}/regenerate-callback`, { cookie: old });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('save stores now; reload drops what was not saved', async () => {
    const answer = await send(`${url}/save-then-reload`);
    expect(JSON.parse(answer.body)).toEqual({ saved: 1, unsaved: null });
    const cookie = pairOf(answer.setCookie, cookieName());
    expect(JSON.parse((await send(`${url}/data`, { cookie })).body).data).toEqual({ saved: 1 });
  });

  it('destroy deletes the session and expires the cookie', async () => {
    const cookie = await sessionWith({ a: '1' });
    const answer = await send(`${url}/destroy`, { cookie });
    expect(answer.setCookie.find((header) => header.startsWith(`${cookieName()}=;`))).toMatch(
      /Expires=Thu, 01 Jan 1970/,
    );
    expect(JSON.parse((await send(`${url}/data`, { cookie })).body).data).toEqual({});
  });

  it('a slow request ending after a logout does not bring the session back', async () => {
    const cookie = await sessionWith({ user: 'ada' });
    slowGate = new Promise((resolve) => {
      openSlowGate = resolve;
    });
    const slow = send(`${url}/slow`, { cookie });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await send(`${url}/destroy`, { cookie });
    openSlowGate();
    expect((await slow).status).toBe(200);
    expect(JSON.parse((await send(`${url}/data`, { cookie })).body).data).toEqual({});
  });

  it('touch stores the access time of an unchanged session', async () => {
    const cookie = await sessionWith({ a: '1' });
    const id = JSON.parse((await send(`${url}/data`, { cookie })).body).id as string;
    const before = (await temp.vessel.sessions.get(id))?.lastAccessed.getTime();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await send(`${url}/touch`, { cookie })).status).toBe(200);
    const after = (await temp.vessel.sessions.get(id))?.lastAccessed.getTime();
    expect(after).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
  });

  it('an untouched eager request with no session sends no cookie and stores nothing', async () => {
    const before = await temp.vessel.sessionStorage.namespace('session').count();
    const answer = await send(`${url}/data`);
    expect(answer.setCookie).toEqual([]);
    expect(await temp.vessel.sessionStorage.namespace('session').count()).toBe(before);
  });
});

describe('request.sessionStore', () => {
  it('is the SessionManager the plugin runs on; loadSession resolves to request.session in eager mode', async () => {
    expect(JSON.parse((await send(`${url}/store`)).body)).toEqual({ isManager: true, same: true });
  });

  it('revoke(id) logs a session out from anywhere', async () => {
    const cookie = await sessionWith({ user: 'ada' });
    const { id } = JSON.parse((await send(`${url}/data`, { cookie })).body);
    expect((await send(`${url}/revoke?id=${id}`)).body).toBe('true');
    expect(JSON.parse((await send(`${url}/data`, { cookie })).body).data).toEqual({});
  });
});

describe('lazy sessions', () => {
  let lazyApp: FastifyInstance | undefined;
  afterEach(async () => {
    await lazyApp?.close();
  });

  it('request.session throws until loadSession, which loads once', async () => {
    lazyApp = Fastify();
    await lazyApp.register(fastifySession, { vessel: temp.vessel, lazy: true });
    lazyApp.get('/', async (request) => {
      let before = '';
      try {
        void request.session;
      } catch (error) {
        before = (error as Error).message;
      }
      const [first, second] = await Promise.all([request.loadSession(), request.loadSession()]);
      first.set('n', 1);
      return { before, same: first === second && first === request.session };
    });
    const lazyUrl = await listen(lazyApp);
    const answer = await send(lazyUrl);
    expect(JSON.parse(answer.body)).toEqual({
      before: expect.stringMatching(/await request\.loadSession\(\)/),
      same: true,
    });
    expect(pairOf(answer.setCookie, cookieName())).toBeDefined();
  });
});
