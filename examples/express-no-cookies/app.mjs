// Sessions without cookies (Beaker's use_cookies = False): the id travels in an X-Session-Id
// header or a ?session= URL token, and the app hands the (possibly new) id back itself.
import { fileURLToPath } from 'node:url';
import session from '@vessel/express';
import express from 'express';

export function createApp(sessionOptions = {}) {
  const app = express();
  app.use(
    session({
      // No cookie, so nothing to sign: the id is 192 random bits, unguessable on its own.
      sessionId: (req) => req.get('X-Session-Id') ?? req.query.session,
      cacheDir: './data',
      resave: false,
      saveUninitialized: false,
      ...sessionOptions,
    }),
  );
  app.post('/fred', (req, res) => {
    req.session.fred = 42;
    // A new session's id is read back after the request: here, in a header.
    res.set('X-Session-Id', req.sessionID).json({ isNew: req.session.isNew });
  });
  app.get('/fred', (req, res) => res.set('X-Session-Id', req.sessionID).json({ fred: req.session.fred ?? null }));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`no-cookie example on http://localhost:${server.address().port}/fred (send X-Session-Id)`);
  });
}
