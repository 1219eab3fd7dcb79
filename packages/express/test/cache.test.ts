import { createVessel, type Vessel } from '@vessel/core';
import { cache, cacheResponse, session } from '@vessel/express';
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SECRET } from './support.js';

describe('cache middleware', () => {
  let vessel: Vessel;
  beforeEach(() => {
    vessel = createVessel({
      type: 'memory',
      session: { secret: SECRET },
      cache: { regions: { short_term: { expire: 60 } } },
    });
  });
  afterEach(async () => {
    await vessel.close();
  });

  it('puts the cache manager on req.cache', async () => {
    const app = express();
    let creations = 0;
    app.use(cache(vessel));
    app.get('/user/:id', async (req, res) => {
      const users = req.cache?.getCache('users', { expire: 60 });
      const user = await users?.get(req.params.id, {
        createfunc: async () => {
          creations++;
          return { id: req.params.id };
        },
      });
      res.json(user);
    });
    await request(app).get('/user/ada').expect(200, { id: 'ada' });
    await request(app).get('/user/ada').expect(200, { id: 'ada' });
    expect(creations).toBe(1);
  });

  it('caches whole responses in a region: status, headers that matter, body', async () => {
    const app = express();
    let builds = 0;
    app.get('/report', cacheResponse(vessel, { region: 'short_term' }), (_req, res) => {
      builds++;
      res.status(200).type('text/csv').set('ETag', '"v1"').send(`a,b\n${builds}`);
    });
    // One Host for both: supertest listens on a new port per request, and the default key includes the host.
    const first = await request(app).get('/report').set('Host', 'reports.test').expect(200, 'a,b\n1');
    expect(first.headers['x-vessel-cache']).toBe('miss');
    const responses = vessel.cache.getCache('responses', { region: 'short_term' });
    await vi.waitFor(async () => expect(await responses.has('GET /report\nhost:reports.test')).toBe(true));
    const second = await request(app).get('/report').set('Host', 'reports.test').expect(200, 'a,b\n1');
    expect(second.headers['x-vessel-cache']).toBe('hit');
    expect(second.headers['content-type']).toMatch(/text\/csv/);
    expect(second.headers.etag).toBe('"v1"');
    expect(builds).toBe(1);
  });

  it('never keeps responses that set cookies or fail', async () => {
    const app = express();
    app.use(session({ secret: SECRET, vessel, resave: false, saveUninitialized: true }));
    let builds = 0;
    app.get('/page', cacheResponse(vessel), (_req, res) => {
      builds++;
      res.send('page');
    });
    app.get('/broken', cacheResponse(vessel), (_req, res) => {
      builds++;
      res.status(500).send('broken');
    });
    // One Host for all, or each request would have a key of its own (see above).
    for (const path of ['/page', '/page', '/broken', '/broken']) await request(app).get(path).set('Host', 'site.test');
    expect(builds).toBe(4);
  });
});
