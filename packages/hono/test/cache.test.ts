/** `cache()`: the cache manager at `c.get('cache')`. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel } from '@vessel/core';
import { type CacheVariables, cache } from '@vessel/hono';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Served } from './support.js';

let cacheDir: string;
let vessel: Vessel;
const servers: Served[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-hono-cache-'));
  vessel = createVessel({ cacheDir });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await vessel.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('cache()', () => {
  it.each([
    { given: 'a vessel', name: 'from-vessel', middleware: () => cache(vessel) },
    { given: 'a cache manager', name: 'from-manager', middleware: () => cache(vessel.cache) },
  ])(
    "given $given, puts the vessel's cache manager at c.get('cache'); a cached value is made once",
    async ({ name, middleware }) => {
      let computed = 0;
      const app = new Hono<{ Variables: CacheVariables }>();
      app.use(middleware());
      app.get('/report', async (c) => {
        const reports = c.get('cache').getCache(`reports-${name}`, { expire: 60 });
        const report = await reports.get('daily', { createfunc: async () => `report ${++computed}` });
        return c.text(`${report}; same manager: ${c.get('cache') === vessel.cache}`);
      });
      const served = await listen(app.fetch);
      servers.push(served);
      expect(await (await fetch(`${served.url}/report`)).text()).toBe('report 1; same manager: true');
      expect(await (await fetch(`${served.url}/report`)).text()).toBe('report 1; same manager: true');
    },
  );
});
