/** The adapter conformance suite (test-support/adapter-conformance.ts) over Fastify. */

import { randomBytes } from 'node:crypto';
import { fastifySession } from '@vessel/fastify';
import Fastify, { type FastifyRequest, type Session } from 'fastify';
import { type AdapterHarness, describeAdapterConformance } from '../../../test-support/adapter-conformance.js';

declare module 'fastify' {
  interface Session {
    count?: number;
    user?: string;
    flash?: string[];
    lang?: string;
    csrf?: string;
  }
}

interface Query {
  user?: string;
  message?: string;
  lang?: string;
  token?: string;
  text?: string;
}

const harness: AdapterHarness = {
  name: 'fastify',
  async start({ vessel, lazy }) {
    const app = Fastify();
    await app.register(fastifySession, { vessel, lazy });
    /** The request's session (loaded first in lazy mode). */
    const sessionOf = async (request: FastifyRequest): Promise<Session> =>
      lazy ? request.loadSession() : request.session;
    const query = (request: FastifyRequest) => request.query as Query;

    app.get('/untouched', async (_request, reply) => reply.type('text/plain').send('ok'));
    app.get('/count', async (request, reply) => {
      const session = await sessionOf(request);
      session.count = (session.count ?? 0) + 1;
      return reply.type('text/plain').send(String(session.count));
    });
    app.get<{ Params: { key: string } }>('/set/:key', async (request, reply) => {
      (await sessionOf(request)).set(request.params.key, true);
      return reply.type('text/plain').send('ok');
    });
    app.get('/keys', async (request, reply) => {
      const keys = Object.keys(await sessionOf(request));
      return reply.type('text/plain').send(JSON.stringify(keys.sort()));
    });
    app.post('/login', async (request, reply) => {
      await (await sessionOf(request)).regenerate();
      request.session.user = String(query(request).user);
      return reply.type('text/plain').send('ok');
    });
    app.post('/logout', async (request, reply) => {
      await (await sessionOf(request)).destroy();
      return reply.type('text/plain').send('ok');
    });
    app.get('/whoami', async (request, reply) =>
      reply.type('text/plain').send((await sessionOf(request)).user ?? 'nobody'),
    );
    app.post('/flash', async (request, reply) => {
      const session = await sessionOf(request);
      session.flash = [...(session.flash ?? []), String(query(request).message)];
      return reply.type('text/plain').send('ok');
    });
    app.get('/flashes', async (request, reply) => {
      const session = await sessionOf(request);
      const messages = session.flash ?? [];
      delete session.flash;
      return reply.type('text/plain').send(JSON.stringify(messages));
    });
    app.post('/lang', async (request, reply) => {
      (await sessionOf(request)).lang = String(query(request).lang);
      return reply.type('text/plain').send('ok');
    });
    app.get('/lang', async (request, reply) => reply.type('text/plain').send((await sessionOf(request)).lang ?? 'en'));
    app.get('/form', async (request, reply) => {
      const session = await sessionOf(request);
      session.csrf ??= randomBytes(18).toString('base64url');
      return reply.type('text/plain').send(session.csrf);
    });
    app.post('/form', async (request, reply) => {
      const session = await sessionOf(request);
      const { token, text } = query(request);
      if (typeof session.csrf !== 'string' || token !== session.csrf) {
        return reply.code(403).type('text/plain').send('forbidden');
      }
      return reply.type('text/plain').send(`accepted: ${String(text)}`);
    });
    // No error handler of the app's own: Fastify's default answers an outage's 503 from its `status`.
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url,
      async close() {
        await app.close();
      },
    };
  },
};

describeAdapterConformance(harness);
