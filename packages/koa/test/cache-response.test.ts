/**
 * Koa's `cacheResponse` where Koa differs from the other frameworks (the shared rules are in
 * response-cache-conformance.test.ts): what `ctx.body` can be, and the chain after it.
 */

import { Readable } from 'node:stream';
import { cacheResponse } from '@vessel/koa';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Served, serve, tempVessel } from './support.js';

let temp: Awaited<ReturnType<typeof tempVessel>>;
let served: Served;
let runs = 0;

async function get(path: string): Promise<{ status: number; body: string; cache: string | null; type: string | null }> {
  const response = await fetch(served.url + path);
  return {
    status: response.status,
    body: await response.text(),
    cache: response.headers.get('x-vessel-cache'),
    type: response.headers.get('content-type'),
  };
}

beforeAll(async () => {
  temp = await tempVessel();
  const app = new Koa();
  // Mounted for the whole app: it caches every GET after it, as a router would for one route.
  app.use(cacheResponse(temp.vessel));
  app.use(async (ctx) => {
    if (ctx.path === '/stream') ctx.body = Readable.from([`stream ${++runs}`]);
    else if (ctx.path === '/json') ctx.body = { run: ++runs };
    // JSON cannot write a BigInt: Koa answers 500 when it sends the body.
    else if (ctx.path === '/unserializable') ctx.body = { run: BigInt(++runs) };
    else if (ctx.path === '/buffer') {
      ctx.type = 'application/octet-stream';
      ctx.body = Buffer.from([0, 1, 2, ++runs % 256]);
    }
  });
  served = await serve(app);
});
afterAll(async () => {
  await served?.close();
  await temp?.dispose();
});

describe('Koa cacheResponse', () => {
  it('serves a stream body and never keeps it', async () => {
    const first = await get('/stream');
    const second = await get('/stream');
    expect(first).toMatchObject({ status: 200, cache: 'miss' });
    expect(first.body).toMatch(/^stream \d+$/);
    expect(second.cache).toBe('pass');
    expect(second.body).not.toBe(first.body);
  });

  it('keeps an object body as the JSON Koa sent, with its type', async () => {
    const first = await get('/json');
    const second = await get('/json');
    expect(second).toMatchObject({ cache: 'hit', body: first.body });
    expect(second.type).toMatch(/^application\/json/);
  });

  it("answers a body Koa cannot serialize with Koa's 500, never a request left hanging", async () => {
    const first = await fetch(`${served.url}/unserializable`, { signal: AbortSignal.timeout(10_000) });
    expect(first.status).toBe(500);
    const second = await fetch(`${served.url}/unserializable`, { signal: AbortSignal.timeout(10_000) });
    expect(second.status).toBe(500);
  });

  it('keeps a Buffer body byte for byte', async () => {
    const first = await fetch(`${served.url}/buffer`);
    const bytes = Buffer.from(await first.arrayBuffer());
    const second = await fetch(`${served.url}/buffer`);
    expect(second.headers.get('x-vessel-cache')).toBe('hit');
    expect(Buffer.from(await second.arrayBuffer())).toEqual(bytes);
  });

  it('leaves a 404 (no route answered) unkept', async () => {
    expect((await get('/nothing')).status).toBe(404);
    expect(await get('/nothing')).toMatchObject({ status: 404, cache: 'pass' });
  });
});
