import { listening } from '../../../test-support/listening.js';
/** The adapter conformance suite (test-support/adapter-conformance.ts) over Koa 3 and Koa 2. */

import { randomBytes } from 'node:crypto';
import { session } from '@vessel/koa';
import Koa, { type ParameterizedContext } from 'koa';
import Koa2 from 'koa2';
import { type AdapterHarness, describeAdapterConformance } from '../../../test-support/adapter-conformance.js';

declare module '@vessel/koa' {
  interface SessionData {
    count?: number;
    user?: string;
    flash?: string[];
    lang?: string;
    csrf?: string;
  }
}

type Handler = (ctx: ParameterizedContext) => Promise<void>;

/** The harness over `Application`: Koa 3, or Koa 2 (the peer range both). */
const harnessOver = (name: string, Application: typeof Koa): AdapterHarness => ({
  name,
  async start({ vessel, lazy }) {
    const app = new Application();
    // Outages are logged by Koa's default error handler; the suite causes them on purpose.
    app.silent = true;
    app.use(session({ vessel, lazy }));
    /** The request's session (loaded first in lazy mode). */
    const data = async (ctx: ParameterizedContext) => (lazy ? await ctx.loadSession() : ctx.session);
    const text = (ctx: ParameterizedContext, body: string) => {
      ctx.type = 'text/plain';
      ctx.body = body;
    };
    const routes = new Map<string, Handler>([
      ['GET /untouched', async (ctx) => text(ctx, 'ok')],
      [
        'GET /count',
        async (ctx) => {
          const s = await data(ctx);
          s.count = (s.count ?? 0) + 1;
          text(ctx, String(s.count));
        },
      ],
      ['GET /keys', async (ctx) => text(ctx, JSON.stringify(Object.keys(await data(ctx)).sort()))],
      [
        'POST /login',
        async (ctx) => {
          await data(ctx);
          await ctx.regenerateSession();
          ctx.session.user = String(ctx.query.user);
          text(ctx, 'ok');
        },
      ],
      [
        'POST /logout',
        async (ctx) => {
          await data(ctx);
          ctx.session = null;
          text(ctx, 'ok');
        },
      ],
      ['GET /whoami', async (ctx) => text(ctx, (await data(ctx)).user ?? 'nobody')],
      [
        'POST /flash',
        async (ctx) => {
          const s = await data(ctx);
          s.flash = [...(s.flash ?? []), String(ctx.query.message)];
          text(ctx, 'ok');
        },
      ],
      [
        'GET /flashes',
        async (ctx) => {
          const s = await data(ctx);
          const messages = s.flash ?? [];
          delete s.flash;
          text(ctx, JSON.stringify(messages));
        },
      ],
      [
        'POST /lang',
        async (ctx) => {
          (await data(ctx)).lang = String(ctx.query.lang);
          text(ctx, 'ok');
        },
      ],
      ['GET /lang', async (ctx) => text(ctx, (await data(ctx)).lang ?? 'en')],
      [
        'GET /form',
        async (ctx) => {
          const s = await data(ctx);
          s.csrf ??= randomBytes(18).toString('base64url');
          text(ctx, s.csrf);
        },
      ],
      [
        'POST /form',
        async (ctx) => {
          const s = await data(ctx);
          if (typeof s.csrf !== 'string' || ctx.query.token !== s.csrf) {
            ctx.status = 403;
            text(ctx, 'forbidden');
            return;
          }
          text(ctx, `accepted: ${String(ctx.query.text)}`);
        },
      ],
    ]);
    app.use(async (ctx) => {
      const set = /^\/set\/([^/]+)$/.exec(ctx.path);
      if (ctx.method === 'GET' && set) {
        (await data(ctx))[decodeURIComponent(set[1] as string)] = true;
        text(ctx, 'ok');
        return;
      }
      const handler = routes.get(`${ctx.method} ${ctx.path}`);
      if (handler) await handler(ctx);
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
});

describeAdapterConformance(harnessOver('koa', Koa));
describeAdapterConformance(harnessOver('koa 2', Koa2));
