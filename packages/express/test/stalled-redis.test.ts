import { createStorage } from '@vessel/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../test-support/private-redis.js';
import { cookieOf, createApp, SECRET } from './support.js';

describe('a frozen Redis under the session middleware', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await redis.dispose();
  });

  it('answers 503 at once beyond maxInFlight waiting requests, and at once for all once the breaker trips', async () => {
    const storage = createStorage({
      url: redis.url,
      prefix: 'stalled',
      timeoutMs: 1000,
      breaker: { failureThreshold: 5, coolDownMs: 60_000, maxInFlight: 20 },
    });
    const app = createApp({ secret: SECRET, storage, resave: false, saveUninitialized: false }, (req, res) => {
      (req.session as unknown as { visits?: number }).visits = 1;
      res.end('ok');
    });
    const server = app.listen(0);
    try {
      const cookie = cookieOf(await request(server).get('/').expect(200));
      redis.pause();
      try {
        const started = Date.now();
        const answers = await Promise.all(
          Array.from({ length: 100 }, async () => {
            const response = await request(server).get('/').set('Cookie', cookie);
            return { status: response.status, ms: Date.now() - started };
          }),
        );
        expect(answers.every((answer) => answer.status === 503)).toBe(true);
        // 20 waited out timeoutMs; the other 80 were refused without waiting for Redis.
        expect(answers.filter((answer) => answer.ms < 900).length).toBeGreaterThanOrEqual(80);

        for (let i = 0; i < 10; i++) {
          const before = Date.now();
          await request(server).get('/').set('Cookie', cookie).expect(503);
          expect(Date.now() - before).toBeLessThan(500);
        }
      } finally {
        redis.resume();
      }
    } finally {
      server.close();
      await storage.close();
    }
  });
});
