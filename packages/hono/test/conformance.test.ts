/** The adapter conformance suite (test-support/adapter-conformance.ts) over Hono on @hono/node-server. */

import { randomBytes } from 'node:crypto';
import type { Session } from '@vessel/core';
import { type LazySessionVariables, session } from '@vessel/hono';
import { type Context, Hono } from 'hono';
import { type AdapterHarness, describeAdapterConformance } from '../../../test-support/adapter-conformance.js';
import { listen } from './support.js';

type App = { Variables: LazySessionVariables };

/** The request's session: `loadSession()` works in both modes (in eager mode it is already loaded). */
const sessionOf = (c: Context<App>): Promise<Session> => c.get('loadSession')();

const harness: AdapterHarness = {
  name: 'hono',
  async start({ vessel, lazy }) {
    const app = new Hono<App>();
    app.use(session({ vessel, lazy }));
    app.get('/untouched', (c) => c.text('ok'));
    app.get('/count', async (c) => {
      const s = await sessionOf(c);
      const count = (s.get<number>('count') ?? 0) + 1;
      s.set('count', count);
      await s.save();
      return c.text(String(count));
    });
    app.get('/set/:key', async (c) => {
      const s = await sessionOf(c);
      s.set(c.req.param('key'), true);
      await s.save();
      return c.text('ok');
    });
    app.get('/keys', async (c) => c.text(JSON.stringify((await sessionOf(c)).keys().sort())));
    app.post('/login', async (c) => {
      const s = await sessionOf(c);
      await s.regenerate();
      s.set('user', c.req.query('user'));
      await s.save();
      return c.text('ok');
    });
    app.post('/logout', async (c) => {
      await (await sessionOf(c)).destroy();
      return c.text('ok');
    });
    app.get('/whoami', async (c) => c.text((await sessionOf(c)).get<string>('user') ?? 'nobody'));
    app.post('/flash', async (c) => {
      const s = await sessionOf(c);
      s.set('flash', [...(s.get<string[]>('flash') ?? []), c.req.query('message')]);
      await s.save();
      return c.text('ok');
    });
    app.get('/flashes', async (c) => {
      const s = await sessionOf(c);
      const messages = s.get<string[]>('flash') ?? [];
      if (s.delete('flash')) await s.save();
      return c.text(JSON.stringify(messages));
    });
    app.post('/lang', async (c) => {
      const s = await sessionOf(c);
      s.set('lang', c.req.query('lang'));
      await s.save();
      return c.text('ok');
    });
    app.get('/lang', async (c) => c.text((await sessionOf(c)).get<string>('lang') ?? 'en'));
    app.get('/form', async (c) => {
      const s = await sessionOf(c);
      let token = s.get<string>('csrf');
      if (token === undefined) {
        token = randomBytes(18).toString('base64url');
        s.set('csrf', token);
        await s.save();
      }
      return c.text(token);
    });
    app.post('/form', async (c) => {
      const token = (await sessionOf(c)).get('csrf');
      if (typeof token !== 'string' || c.req.query('token') !== token) return c.text('forbidden', 403);
      return c.text(`accepted: ${c.req.query('text')}`);
    });
    return listen(app.fetch);
  },
};

describeAdapterConformance(harness);
