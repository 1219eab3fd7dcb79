// Flash messages: a message stored in the session, shown once on the next page, then gone.
import { fileURLToPath } from 'node:url';
import { developmentSecret } from '@vessel/core';
import session from '@vessel/express';
import express from 'express';

/** Queues `message` for the next page this session shows. */
export function flash(req, message) {
  req.session.flash = [...(req.session.flash ?? []), message];
}

/** The queued messages, removed from the session (so each shows once). */
export function takeFlash(req) {
  const messages = req.session.flash ?? [];
  delete req.session.flash;
  return messages;
}

export function createApp(sessionOptions = {}) {
  const app = express();
  app.use(
    session({
      secret: process.env.SESSION_SECRET ?? developmentSecret(),
      cacheDir: './data',
      resave: false,
      saveUninitialized: false,
      ...sessionOptions,
    }),
  );
  app.post('/items', (req, res) => {
    flash(req, 'Item saved');
    res.redirect('/items');
  });
  app.get('/items', (req, res) => res.json({ flash: takeFlash(req) }));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`flash example on http://localhost:${server.address().port}/items (POST /items to flash)`);
  });
}
