/** The session cookie beside other cookies: with @fastify/cookie registered (before or after) and without it. */

import fastifyCookie from '@fastify/cookie';
import { fastifySession } from '@vessel/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, pairOf, send, tempVessel } from './support.js';

let temp: Awaited<ReturnType<typeof tempVessel>>;
let app: FastifyInstance | undefined;
const sessionCookie = () => temp.vessel.config.session.key;

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

/** The routes every case shares: a counter, and one that also sets a cookie of the app's own. */
function routes(instance: FastifyInstance, withCookiePlugin: boolean): void {
  instance.get('/count', async (request) => {
    request.session.set('n', (request.session.get<number>('n') ?? 0) + 1);
    return { n: request.session.get('n'), cookies: request.cookies ?? null };
  });
  instance.get('/both', async (request, reply) => {
    request.session.set('n', 1);
    if (withCookiePlugin) reply.setCookie('theme', 'dark', { path: '/' });
    reply.header('set-cookie', 'raw=1; Path=/');
    return 'ok';
  });
}

const cases = [
  { name: 'without @fastify/cookie', plugin: false, cookieFirst: false },
  { name: 'with @fastify/cookie registered first', plugin: true, cookieFirst: true },
  { name: 'with @fastify/cookie registered after', plugin: true, cookieFirst: false },
] as const;

describe.each(cases)('$name', ({ plugin, cookieFirst }) => {
  async function start(): Promise<string> {
    app = Fastify();
    if (plugin && cookieFirst) await app.register(fastifyCookie);
    await app.register(fastifySession, { vessel: temp.vessel });
    if (plugin && !cookieFirst) await app.register(fastifyCookie);
    routes(app, plugin);
    return listen(app);
  }

  it('reads the session cookie from the Cookie header among others', async () => {
    const url = await start();
    const first = await send(`${url}/count`);
    const pair = pairOf(first.setCookie, sessionCookie());
    const answer = await send(`${url}/count`, { cookie: `a=1; ${pair}; b=2` });
    const { n, cookies } = JSON.parse(answer.body);
    expect(n).toBe(2);
    // The plugin never needs request.cookies: it is there only with @fastify/cookie.
    expect(cookies === null).toBe(!plugin);
  });

  it("sends the session cookie beside the app's own Set-Cookie headers", async () => {
    const url = await start();
    const { setCookie } = await send(`${url}/both`);
    const names = setCookie.map((header) => header.slice(0, header.indexOf('='))).sort();
    expect(names).toEqual([...(plugin ? ['theme'] : []), 'raw', sessionCookie()].sort());
  });
});
