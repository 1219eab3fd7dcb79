// The demo site's routes: login / logout, a visit counter, flash messages, a language switch,
// a CSRF-protected form and a page built from a cache region, all on one Vessel instance.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import session from '@vessel/express';
import express from 'express';
import { escapeHtml, LANGUAGES, layout, strings, tokenField } from './views.mjs';

/** Users and passwords; a real app asks its database (and stores password hashes). */
const USERS = new Map([
  ['ada', 'lovelace'],
  ['bob', 'builder'],
]);

/** The cache region the report page is memoized in (`createDemoVessel` configures it). */
export const REPORT_REGION = 'short_term';

const newToken = () => randomBytes(24).toString('base64url');

/** Queues `message` for the next page this session shows. */
function flash(req, message) {
  req.session.flash = [...(req.session.flash ?? []), message];
}

/** What every page shows about the session; takes the flash messages out of it (each shows once). */
function viewOf(req) {
  const { flash: messages = [], lang = LANGUAGES[0], user, visits = 0, csrfToken } = req.session;
  delete req.session.flash;
  return { flash: messages, lang, user, visits, csrfToken, path: req.originalUrl };
}

/** Refuses (403) a form post whose `_csrf` field does not match the session's token. */
function authenticateForm(req, res, next) {
  const expected = Buffer.from(String(req.session.csrfToken ?? ''));
  const given = Buffer.from(String(req.body?._csrf ?? ''));
  if (expected.length > 0 && expected.length === given.length && timingSafeEqual(expected, given)) return next();
  res.status(403).type('html').send('<!doctype html><title>403</title><h1>403: form token missing or wrong</h1>');
}

/**
 * The demo app over `vessel` (a `createVessel()` instance: sessions in its storage, the report in
 * its cache region `short_term`). The caller owns `vessel` and closes it.
 */
export function createApp(vessel) {
  const t = strings; // t(lang).key
  const regionSeconds = vessel.config.cache.regions[REPORT_REGION]?.expire;
  const sessions = vessel.storage.namespace('session');
  // Beaker's cache_region: one shared report, recomputed at most once per expiry, whoever asks.
  const report = vessel.cache.region(
    REPORT_REGION,
    'demo.report',
  )(async function sessionReport() {
    return { storedSessions: await sessions.count(), computedAt: new Date() };
  });

  const app = express();
  // Browsers ask for it on their own; answered before the session so it neither counts nor creates one.
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  app.use(express.urlencoded({ extended: false }));
  app.use(
    // The cookie's name and attributes come from the vessel's configuration; the demo's cookie
    // lasts as long as its session's idle timeout.
    session({
      vessel,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: (vessel.config.session.timeout ?? 1800) * 1000 },
    }),
  );
  app.use((req, res, next) => {
    req.session.csrfToken ??= newToken();
    if (req.method === 'GET') req.session.visits = (req.session.visits ?? 0) + 1;
    if (req.method === 'POST') return authenticateForm(req, res, next);
    next();
  });

  app.get('/', (req, res) => {
    const view = viewOf(req);
    const shortId = req.sessionID.slice(0, 12);
    res.type('html').send(
      layout(
        view,
        'Vessel demo',
        `<p>${escapeHtml(t(view.lang).session)} <code id="session-id">${escapeHtml(shortId)}</code>…</p>
        <p>${escapeHtml(t(view.lang).inspect)} <code>npx session-inspect inspect ${escapeHtml(shortId)}</code></p>`,
      ),
    );
  });

  app.get('/login', (req, res) => {
    if (req.session.logged_in) return res.redirect('/');
    const view = viewOf(req);
    const s = t(view.lang);
    res.type('html').send(
      layout(
        view,
        s.login,
        `<form method="post" action="/login" id="login">${tokenField(view.csrfToken)}
          <label>${s.name} <input name="name" autocomplete="username"></label>
          <label>${s.password} <input name="password" type="password" autocomplete="current-password"></label>
          <button>${s.login}</button></form>
        <p class="muted">${s.tryUsers}</p>`,
      ),
    );
  });

  app.post('/login', async (req, res) => {
    const { name, password } = req.body;
    if (!USERS.has(name) || USERS.get(name) !== password) {
      flash(req, t(req.session.lang).badLogin);
      return res.redirect('/login');
    }
    // A fresh id at login (an id planted before login is worth nothing afterwards), keeping the
    // visits and language; the form token is renewed with it.
    await req.session.regenerate({ keepData: true });
    Object.assign(req.session, { logged_in: true, user: name, csrfToken: newToken() });
    flash(req, t(req.session.lang).loggedIn(name));
    res.redirect('/');
  });

  app.post('/logout', async (req, res) => {
    const { lang } = req.session;
    // invalidate(): the stored session is deleted and a fresh, empty one carries the flash message.
    await req.session.invalidate();
    if (lang) req.session.lang = lang;
    flash(req, t(lang).loggedOut);
    res.redirect('/');
  });

  app.post('/language', (req, res) => {
    if (LANGUAGES.includes(req.body.lang)) req.session.lang = req.body.lang;
    const back = String(req.body.back ?? '/');
    res.redirect(back.startsWith('/') && !back.startsWith('//') ? back : '/');
  });

  app.get('/notes', (req, res) => {
    if (!req.session.logged_in) {
      flash(req, t(req.session.lang).pleaseLogin);
      return res.redirect('/login');
    }
    const view = viewOf(req);
    const s = t(view.lang);
    const notes = (req.session.notes ?? [])
      .map((note) => `<li>${escapeHtml(note.text)} <span class="muted">${note.at.toISOString()}</span></li>`)
      .join('');
    const form = (token) => `<form method="post" action="/notes">${token}
      <input name="text" required maxlength="200"> <button>${s.save}</button></form>`;
    res.type('html').send(
      layout(
        view,
        s.notes,
        `<ul id="notes">${notes || `<li class="muted">${s.noNotes}</li>`}</ul>
        <div id="with-token">${form(tokenField(view.csrfToken))}</div>
        <p class="muted">${s.withoutToken}</p>
        <div id="without-token">${form('')}</div>`,
      ),
    );
  });

  app.post('/notes', (req, res) => {
    if (!req.session.logged_in) return res.redirect('/login');
    const text = String(req.body.text ?? '').slice(0, 200);
    if (text) req.session.notes = [...(req.session.notes ?? []), { text, at: new Date() }];
    flash(req, t(req.session.lang).noteSaved);
    res.redirect('/notes');
  });

  app.get('/report', async (req, res) => {
    const view = viewOf(req);
    const s = t(view.lang);
    const { storedSessions, computedAt } = await report();
    res.type('html').send(
      layout(
        view,
        s.report,
        `<p>${s.storedSessions}: <strong id="stored-sessions">${storedSessions}</strong></p>
        <p>${s.computedAt} <time id="computed-at" datetime="${computedAt.toISOString()}">${computedAt.toISOString()}</time>,
          ${s.servedAt} <time id="served-at">${new Date().toISOString()}</time>.</p>
        <p class="muted">${escapeHtml(s.reportNote(regionSeconds))} ${escapeHtml(s.cacheStats(report.cache.stats()))}</p>
        <form method="post" action="/report/refresh">${tokenField(view.csrfToken)}<button>${s.recompute}</button></form>`,
      ),
    );
  });

  app.post('/report/refresh', async (_req, res) => {
    await report.invalidate();
    res.redirect('/report');
  });

  // A storage fault (Vessel never hides one) is answered here instead of crashing the process:
  // 503 for an outage (a StorageUnavailableError's status), 500 for anything else.
  app.use((err, _req, res, _next) => {
    console.error(err);
    res
      .status(err.status ?? 500)
      .type('html')
      .send(`<!doctype html><h1>${res.statusCode}</h1><pre>${escapeHtml(err.message)}</pre>`);
  });
  return app;
}
