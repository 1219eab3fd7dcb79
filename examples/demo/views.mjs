// The demo's pages: one layout, a few translated strings, and HTML escaping. Plain
// server-rendered HTML, no front-end build.

/** The languages the switch offers; the first is the default. */
export const LANGUAGES = ['en', 'fr', 'de'];

const STRINGS = {
  en: {
    home: 'Home',
    notes: 'Notes',
    report: 'Cached report',
    login: 'Log in',
    logout: 'Log out',
    hello: (user) => `Hello ${user}.`,
    anonymous: 'You are not logged in.',
    visits: (count) => `This session has shown ${count} page${count === 1 ? '' : 's'}.`,
    session: 'Session',
    inspect: 'See it from a shell in the repository root:',
    name: 'Name',
    password: 'Password',
    tryUsers: 'Try ada / lovelace or bob / builder.',
    loggedIn: (user) => `Logged in as ${user}.`,
    loggedOut: 'Logged out. Your old session is gone from the store.',
    badLogin: 'Invalid name or password.',
    pleaseLogin: 'Please log in to leave notes.',
    noteSaved: 'Note saved.',
    noNotes: 'No notes yet.',
    save: 'Save',
    withoutToken: 'The same form without its token (answered with 403):',
    computedAt: 'Computed at',
    servedAt: 'served at',
    storedSessions: 'Sessions in the store',
    cacheStats: (stats) => `This cache: ${stats.hits} hits, ${stats.misses} misses, ${stats.creations} creations.`,
    recompute: 'Recompute now',
    reportNote: (seconds) => `The report is kept in cache region short_term for ${seconds} s, shared by every session.`,
    language: 'Language',
  },
  fr: {
    home: 'Accueil',
    notes: 'Notes',
    report: 'Rapport en cache',
    login: 'Se connecter',
    logout: 'Se déconnecter',
    hello: (user) => `Bonjour ${user}.`,
    anonymous: "Vous n'êtes pas connecté.",
    visits: (count) => `Cette session a affiché ${count} page${count === 1 ? '' : 's'}.`,
    session: 'Session',
    inspect: 'Voyez-la depuis un terminal, à la racine du dépôt :',
    name: 'Nom',
    password: 'Mot de passe',
    tryUsers: 'Essayez ada / lovelace ou bob / builder.',
    loggedIn: (user) => `Connecté en tant que ${user}.`,
    loggedOut: "Déconnecté. L'ancienne session a disparu du stockage.",
    badLogin: 'Nom ou mot de passe invalide.',
    pleaseLogin: 'Connectez-vous pour laisser des notes.',
    noteSaved: 'Note enregistrée.',
    noNotes: 'Aucune note pour le moment.',
    save: 'Enregistrer',
    withoutToken: 'Le même formulaire sans son jeton (réponse 403) :',
    computedAt: 'Calculé à',
    servedAt: 'servi à',
    storedSessions: 'Sessions dans le stockage',
    cacheStats: (stats) => `Ce cache : ${stats.hits} succès, ${stats.misses} échecs, ${stats.creations} créations.`,
    recompute: 'Recalculer',
    reportNote: (seconds) =>
      `Le rapport est gardé ${seconds} s dans la région de cache short_term, partagé par toutes les sessions.`,
    language: 'Langue',
  },
  de: {
    home: 'Start',
    notes: 'Notizen',
    report: 'Zwischengespeicherter Bericht',
    login: 'Anmelden',
    logout: 'Abmelden',
    hello: (user) => `Hallo ${user}.`,
    anonymous: 'Sie sind nicht angemeldet.',
    visits: (count) => `Diese Sitzung hat ${count} Seite${count === 1 ? '' : 'n'} gezeigt.`,
    session: 'Sitzung',
    inspect: 'So sehen Sie sie in einer Shell im Wurzelverzeichnis des Repositorys:',
    name: 'Name',
    password: 'Passwort',
    tryUsers: 'Probieren Sie ada / lovelace oder bob / builder.',
    loggedIn: (user) => `Angemeldet als ${user}.`,
    loggedOut: 'Abgemeldet. Die alte Sitzung ist aus dem Speicher gelöscht.',
    badLogin: 'Name oder Passwort ungültig.',
    pleaseLogin: 'Bitte melden Sie sich an, um Notizen zu hinterlassen.',
    noteSaved: 'Notiz gespeichert.',
    noNotes: 'Noch keine Notizen.',
    save: 'Speichern',
    withoutToken: 'Dasselbe Formular ohne sein Token (Antwort 403):',
    computedAt: 'Berechnet um',
    servedAt: 'ausgeliefert um',
    storedSessions: 'Sitzungen im Speicher',
    cacheStats: (stats) =>
      `Dieser Cache: ${stats.hits} Treffer, ${stats.misses} Fehlschläge, ${stats.creations} Erzeugungen.`,
    recompute: 'Neu berechnen',
    reportNote: (seconds) =>
      `Der Bericht bleibt ${seconds} s in der Cache-Region short_term, geteilt von allen Sitzungen.`,
    language: 'Sprache',
  },
};

/** The strings of `lang` (the default language's for an unknown one). */
export function strings(lang) {
  return STRINGS[lang] ?? STRINGS[LANGUAGES[0]];
}

/** `text` with the five HTML-significant characters escaped. */
export function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char],
  );
}

/** The hidden field that carries the session's form token. */
export function tokenField(token) {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

/**
 * A whole page: navigation, the language switch, the session's state and flash messages, then
 * `body` (already HTML). `view` is what every page shows about the session.
 */
export function layout(view, title, body) {
  const t = strings(view.lang);
  const flash = view.flash.map((message) => `<p class="flash" role="status">${escapeHtml(message)}</p>`).join('');
  const account = view.user
    ? `${escapeHtml(t.hello(view.user))}
       <form method="post" action="/logout" class="inline">${tokenField(view.csrfToken)}<button>${t.logout}</button></form>`
    : `${escapeHtml(t.anonymous)} <a href="/login">${t.login}</a>`;
  const languages = LANGUAGES.map(
    (lang) => `<button name="lang" value="${lang}"${lang === view.lang ? ' aria-pressed="true"' : ''}>${lang}</button>`,
  ).join(' ');
  return `<!doctype html>
<html lang="${view.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Vessel demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  nav a { margin-right: 1rem; }
  .inline { display: inline; }
  .flash { background: #eef7ee; border-left: 4px solid #4a4; padding: .5rem 1rem; }
  .muted { color: #666; font-size: .9rem; }
  code { background: #f4f4f4; padding: 0 .25rem; }
  [aria-pressed="true"] { font-weight: bold; }
</style>
</head>
<body>
<nav><a href="/">${t.home}</a><a href="/notes">${t.notes}</a><a href="/report">${t.report}</a></nav>
<div id="account">${account}</div>
<form method="post" action="/language" id="language">${tokenField(view.csrfToken)}
  <input type="hidden" name="back" value="${escapeHtml(view.path)}">${t.language}: ${languages}</form>
${flash}
<h1>${escapeHtml(title)}</h1>
${body}
<p class="muted" id="visits">${escapeHtml(t.visits(view.visits))}</p>
</body>
</html>`;
}
