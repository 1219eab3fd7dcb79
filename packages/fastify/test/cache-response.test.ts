/**
 * Fastify's `cacheResponse` where Fastify differs from the other frameworks (the shared rules are
 * in response-cache-conformance.test.ts): hijacked replies, stream payloads, no session plugin,
 * the options object spread into a route's own.
 */

import { Readable } from 'node:stream';
import { cacheResponse } from '@vessel/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, tempVessel } from './support.js';

let temp: Awaited<ReturnType<typeof tempVessel>>;
let app: FastifyInstance;
let url: string;
let runs = 0;
let validated = 0;

/** A GET that gives up after 10 s: far past any answer here, far short of a lock's 30 s wait. */
async function get(path: string): Promise<{ body: string; cache: string | null }> {
  const response = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
  return { body: await response.text(), cache: response.headers.get('x-vessel-cache') };
}

beforeAll(async () => {
  temp = await tempVessel();
  app = Fastify();
  // No fastifySession: the cache sees no session, and every request is anonymous.
  app.get('/hijacked', cacheResponse(temp.vessel), (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.end(`raw ${++runs}`);
  });
  app.get('/stream', cacheResponse(temp.vessel), (_request, reply) =>
    reply.type('text/plain').send(Readable.from([`stream ${++runs}`])),
  );
  app.get(
    '/spread',
    {
      ...cacheResponse(temp.vessel),
      preHandler: (_request, _reply, done) => {
        validated++;
        done();
      },
    },
    async () => `spread ${++runs}`,
  );
  app.get('/json', cacheResponse(temp.vessel), async () => ({ run: ++runs }));
  url = await listen(app);
});
afterAll(async () => {
  await app?.close();
  await temp?.dispose();
});

describe('Fastify cacheResponse', () => {
  it('keeps nothing of a hijacked reply, and never leaves the next request waiting for it', async () => {
    const first = await get('/hijacked');
    const second = await get('/hijacked');
    expect(first.body).toMatch(/^raw \d+$/);
    // Built again: the first left no copy, and no creation holding the key's lock (the
    // X-Vessel-Cache header is Fastify's to send, and a hijacked reply sends none).
    expect(second.body).not.toBe(first.body);
  });

  it('serves a stream payload and never keeps it', async () => {
    const first = await get('/stream');
    const second = await get('/stream');
    expect(first).toMatchObject({ cache: 'miss' });
    expect(first.body).toMatch(/^stream \d+$/);
    expect(second.cache).toBe('pass');
    expect(second.body).not.toBe(first.body);
  });

  it("works spread into a route's own options, whose hooks still run on a miss and are skipped by a hit", async () => {
    const first = await get('/spread');
    const second = await get('/spread');
    expect(second).toMatchObject({ cache: 'hit', body: first.body });
    expect(validated).toBe(1);
  });

  it('keeps the serialized JSON of an object a handler returns', async () => {
    const first = await get('/json');
    const second = await get('/json');
    expect(JSON.parse(first.body)).toMatchObject({ run: expect.any(Number) });
    expect(second).toMatchObject({ cache: 'hit', body: first.body });
  });
});
