// The language a user chose, kept in the session and applied before every handler
// (the guide's `__before__` reading session['lang']).
import { fileURLToPath } from 'node:url';
import { developmentSecret } from '@vessel/core';
import session from '@vessel/express';
import express from 'express';

const GREETINGS = { en: 'Hello', fr: 'Bonjour', de: 'Hallo' };

export function createApp(sessionOptions = {}) {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({
      secret: process.env.SESSION_SECRET ?? developmentSecret(),
      cacheDir: './data',
      resave: false,
      saveUninitialized: false,
      ...sessionOptions,
    }),
  );
  // Before every handler: the session's language, else the browser's, else English.
  app.use((req, res, next) => {
    res.locals.lang = req.session.lang ?? req.acceptsLanguages(...Object.keys(GREETINGS)) ?? 'en';
    next();
  });
  app.post('/lang', (req, res) => {
    const { lang } = req.body ?? {};
    if (!(lang in GREETINGS)) return res.status(400).send(`unknown language ${lang}`);
    req.session.lang = lang;
    res.redirect('/');
  });
  app.get('/', (_req, res) => res.send(`${GREETINGS[res.locals.lang] ?? GREETINGS.en}!`));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`language example on http://localhost:${server.address().port}/ (POST /lang lang=fr)`);
  });
}
