/** The response cache conformance suite (test-support/response-cache-conformance.ts) over Express. */

import { cacheResponse, session } from '@vessel/express';
import express, { type Request, type Response } from 'express';
import { listening } from '../../../test-support/listening.js';
import {
  describeResponseCacheConformance,
  failIfAsked,
  pageBody,
  pagePlan,
  pause,
  type ResponseCacheHarness,
  runCounter,
} from '../../../test-support/response-cache-conformance.js';

type Data = Record<string, unknown>;

describeResponseCacheConformance({
  name: 'express',
  async start(vessel) {
    const app = express();
    const run = runCounter();
    app.use(session({ vessel, resave: false, saveUninitialized: false }));
    app.get('/page', cacheResponse(vessel), async (req: Request, res: Response) => {
      const plan = pagePlan(new URL(req.originalUrl, 'http://x').searchParams);
      await pause(plan.waitMs);
      failIfAsked(req.headers['x-fail']);
      if (plan.login) (req.session as unknown as Data).user = 'someone';
      res
        .status(plan.status)
        .set(plan.headers)
        .send(pageBody(plan, run(), req.headers.host));
    });
    app.post('/page', cacheResponse(vessel), (_req, res) => {
      res.type('text').send(`posted ${run()}`);
    });
    app.get('/mine', cacheResponse(vessel, { perSession: true }), (req, res) => {
      const user = (req.session as unknown as Data).user ?? 'nobody';
      res.set('cache-control', 'private, max-age=60').type('text').send(`${user} ${run()}`);
    });
    app.get('/small', cacheResponse(vessel, { maxBodyBytes: 10 }), (_req, res) => {
      res.type('text').send(`page ${run()}${'x'.repeat(20)}`);
    });
    app.post('/login', (req, res) => {
      (req.session as unknown as Data).user = String(req.query.user);
      res.type('text').send('ok');
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
  cacheResponse: (source, options) => cacheResponse(source, options),
} satisfies ResponseCacheHarness);
