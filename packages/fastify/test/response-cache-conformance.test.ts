/** The response cache conformance suite (test-support/response-cache-conformance.ts) over Fastify. */

import { cacheResponse, fastifySession } from '@vessel/fastify';
import Fastify from 'fastify';
import {
  describeResponseCacheConformance,
  failIfAsked,
  pageBody,
  pagePlan,
  pause,
  type ResponseCacheHarness,
  runCounter,
} from '../../../test-support/response-cache-conformance.js';

describeResponseCacheConformance({
  name: 'fastify',
  async start(vessel) {
    const app = Fastify();
    const run = runCounter();
    await app.register(fastifySession, { vessel });
    app.get('/page', cacheResponse(vessel), async (request, reply) => {
      const plan = pagePlan(new URL(request.url, 'http://x').searchParams);
      await pause(plan.waitMs);
      failIfAsked(request.headers['x-fail']);
      if (plan.login) request.session.set('user', 'someone');
      return reply
        .code(plan.status)
        .headers(plan.headers)
        .send(pageBody(plan, run(), request.headers.host));
    });
    app.post('/page', cacheResponse(vessel), async (_request, reply) =>
      reply.type('text/plain').send(`posted ${run()}`),
    );
    app.get('/mine', cacheResponse(vessel, { perSession: true }), async (request, reply) => {
      const user = request.session.get<string>('user') ?? 'nobody';
      return reply.header('cache-control', 'private, max-age=60').type('text/plain').send(`${user} ${run()}`);
    });
    app.get('/small', cacheResponse(vessel, { maxBodyBytes: 10 }), async (_request, reply) =>
      reply.type('text/plain').send(`page ${run()}${'x'.repeat(20)}`),
    );
    app.post<{ Querystring: { user: string } }>('/login', async (request, reply) => {
      request.session.set('user', request.query.user);
      return reply.type('text/plain').send('ok');
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  cacheResponse: (source, options) => cacheResponse(source, options),
} satisfies ResponseCacheHarness);
