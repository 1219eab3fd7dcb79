/**
 * Hono's `cacheResponse` where Hono differs from the other frameworks (the shared rules are in
 * response-cache-conformance.test.ts): event streams, bodies read from a clone.
 */

import { createVessel, type Vessel } from '@vessel/core';
import { cacheResponse } from '@vessel/hono';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Served } from './support.js';

let vessel: Vessel;
let served: Served;
let runs = 0;

/** A body that sends one chunk and then nothing, until the client goes away. */
function endless(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

/** The status, X-Vessel-Cache and first chunk of a GET, then hangs up; gives up after 10 s (far past any answer here). */
async function firstChunk(path: string): Promise<{ cache: string | null; chunk: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    const response = await fetch(served.url + path, { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    abort.abort();
    return { cache: response.headers.get('x-vessel-cache'), chunk: new TextDecoder().decode(value) };
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  vessel = createVessel({ type: 'memory', session: { secret: 'hono cache-response test secret, 32 bytes+' } });
  const app = new Hono();
  app.get('/events', cacheResponse(vessel), () => {
    const stream = endless(`data: ${++runs}\n\n`);
    return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
  });
  app.get('/big', cacheResponse(vessel, { maxBodyBytes: 16 }), () => new Response(endless(`${++runs} `.repeat(20))));
  app.get('/streamed', cacheResponse(vessel), () => {
    const text = `streamed ${++runs}`;
    return new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text.slice(0, 4)));
          controller.enqueue(new TextEncoder().encode(text.slice(4)));
          controller.close();
        },
      }),
      { headers: { 'content-type': 'text/plain' } },
    );
  });
  app.get('/already-read', cacheResponse(vessel), async () => {
    const response = new Response(`read ${++runs}`);
    await response.text();
    return response;
  });
  served = await listen(app.fetch);
});
afterAll(async () => {
  await served?.close();
  await vessel?.close();
});

describe('Hono cacheResponse', () => {
  it('serves an event stream at once and never waits for it to end, nor keeps it', async () => {
    const first = await firstChunk('/events');
    const second = await firstChunk('/events');
    expect(first).toMatchObject({ cache: 'miss', chunk: expect.stringMatching(/^data: \d+/) });
    expect(second.cache).toBe('pass');
    expect(second.chunk).not.toBe(first.chunk);
  });

  it('stops reading a body past maxBodyBytes, serves it whole, and keeps nothing', async () => {
    const first = await firstChunk('/big');
    const second = await firstChunk('/big');
    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('pass');
  });

  it('answers a route whose Response body was already read, and leaves no creation holding the key', async () => {
    const first = await fetch(`${served.url}/already-read`, { signal: AbortSignal.timeout(10_000) });
    await first.arrayBuffer().catch(() => {});
    const second = await fetch(`${served.url}/already-read`, { signal: AbortSignal.timeout(10_000) });
    await second.arrayBuffer().catch(() => {});
    expect(second.headers.get('x-vessel-cache')).not.toBe('hit');
  });

  it('keeps a streamed body that ends, as the client received it', async () => {
    const first = await fetch(`${served.url}/streamed`);
    const firstBody = await first.text();
    const second = await fetch(`${served.url}/streamed`);
    expect(firstBody).toMatch(/^streamed \d+$/);
    expect(second.headers.get('x-vessel-cache')).toBe('hit');
    expect(await second.text()).toBe(firstBody);
  });
});
