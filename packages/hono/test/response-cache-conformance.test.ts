/** The response cache conformance suite (test-support/response-cache-conformance.ts) over Hono on @hono/node-server. */

import { cacheResponse, type SessionVariables, session } from '@vessel/hono';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  describeResponseCacheConformance,
  failIfAsked,
  pageBody,
  pagePlan,
  pause,
  type ResponseCacheHarness,
  runCounter,
} from '../../../test-support/response-cache-conformance.js';
import { listen } from './support.js';

describeResponseCacheConformance({
  name: 'hono',
  async start(vessel) {
    const app = new Hono<{ Variables: SessionVariables }>();
    const run = runCounter();
    // The suite makes handlers fail on purpose: answered quietly, as an app's own error handler would.
    app.onError((_error, c) => c.text('failed', 500));
    app.use(session({ vessel }));
    app.get('/page', cacheResponse(vessel), async (c) => {
      const plan = pagePlan(new URL(c.req.url).searchParams);
      await pause(plan.waitMs);
      failIfAsked(c.req.header('x-fail'));
      if (plan.login) c.get('session').set('user', 'someone');
      return c.body(pageBody(plan, run(), c.req.header('host')), plan.status as ContentfulStatusCode, plan.headers);
    });
    app.post('/page', cacheResponse(vessel), (c) => c.text(`posted ${run()}`));
    app.get('/mine', cacheResponse(vessel, { perSession: true }), (c) => {
      const user = c.get('session').get<string>('user') ?? 'nobody';
      c.header('cache-control', 'private, max-age=60');
      return c.text(`${user} ${run()}`);
    });
    app.get('/small', cacheResponse(vessel, { maxBodyBytes: 10 }), (c) => c.text(`page ${run()}${'x'.repeat(20)}`));
    app.post('/login', (c) => {
      c.get('session').set('user', c.req.query('user'));
      return c.text('ok');
    });
    return listen(app.fetch);
  },
  cacheResponse: (source, options) => cacheResponse(source, options),
} satisfies ResponseCacheHarness);
