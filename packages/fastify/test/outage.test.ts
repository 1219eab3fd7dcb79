/**
 * A storage outage after the session loaded: the write at the end of the request (in `onSend`)
 * fails, and the response says so (503, no session cookie) instead of the route's success.
 */

import { createVessel, type Vessel, type VesselOptions } from '@vessel/core';
import { fastifySession } from '@vessel/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../test-support/private-redis.js';
import { listen, pairOf, SECRET, send } from './support.js';

let redis: PrivateRedis;
let vessel: Vessel;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  vessel = createVessel({
    url: redis.url,
    timeoutMs: 500,
    breaker: false,
    session: { secret: SECRET },
  } as VesselOptions);
  await vessel.ready();
  app = Fastify();
  await app.register(fastifySession, { vessel });
  app.get('/count', async (request) => {
    request.session.set('n', (request.session.get<number>('n') ?? 0) + 1);
    return String(request.session.get('n'));
  });
  // The store goes down between the load and the end of the request.
  app.post('/create-then-outage', async (request, reply) => {
    request.session.set('n', 100);
    await redis.stop();
    return reply.code(201).send('created');
  });
  app.post('/save-during-outage', async (request) => {
    request.session.set('n', 100);
    await redis.stop();
    await request.session.save();
    return 'saved';
  });
  app.setErrorHandler((error: { status?: number }, _request, reply) =>
    reply
      .code(error.status ?? 500)
      .type('text/plain')
      .send('error'),
  );
  url = await listen(app);
});
afterAll(async () => {
  await app?.close();
  await vessel?.close();
  await redis?.dispose();
});

/** Waits until the client has reconnected, then answers `/count` for `cookie`. */
async function countOnceBack(cookie: string | undefined): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await send(`${url}/count`, { cookie });
    if (answer.status === 200) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the store did not come back');
}

describe('a storage outage at the end of the request', () => {
  it("turns the route's 201 into a 503, sends no session cookie, and the session is unchanged after", async () => {
    const first = await send(`${url}/count`);
    const cookie = pairOf(first.setCookie, vessel.config.session.key);
    try {
      const answer = await send(`${url}/create-then-outage`, { method: 'POST', cookie });
      expect(answer).toEqual({ status: 503, body: 'error', setCookie: [] });
    } finally {
      await redis.start();
    }
    expect(await countOnceBack(cookie)).toBe('2');
  });

  it("with Fastify's default error handler too: a 503 naming the outage", async () => {
    const plain = Fastify();
    await plain.register(fastifySession, { vessel });
    plain.get('/write-then-outage', async (request) => {
      request.session.set('n', 1);
      await redis.stop();
      return 'written';
    });
    try {
      const answer = await send(`${await listen(plain)}/write-then-outage`);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'VESSEL_STORAGE_UNAVAILABLE' });
      expect(answer.setCookie).toEqual([]);
    } finally {
      await redis.start();
      await plain.close();
    }
  });

  it('an explicit save that fails reaches the error handler as 503', async () => {
    try {
      const answer = await send(`${url}/save-during-outage`, { method: 'POST' });
      expect(answer).toEqual({ status: 503, body: 'error', setCookie: [] });
    } finally {
      await redis.start();
    }
  });
});
