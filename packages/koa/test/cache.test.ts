/** `cache()`: the vessel's cache manager as `ctx.cache`, over a real server. */

import { CacheManager, type Vessel } from '@vessel/core';
import { cache } from '@vessel/koa';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, routes, type Served, serve, tempVessel } from './support.js';

let vessel: Vessel;
let dispose: () => Promise<void>;
const servers: Served[] = [];

beforeAll(async () => {
  ({ vessel, dispose } = await tempVessel());
});
afterAll(async () => {
  await Promise.all(servers.map((served) => served.close()));
  await dispose?.();
});

describe('cache()', () => {
  it("puts the vessel's cache manager on ctx.cache: a value is made once, then read from the cache", async () => {
    let made = 0;
    const app = new Koa();
    app.use(cache(vessel));
    app.use(
      routes({
        'GET /user': async (ctx) => {
          const users = ctx.cache.getCache('users', { expire: 60 });
          const name = await users.get(String(ctx.query.id), { createfunc: async () => `user ${++made}` });
          ctx.body = `${name} ${ctx.cache === vessel.cache}`;
        },
      }),
    );
    const served = await serve(app);
    servers.push(served);
    expect((await request(`${served.url}/user?id=7`)).body).toBe('user 1 true');
    expect((await request(`${served.url}/user?id=7`)).body).toBe('user 1 true');
    expect(made).toBe(1);
  });

  it('takes a cache manager of its own as well', async () => {
    const manager = new CacheManager({}, vessel.storage);
    const app = new Koa();
    app.use(cache(manager));
    app.use((ctx) => {
      ctx.body = String(ctx.cache === manager);
    });
    const served = await serve(app);
    servers.push(served);
    expect((await request(served.url)).body).toBe('true');
  });
});
