// Koa with Vessel sessions: a visit counter, login / logout (a new session id at login), and a cached /news page.
// Run: npm run build, then node examples/koa/app.mjs (PORT, default 3000; sessions in SQLite under ./data).
import { fileURLToPath } from 'node:url';
import { createVessel, developmentSecret, secretFromEnv } from '@vessel/core';
import { cacheResponse, session } from '@vessel/koa';
import Koa from 'koa';

/** Users and passwords; a real app asks its database (and stores password hashes). */
const USERS = new Map([['ada', 'lovelace']]);

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The request body of a small form (`application/x-www-form-urlencoded`), without a body parser. */
async function readForm(ctx, limit = 10_000) {
  let body = '';
  for await (const chunk of ctx.req) {
    body += chunk;
    if (body.length > limit) ctx.throw(413, 'form too large');
  }
  return new URLSearchParams(body);
}

/** The app over `vessel`'s sessions. */
export function createApp(vessel) {
  const app = new Koa();
  app.use(session({ vessel }));
  // The same page for every anonymous visitor for 10 s, built once however many ask at once
  // (signed-in visitors, who carry a session cookie, always get theirs fresh).
  const news = cacheResponse(vessel, { expire: 10 });
  let editions = 0;
  app.use((ctx, next) => (ctx.path === '/news' ? news(ctx, next) : next()));
  app.use(async (ctx) => {
    const route = `${ctx.method} ${ctx.path}`;
    if (route === 'GET /') {
      ctx.session.views = (ctx.session.views ?? 0) + 1;
      const message = ctx.session.message ?? '';
      delete ctx.session.message;
      const who = ctx.session.user
        ? `Hello ${escapeHtml(ctx.session.user)}. <form method="post" action="/logout"><button>Log out</button></form>`
        : '<a href="/login">Log in</a>';
      ctx.type = 'html';
      ctx.body = `<p>${escapeHtml(message)}</p><p>${ctx.session.views} views</p>${who}`;
    } else if (route === 'GET /login') {
      ctx.type = 'html';
      ctx.body = `<form method="post" action="/login">
        <input name="name"> <input name="password" type="password"> <button>Log in</button></form>`;
    } else if (route === 'POST /login') {
      const form = await readForm(ctx);
      const name = form.get('name') ?? '';
      if (USERS.get(name) !== form.get('password')) {
        ctx.session.message = 'Invalid username/password';
        ctx.redirect('/login');
        return;
      }
      // A fresh id at login: an id planted before login (fixation) is worth nothing afterwards.
      await ctx.regenerateSession();
      ctx.session.user = name;
      ctx.session.message = `Logged in as ${name}`;
      ctx.redirect('/');
    } else if (route === 'GET /news') {
      ctx.type = 'html';
      ctx.body = `<p>Edition ${++editions}, printed ${new Date().toISOString()}</p>`;
    } else if (route === 'POST /logout') {
      // Ends the session: its record is deleted and its cookie cleared.
      ctx.session = null;
      ctx.redirect('/');
    }
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const secret = process.env.SESSION_SECRET === undefined ? developmentSecret() : secretFromEnv();
  const vessel = createVessel({ cacheDir: './data', session: { secret, timeout: '30m', maxLifetime: '12h' } });
  await vessel.ready();
  const server = createApp(vessel).listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`koa example on http://localhost:${server.address().port}/ (ada / lovelace)`);
  });
  process.once('SIGTERM', () => server.close(() => vessel.close()));
}
