// The app the storage-outage suite runs in a child process (so a crash shows as an exit, not a
// failed test): Express 5, `session()` on Vessel storage and a cache region, on the storage
// VESSEL_URL names with VESSEL_TIMEOUT_MS as its timeout. No 'uncaughtException' or
// 'unhandledRejection' handler: either would end the process with a non-zero status, which
// the suite asserts against. Prints `listening <port>` once it accepts requests; SIGTERM closes
// the server and the storage and exits 0.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createVessel, StorageUnavailableError } from '@vessel/core';
import session, { cache, cacheResponse } from '@vessel/express';
import express from 'express';

const vessel = createVessel({
  url: process.env.VESSEL_URL,
  prefix: process.env.VESSEL_PREFIX,
  timeoutMs: Number(process.env.VESSEL_TIMEOUT_MS),
  session: { secret: 'outage suite secret, 32 bytes or more' },
  cache: { regions: { short_term: { expire: 1 } } },
});

const app = express();
// Answered without the storage: proves the process is up while the storage is not.
app.get('/health', (_req, res) => res.send('ok'));
app.use(session({ vessel, resave: false, saveUninitialized: false, cookie: { maxAge: 600_000 } }));
app.use(cache(vessel));

app.post('/login/:user', (req, res) => {
  req.session.user = req.params.user;
  req.session.hits = 0;
  res.json({ user: req.session.user, hits: 0 });
});

// The page a signed-in client sees; a fresh session would show `user: null` here.
app.get('/me', async (req, res) => {
  if (!req.session.user) return res.json({ user: null });
  req.session.hits += 1;
  // A cache read on every page: a cache region under the same outage.
  const greeting = await req.cache
    .getCache('greetings', { region: 'short_term' })
    .get(req.session.user, { createfunc: async () => `hello ${req.session.user}` });
  res.json({ user: req.session.user, hits: req.session.hits, greeting });
});

// A page shared by everyone (nothing per user in it), kept whole in the cache region for 1 s:
// the session is still loaded first, and the cached copy is read from the same storage.
app.get('/report', cacheResponse(vessel, { region: 'short_term' }), (_req, res) => {
  res.json({ report: 'sessions per hour', builtAt: Date.now() });
});

// A storage outage is a StorageUnavailableError with status 503; anything else is a bug (logged).
app.use((err, _req, res, _next) => {
  if (!(err instanceof StorageUnavailableError)) console.error(err);
  if (res.headersSent) return res.destroy();
  res
    .status(err.status ?? 500)
    .set('Retry-After', '1')
    .json({ error: err.message });
});

const server = createServer(app).listen(0, '127.0.0.1');
await once(server, 'listening');
console.log(`listening ${server.address().port}`);

process.once('SIGTERM', async () => {
  server.close();
  server.closeAllConnections();
  await once(server, 'close');
  await vessel.close();
  process.exit(0);
});
