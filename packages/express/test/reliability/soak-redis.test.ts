/** Suite 6 on Redis: the demo pointed at a private redis-server with VESSEL_URL. */
import { afterAll, beforeAll, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../../test-support/private-redis.js';
import { DURATION_S, soakDemo } from './soak.js';

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.dispose();
});

it(
  `the demo on redis: ${DURATION_S} s of mixed traffic at a fixed rate, 0 errors, flat memory and descriptors`,
  async () => {
    await soakDemo('redis', { VESSEL_URL: redis.url });
  },
  (DURATION_S + 60) * 1000,
);
