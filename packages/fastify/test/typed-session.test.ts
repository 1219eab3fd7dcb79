/**
 * `request.session` as an app types it: declared keys read and written as properties, methods
 * and decorators typed, no casts. `types.test.ts` compiles this file with `tsc`; an undeclared
 * key or a wrong type is a compile error (the `@ts-expect-error` lines).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel } from '@vessel/core';
import { type FastifySessionOptions, fastifyCache, fastifySession } from '@vessel/fastify';
import Fastify, { type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';

declare module 'fastify' {
  interface Session {
    views?: number;
    cart?: { items: string[] };
  }
}

/** Never called: what must not compile. */
export function mistakes(request: FastifyRequest): void {
  // @ts-expect-error: keys the app did not declare are not properties (use get/set)
  void request.session.undeclared;
  // @ts-expect-error: declared keys keep their type
  request.session.views = 'many';
  // @ts-expect-error: there is no store option: sessions live in the vessel's storage
  const options: FastifySessionOptions = { vessel: {} as Vessel, store: {} };
  void options;
}

let cacheDir: string;
let vessel: Vessel;
const app = Fastify();

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-fastify-typed-'));
  vessel = createVessel({ cacheDir, session: { secret: 'typed session test secret, 32 bytes or more' } });
  await app.register(fastifySession, { vessel, cookie: { maxAge: 60_000, sameSite: 'strict' } });
  await app.register(fastifyCache, { vessel });
  app.get('/visit', async (request) => {
    const views: number = (request.session.views ?? 0) + 1;
    request.session.views = views;
    request.session.cart ??= { items: [] };
    request.session.cart.items.push(`item ${views}`);
    const id: string = request.session.sessionId;
    const viaGet: number | undefined = request.session.get<number>('views');
    const timeout: number | undefined = request.sessionStore.options.timeout;
    const caches: number = Object.keys(request.cache.stats().byCache).length;
    return { views, items: request.session.cart.items.length, id: id.length > 0, viaGet, timeout, caches };
  });
  app.get('/later', async (request) => {
    const session = await request.loadSession();
    await session.save();
    session.touch();
    await session.reload();
    await session.regenerate(['views']);
    return { views: session.views ?? 0 };
  });
});
afterAll(async () => {
  await app.close();
  await vessel?.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

it('reads and writes declared keys as typed properties, in-place edits included', async () => {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const first = await fetch(`${url}/visit`);
  const cookie = first.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const second = await (await fetch(`${url}/visit`, { headers: { cookie } })).json();
  expect(second).toMatchObject({ views: 2, items: 2, id: true, viaGet: 2, timeout: 60 });
  expect(await (await fetch(`${url}/later`, { headers: { cookie } })).json()).toEqual({ views: 2 });
});
