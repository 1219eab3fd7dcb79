/** fastifyCache: the vessel's cache manager as `request.cache`. */

import { fastifyCache } from '@vessel/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, send, tempVessel } from './support.js';

let temp: Awaited<ReturnType<typeof tempVessel>>;
let app: FastifyInstance;
let url: string;
let created = 0;

beforeAll(async () => {
  temp = await tempVessel();
  app = Fastify();
  await app.register(fastifyCache, { vessel: temp.vessel });
  app.get('/report', async (request) => {
    const reports = request.cache.getCache('reports', { expire: 60 });
    return reports.get('daily', { createfunc: async () => `report #${++created}` });
  });
  app.get('/same', async (request) => String(request.cache === temp.vessel.cache));
  url = await listen(app);
});
afterAll(async () => {
  await app?.close();
  await temp?.dispose();
});

describe('request.cache', () => {
  it("is the vessel's cache manager", async () => {
    expect((await send(`${url}/same`)).body).toBe('true');
  });

  it('creates a value once and serves it from the cache after', async () => {
    expect((await send(`${url}/report`)).body).toBe('report #1');
    expect((await send(`${url}/report`)).body).toBe('report #1');
    expect(created).toBe(1);
  });

  it('refuses to register without a vessel, or with an unknown option', async () => {
    const failing = Fastify();
    await expect(failing.register(fastifyCache, {} as never)).rejects.toThrow(/vessel: required/);
    const other = Fastify();
    await expect(other.register(fastifyCache, { vessel: temp.vessel, expire: 1 } as never)).rejects.toThrow(
      /expire: unknown option/,
    );
  });
});
