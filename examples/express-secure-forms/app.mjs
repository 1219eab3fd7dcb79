// Secure forms: an authorization (CSRF) token kept in the session, and an `authenticateForm`
// middleware (Pylons' authenticate_form) that refuses a form post without the matching token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { developmentSecret } from '@vessel/core';
import session from '@vessel/express';
import express from 'express';

/** The session's form token, made on first use. */
export function formToken(req) {
  req.session.csrfToken ??= randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

/** Refuses (403) a request whose `_csrf` field does not match the session's token. */
export function authenticateForm(req, res, next) {
  const expected = Buffer.from(String(req.session?.csrfToken ?? ''));
  const given = Buffer.from(String(req.body?._csrf ?? ''));
  if (expected.length === 0 || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return res.status(403).send('form token missing or wrong');
  }
  next();
}

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
  app.get('/form', (req, res) => {
    res.type('html').send(`<form method="post" action="/comment">
      <input type="hidden" name="_csrf" value="${formToken(req)}"><input name="text"><button>Send</button></form>`);
  });
  app.post('/comment', authenticateForm, (req, res) => res.send(`saved: ${req.body.text}`));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`secure forms example on http://localhost:${server.address().port}/form`);
  });
}
