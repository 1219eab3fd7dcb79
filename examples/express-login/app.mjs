// Login / logout keeping `logged_in` in the session (the Pylons guide's LoginController).
// Run: node examples/express-login/app.mjs, then open the printed URL.
import { fileURLToPath } from 'node:url';
import { developmentSecret } from '@vessel/core';
import session from '@vessel/express';
import express from 'express';

/** Users and passwords; a real app asks its database (and stores password hashes). */
const USERS = new Map([['ada', 'lovelace']]);

/** The app; `sessionOptions` override where sessions live (tests pass an in-memory storage). */
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

  app.get('/login', (req, res) => {
    const message = req.session.message ?? '';
    delete req.session.message;
    res.type('html').send(`<p>${message}</p><form method="post" action="/login">
      <input name="name"> <input name="password" type="password"> <button>Log in</button></form>`);
  });

  app.post('/login', async (req, res) => {
    const { name, password } = req.body ?? {};
    if (USERS.get(name) !== password) {
      req.session.message = 'Invalid username/password';
      return res.redirect('/login');
    }
    // A fresh id at login: an id planted before login (fixation) is worth nothing afterwards.
    await req.session.regenerate();
    req.session.logged_in = true;
    req.session.user = name;
    req.session.message = `Successfully logged in as ${name}`;
    res.redirect('/');
  });

  app.post('/logout', async (req, res) => {
    await req.session.destroy();
    res.redirect('/login');
  });

  app.get('/', (req, res) => {
    if (!req.session.logged_in) {
      req.session.message = 'Please login';
      return res.redirect('/login');
    }
    const message = req.session.message ?? '';
    delete req.session.message;
    res.type('html').send(`<p>${message}</p><p>Hello ${req.session.user}</p>
      <form method="post" action="/logout"><button>Log out</button></form>`);
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`login example on http://localhost:${server.address().port}/ (ada / lovelace)`);
  });
}
