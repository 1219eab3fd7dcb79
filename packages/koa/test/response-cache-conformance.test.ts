/** The response cache conformance suite (test-support/response-cache-conformance.ts) over Koa 3 and Koa 2. */

import { cacheResponse, session } from '@vessel/koa';
import Koa, { type Context, type Next } from 'koa';
import Koa2 from 'koa2';
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

type Middleware = (ctx: Context, next: Next) => Promise<void>;

/** The harness over `Application`: Koa 3, or Koa 2 (the peer range both). */
const harnessOver = (name: string, Application: typeof Koa): ResponseCacheHarness => ({
  name,
  async start(vessel) {
    const app = new Application();
    app.silent = true;
    const run = runCounter();
    app.use(session({ vessel }));
    const routes = new Map<string, Middleware[]>([
      [
        'GET /page',
        [
          cacheResponse(vessel),
          async (ctx) => {
            const plan = pagePlan(new URLSearchParams(ctx.querystring));
            await pause(plan.waitMs);
            failIfAsked(ctx.get('x-fail'));
            if (plan.login) ctx.session.user = 'someone';
            ctx.status = plan.status;
            ctx.set(plan.headers);
            ctx.body = pageBody(plan, run(), ctx.get('host'));
          },
        ],
      ],
      [
        'POST /page',
        [
          cacheResponse(vessel),
          async (ctx) => {
            ctx.type = 'text/plain';
            ctx.body = `posted ${run()}`;
          },
        ],
      ],
      [
        'GET /mine',
        [
          cacheResponse(vessel, { perSession: true }),
          async (ctx) => {
            ctx.set('cache-control', 'private, max-age=60');
            ctx.type = 'text/plain';
            ctx.body = `${ctx.session.user ?? 'nobody'} ${run()}`;
          },
        ],
      ],
      [
        'GET /small',
        [
          cacheResponse(vessel, { maxBodyBytes: 10 }),
          async (ctx) => {
            ctx.type = 'text/plain';
            ctx.body = `page ${run()}${'x'.repeat(20)}`;
          },
        ],
      ],
      [
        'POST /login',
        [
          async (ctx) => {
            ctx.session.user = String(ctx.query.user);
            ctx.type = 'text/plain';
            ctx.body = 'ok';
          },
        ],
      ],
    ]);
    // HEAD goes where GET goes, as routers do.
    app.use(async (ctx, next) => {
      const chain = routes.get(`${ctx.method === 'HEAD' ? 'GET' : ctx.method} ${ctx.path}`);
      if (chain === undefined) return next();
      const [first, second] = chain as [Middleware, Middleware | undefined];
      await first(ctx, second ? () => second(ctx, async () => {}) : next);
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
  cacheResponse: (source, options) => cacheResponse(source, options),
});

describeResponseCacheConformance(harnessOver('koa', Koa));
describeResponseCacheConformance(harnessOver('koa 2', Koa2));
