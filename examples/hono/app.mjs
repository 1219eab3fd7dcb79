// A visit counter with login / logout and a cached /news page on Hono, in SQLite under ./data (Vessel's default).
// Run: npm run build && node examples/hono/app.mjs, then open the printed URL (ada / lovelace).
// PORT picks the port (0: any free one); SESSION_SECRET the secret (else a development one).
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createVessel, developmentSecret } from '@vessel/core';
import { cacheResponse, session } from '@vessel/hono';
import { Hono } from 'hono';
import { html } from 'hono/html';

/** Users and passwords; a real app asks its database (and stores password hashes). */
const USERS = new Map([['ada', 'lovelace']]);

/** The app over `vessel`'s sessions. */
export function createApp(vessel) {
  const app = new Hono();
  app.use(session({ vessel }));

  app.get('/', async (c) => {
    const s = c.get('session');
    const views = (s.get('views') ?? 0) + 1;
    s.set('views', views);
    // Vessel saves what you ask it to (Beaker's `auto = false`); `session: { auto: true }` saves at the end.
    await s.save();
    const user = s.get('user');
    // `html` escapes what it interpolates.
    return c.html(html`<p>${views} view${views === 1 ? '' : 's'} in this session.</p>
      ${user ? html`<p>Hello ${user}</p><form method="post" action="/logout"><button>Log out</button></form>` : html`<p><a href="/login">Log in</a></p>`}`);
  });

  app.get('/login', async (c) => {
    const s = c.get('session');
    const message = s.get('message') ?? '';
    if (s.delete('message')) await s.save();
    return c.html(html`<p>${message}</p><form method="post" action="/login">
      <input name="name"> <input name="password" type="password"> <button>Log in</button></form>`);
  });

  app.post('/login', async (c) => {
    const s = c.get('session');
    const { name, password } = await c.req.parseBody();
    if (typeof name !== 'string' || USERS.get(name) !== password) {
      s.set('message', 'Invalid username/password');
      await s.save();
      return c.redirect('/login');
    }
    // A fresh id at login: an id planted before login (fixation) is worth nothing afterwards.
    await s.regenerate();
    s.set('user', name);
    await s.save();
    return c.redirect('/');
  });

  app.post('/logout', async (c) => {
    await c.get('session').destroy();
    return c.redirect('/');
  });
  // The same page for every anonymous visitor for 10 s, built once however many ask at once
  // (signed-in visitors, who carry a session cookie, always get theirs fresh).
  let editions = 0;
  app.get('/news', cacheResponse(vessel, { expire: 10 }), (c) =>
    c.html(html`<p>Edition ${++editions}, printed ${new Date().toISOString()}</p>`),
  );
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const vessel = createVessel({
    cacheDir: './data',
    session: { secret: process.env.SESSION_SECRET ?? developmentSecret() },
  });
  await vessel.ready();
  const server = serve({ fetch: createApp(vessel).fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
    console.log(`hono example on http://localhost:${info.port}/ (log in as ada / lovelace)`);
  });
  const stop = () => server.close(() => void vessel.close());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
