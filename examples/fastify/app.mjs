// A counter, a login/logout and a cached /news page on Fastify, with sessions and caches in SQLite under ./data.
// Run: npm run build, then node examples/fastify/app.mjs (PORT to choose the port; SESSION_SECRET
// to keep sessions across restarts), and open the printed URL. Log in as ada / lovelace.
import { fileURLToPath } from 'node:url';
import { createVessel, developmentSecret } from '@vessel/core';
import { cacheResponse, fastifySession, secretFromEnv } from '@vessel/fastify';
import Fastify from 'fastify';

/** Users and passwords; a real app asks its database (and stores password hashes). */
const USERS = new Map([['ada', 'lovelace']]);

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The app over `vessel`'s sessions. */
export async function createApp(vessel) {
  const app = Fastify();
  // HTML forms post application/x-www-form-urlencoded; Fastify parses JSON only by itself.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body))),
  );
  await app.register(fastifySession, { vessel, cookie: { maxAge: 30 * 60_000 } });

  app.get('/', async (request, reply) => {
    const { session } = request;
    session.views = (session.views ?? 0) + 1;
    const who = session.user
      ? `<p>Hello ${escapeHtml(session.user)}.</p><form method="post" action="/logout"><button>Log out</button></form>`
      : `<form method="post" action="/login"><input name="name" placeholder="ada"> <input name="password" type="password" placeholder="lovelace"> <button>Log in</button></form>`;
    const message = session.message ? `<p>${escapeHtml(session.message)}</p>` : '';
    delete session.message;
    return reply.type('text/html').send(`${message}<p>You have seen this page ${session.views} times.</p>${who}`);
  });

  app.post('/login', async (request, reply) => {
    const { name, password } = request.body ?? {};
    if (!USERS.has(name) || USERS.get(name) !== password) {
      request.session.message = 'Invalid username or password';
      return reply.redirect('/', 303);
    }
    // A fresh id at login (keeping the page count): an id planted before login is worth nothing after.
    await request.session.regenerate(['views']);
    request.session.user = name;
    request.session.message = `Logged in as ${name}`;
    return reply.redirect('/', 303);
  });

  app.post('/logout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/', 303);
  });

  // The same page for every anonymous visitor for 10 s, built once however many ask at once
  // (signed-in visitors, who carry a session cookie, always get theirs fresh).
  let editions = 0;
  app.get('/news', cacheResponse(vessel, { expire: 10 }), async (_request, reply) =>
    reply.type('text/html').send(`<p>Edition ${++editions}, printed ${new Date().toISOString()}</p>`),
  );
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const secret = process.env.SESSION_SECRET ? secretFromEnv() : developmentSecret();
  const vessel = createVessel({ cacheDir: './data', session: { secret } });
  await vessel.ready();
  const app = await createApp(vessel);
  const url = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  console.log(`fastify example on ${url}/ (ada / lovelace)`);
  const stop = async () => {
    await app.close();
    await vessel.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
