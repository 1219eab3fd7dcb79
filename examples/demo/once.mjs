// `npm run demo -- --once`: starts the site on a free port, clicks through it once with fetch
// (a one-cookie browser), prints what each step did and what Vessel stored, and exits. The
// session it made stays in the store, so `npx session-inspect list` shows it afterwards.
import { startDemo } from './server.mjs';

/** A browser reduced to one cookie jar and the last page's form token. */
function browser(base) {
  const jar = new Map();
  let token = '';
  return {
    get cookie() {
      return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    },
    async request(method, path, form) {
      const body = form && new URLSearchParams(form);
      const response = await fetch(new URL(path, base), {
        method,
        body,
        redirect: 'manual',
        headers: { cookie: this.cookie },
      });
      for (const header of response.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const at = pair.indexOf('=');
        jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
      const html = await response.text();
      token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? token;
      const location = response.headers.get('location');
      if (location && method === 'POST') return { ...(await this.request('GET', location)), status: response.status };
      return { status: response.status, html, text: (id) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] };
    },
    post(path, form, { withToken = true } = {}) {
      return this.request('POST', path, withToken ? { ...form, _csrf: token } : form);
    },
  };
}

/** The session id inside a signed cookie value (`s:<id>.<signature>`, URI-encoded). */
const idOf = (cookie) => /s:([^.]+)\./.exec(decodeURIComponent(cookie))?.[1];

export async function runOnce() {
  const demo = await startDemo({ port: 0 });
  const step = (what, result) => console.log(`${what.padEnd(34)} ${result}`);
  try {
    const { vessel } = demo;
    console.log(`storage  ${vessel.storage.location}${demo.configFile ? ` (from ${demo.configFile})` : ''}`);
    console.log(`site     ${demo.url} (one scripted visit; \`npm run demo\` keeps it running)\n`);
    const b = browser(demo.url);

    let page = await b.request('GET', '/');
    const firstId = idOf(b.cookie);
    step('GET /', page.text('visits'));
    page = await b.post('/login', { name: 'ada', password: 'lovelace' });
    const id = idOf(b.cookie);
    step('POST /login ada', `${page.text('account')?.trim()} id ${firstId?.slice(0, 8)}… → ${id?.slice(0, 8)}…`);
    await b.request('GET', '/');
    page = await b.request('GET', '/');
    step('GET / twice', page.text('visits'));
    page = await b.post('/language', { lang: 'fr', back: '/' });
    step('POST /language fr', page.text('visits'));
    page = await b.post('/notes', { text: 'Hello from --once' });
    step('POST /notes with the form token', `${page.status} → ${/class="flash"[^>]*>([^<]*)/.exec(page.html)?.[1]}`);
    page = await b.post('/notes', { text: 'forged' }, { withToken: false });
    step('POST /notes without the token', String(page.status));
    const first = await b.request('GET', '/report');
    const second = await b.request('GET', '/report');
    step('GET /report twice', `computed at ${first.text('computed-at')}, then ${second.text('computed-at')}`);

    const stored = await vessel.sessions.get(id);
    console.log(`\nsession  ${vessel.storage.prefix}:session::${id} ->`, stored?.toJSON());
    console.log(
      `         created ${stored?.created.toISOString()}, expires ${stored?.expiresAt?.toISOString() ?? 'never'}`,
    );
    const reportStats = vessel.cache.stats().byCache['demo.report'];
    console.log(`cache    ${vessel.storage.prefix}:cache:demo.report -> ${JSON.stringify(reportStats)}`);
    console.log(
      `counts   ${await vessel.storage.namespace('session').count()} session(s) stored; see them with npx session-inspect list`,
    );
  } finally {
    await demo.close();
  }
}
