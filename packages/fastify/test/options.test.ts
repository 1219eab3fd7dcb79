/** fastifySession's options: @fastify/session's names mapped onto the vessel's session options, and the refusals. */

import { ConfigError } from '@vessel/core';
import { type FastifySessionOptions, fastifySession } from '@vessel/fastify';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSetCookie } from '../../../test-support/sessions.js';
import { listen, pairOf, SECRET, send, tempVessel } from './support.js';

let temp: Awaited<ReturnType<typeof tempVessel>>;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  temp = await tempVessel();
});
afterAll(async () => {
  await temp?.dispose();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app with `options` whose `/write` sets `n` and whose `/read` answers it; its URL. */
async function start(
  options: Omit<FastifySessionOptions, 'vessel'> & { vessel?: FastifySessionOptions['vessel'] },
  server: FastifyServerOptions = {},
): Promise<string> {
  app = Fastify(server);
  await app.register(fastifySession, { vessel: temp.vessel, ...options });
  app.get('/write', async (request) => {
    request.session.set('n', (request.session.get<number>('n') ?? 0) + 1);
    return String(request.session.get('n'));
  });
  app.get('/read', async (request) => String(request.session.get('n') ?? 'none'));
  app.get('/timeout', async (request) => String(request.sessionStore.options.timeout));
  app.get('/write-id', async (request) => {
    request.session.set('n', 1);
    return request.session.sessionId;
  });
  return listen(app);
}

/** Registering `options` fails; the error. */
async function refused(options: Record<string, unknown>): Promise<unknown> {
  const failing = Fastify();
  try {
    await failing.register(fastifySession, options as unknown as FastifySessionOptions);
    await failing.ready();
  } catch (error) {
    return error;
  } finally {
    await failing.close().catch(() => undefined);
  }
  throw new Error('registered');
}

describe('options mapped from @fastify/session', () => {
  it('cookieName names the cookie, and the cookie brings the session back', async () => {
    const url = await start({ cookieName: 'sid' });
    const first = await send(`${url}/write`);
    const cookie = pairOf(first.setCookie, 'sid');
    expect(cookie).toBeDefined();
    expect((await send(`${url}/write`, { cookie })).body).toBe('2');
  });

  it('cookie.maxAge (ms) is the cookie lifetime and the idle timeout (s, rounded up)', async () => {
    const url = await start({ cookie: { maxAge: 1_800_500 } });
    const { setCookie } = await send(`${url}/write`);
    const cookie = parseSetCookie(setCookie[0] as string);
    const lifetimeMs = Date.parse(String(cookie.attributes.expires)) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(1_795_000);
    expect(lifetimeMs).toBeLessThanOrEqual(1_801_000);
    expect((await send(`${url}/timeout`)).body).toBe('1801');
  });

  it('cookie.path, domain, httpOnly and sameSite (true is Strict) shape the cookie', async () => {
    const url = await start({ cookie: { path: '/', domain: 'example.test', httpOnly: false, sameSite: true } });
    const cookie = parseSetCookie((await send(`${url}/write`)).setCookie[0] as string);
    expect(cookie.attributes).toMatchObject({ path: '/', domain: 'example.test', samesite: 'Strict' });
    expect(cookie.attributes.httponly).toBeUndefined();
  });

  it("cookie.secure 'auto' marks the cookie Secure when request.protocol is https (Fastify's trustProxy)", async () => {
    const url = await start({ cookie: { secure: 'auto' } }, { trustProxy: true });
    const https = await send(`${url}/write`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(parseSetCookie(https.setCookie[0] as string).attributes.secure).toBe(true);
    const http = await send(`${url}/write`);
    expect(http.setCookie).toHaveLength(1);
    expect(parseSetCookie(http.setCookie[0] as string).attributes.secure).toBeUndefined();
  });

  it("cookie.secure 'auto' ignores X-Forwarded-Proto without trustProxy", async () => {
    const url = await start({ cookie: { secure: 'auto' } });
    const answer = await send(`${url}/write`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(parseSetCookie(answer.setCookie[0] as string).attributes.secure).toBeUndefined();
  });

  it('cookie.secure true holds the cookie back on plain HTTP and sends it over HTTPS', async () => {
    const url = await start({ cookie: { secure: true } }, { trustProxy: true });
    expect((await send(`${url}/write`)).setCookie).toEqual([]);
    const https = await send(`${url}/write`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(parseSetCookie(https.setCookie[0] as string).attributes.secure).toBe(true);
  });

  it("secret signs the cookies when the vessel's config has none", async () => {
    const bare = await tempVessel({});
    try {
      const url = await start({ vessel: bare.vessel, secret: [SECRET, 'an older secret of 32 bytes or more!!'] });
      const cookie = pairOf((await send(`${url}/write`)).setCookie, bare.vessel.config.session.key);
      expect((await send(`${url}/write`, { cookie })).body).toBe('2');
    } finally {
      await app?.close();
      app = undefined;
      await bare.dispose();
    }
  });

  it('saveUninitialized: true stores a session nobody wrote to and sends its cookie (off by default)', async () => {
    const sessions = temp.vessel.sessionStorage.namespace('session');
    let url = await start({});
    let before = await sessions.count();
    expect((await send(`${url}/read`)).setCookie).toEqual([]);
    expect(await sessions.count()).toBe(before);
    await app?.close();

    url = await start({ saveUninitialized: true });
    before = await sessions.count();
    const answer = await send(`${url}/read`);
    expect(answer.setCookie).toHaveLength(1);
    expect(await sessions.count()).toBe(before + 1);
  });

  it('rolling re-sends the cookie on every response', async () => {
    const url = await start({ rolling: true });
    const cookie = pairOf((await send(`${url}/write`)).setCookie, temp.vessel.config.session.key);
    expect((await send(`${url}/read`, { cookie })).setCookie).toHaveLength(1);
  });

  it('idGenerator makes the ids, and cookies carrying them are accepted', async () => {
    let next = 0;
    const url = await start({ idGenerator: () => `app:${++next}` });
    const first = await send(`${url}/write`);
    const cookie = pairOf(first.setCookie, temp.vessel.config.session.key) as string;
    expect(decodeURIComponent(cookie)).toMatch(/=s:app:1\./);
    expect((await send(`${url}/write`, { cookie })).body).toBe('2');
  });

  it('sessionId reads the id from the request; no cookie is read or written', async () => {
    const url = await start({ sessionId: (request) => request.headers['x-session'] as string | undefined });
    const first = await send(`${url}/write-id`);
    expect(first.setCookie).toEqual([]);
    const headers = { 'x-session': first.body };
    expect(await send(`${url}/read`, { headers })).toEqual({ status: 200, body: '1', setCookie: [] });
    expect((await send(`${url}/read`)).body).toBe('none');
  });

  it("runs on the vessel's own manager when nothing overrides it (its session.auto off, changes still saved)", async () => {
    const auto = await tempVessel({ session: { secret: SECRET } });
    try {
      app = Fastify();
      await app.register(fastifySession, { vessel: auto.vessel });
      app.get('/', async (request) => String(request.sessionStore === auto.vessel.sessions));
      expect((await send(await listen(app))).body).toBe('true');
    } finally {
      await app?.close();
      app = undefined;
      await auto.dispose();
    }
  });
});

describe('options refused', () => {
  it('without a vessel, saying how to make one', async () => {
    const error = await refused({ secret: SECRET });
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/vessel: required: register fastifySession with \{ vessel: createVessel/);
  });

  it('an unknown option, naming it and the likely one', async () => {
    expect(String(await refused({ vessel: temp.vessel, cookiename: 'sid' }))).toMatch(
      /cookiename: unknown option; did you mean cookieName\?/,
    );
    expect(String(await refused({ vessel: temp.vessel, cookie: { maxage: 1000 } }))).toMatch(
      /cookie\.maxage: unknown option; did you mean maxAge\?/,
    );
  });

  it("store, saying why: sessions live in the vessel's storage", async () => {
    const error = await refused({ vessel: temp.vessel, store: {} });
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/store: not supported: sessions live in the vessel's storage/);
  });

  it('cookie options the session cookie does not carry, a signer object, a bad maxAge or lazy', async () => {
    expect(String(await refused({ vessel: temp.vessel, cookie: { partitioned: true } }))).toMatch(
      /cookie\.partitioned: not supported/,
    );
    expect(String(await refused({ vessel: temp.vessel, secret: { sign: () => '', unsign: () => ({}) } }))).toMatch(
      /secret: .*custom signer object is not supported/,
    );
    expect(String(await refused({ vessel: temp.vessel, cookie: { maxAge: -1 } }))).toMatch(/cookie\.maxAge: /);
    expect(String(await refused({ vessel: temp.vessel, lazy: 'yes' }))).toMatch(/lazy: expected a boolean/);
    expect(String(await refused({ vessel: temp.vessel, cookiePrefix: '' }))).toMatch(/cookiePrefix: /);
  });

  it("a vessel with no secret and none given: core's error naming session.secret", async () => {
    const bare = await tempVessel({});
    try {
      expect(String(await refused({ vessel: bare.vessel }))).toMatch(/session\.secret: required/);
    } finally {
      await bare.dispose();
    }
  });
});
