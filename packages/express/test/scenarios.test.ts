/**
 * The Pylons session guide's scenarios, as the examples in examples/express-* implement them,
 * each run on Vessel storage and on express-session's MemoryStore.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp as compositeApp } from '../../../examples/express-composite/app.mjs';
import { createApp as flashApp } from '../../../examples/express-flash/app.mjs';
import { createApp as languageApp } from '../../../examples/express-language/app.mjs';
import { createApp as loginApp } from '../../../examples/express-login/app.mjs';
import { createApp as modelApp } from '../../../examples/express-model-objects/app.mjs';
import { createApp as noCookieApp } from '../../../examples/express-no-cookies/app.mjs';
import { createApp as formsApp } from '../../../examples/express-secure-forms/app.mjs';
import { cookieOf, expressMemoryStore, type OpenBackend, setCookieFor, vesselMemory } from './support.js';

// The examples sign with SESSION_SECRET; their short fallbacks are no longer accepted (32 bytes at least).
process.env.SESSION_SECRET ??= 'scenario tests: a secret of 32 bytes or more';

describe.each([vesselMemory, expressMemoryStore])('Pylons guide scenarios on $name', (backendCase) => {
  let backend: OpenBackend;
  beforeEach(async () => {
    backend = await backendCase.open();
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  it('login / logout keeps logged_in in the session', async () => {
    const app = loginApp(backend.options);
    const anonymous = await request(app).get('/').expect(302);
    expect(anonymous.headers.location).toBe('/login');
    await request(app)
      .get('/login')
      .set('Cookie', cookieOf(anonymous))
      .expect(200, /Please login/);

    await request(app).post('/login').type('form').send({ name: 'ada', password: 'wrong' }).expect(302, /login/);
    const login = await request(app).post('/login').type('form').send({ name: 'ada', password: 'lovelace' });
    expect(login.headers.location).toBe('/');
    const cookie = cookieOf(login);
    await request(app)
      .get('/')
      .set('Cookie', cookie)
      .expect(200, /Successfully logged in as ada[\s\S]*Hello ada/);
    await request(app)
      .get('/')
      .set('Cookie', cookie)
      .expect(200, /Hello ada/);

    await request(app).post('/logout').set('Cookie', cookie).expect(302);
    await request(app).get('/').set('Cookie', cookie).expect(302);
  });

  it('login regenerates the id (a planted id is worthless afterwards)', async () => {
    const app = loginApp(backend.options);
    const planted = cookieOf(await request(app).get('/'));
    const login = await request(app)
      .post('/login')
      .set('Cookie', planted)
      .type('form')
      .send({ name: 'ada', password: 'lovelace' });
    expect(cookieOf(login)).not.toBe(planted);
    await request(app).get('/').set('Cookie', planted).expect(302);
  });

  it('flash messages show once', async () => {
    const app = flashApp(backend.options);
    const saved = await request(app).post('/items').expect(302);
    const cookie = cookieOf(saved);
    await request(app)
      .get('/items')
      .set('Cookie', cookie)
      .expect(200, { flash: ['Item saved'] });
    await request(app).get('/items').set('Cookie', cookie).expect(200, { flash: [] });
  });

  it('keeps the language a user chose', async () => {
    const app = languageApp(backend.options);
    await request(app).get('/').set('Accept-Language', 'de').expect('Hallo!');
    const chosen = await request(app).post('/lang').type('form').send({ lang: 'fr' }).expect(302);
    await request(app).get('/').set('Cookie', cookieOf(chosen)).set('Accept-Language', 'de').expect('Bonjour!');
  });

  it('refuses a form post without the session’s token', async () => {
    const app = formsApp(backend.options);
    const form = await request(app).get('/form').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
    const cookie = cookieOf(form);
    await request(app).post('/comment').set('Cookie', cookie).type('form').send({ text: 'hi' }).expect(403);
    await request(app)
      .post('/comment')
      .set('Cookie', cookie)
      .type('form')
      .send({ text: 'hi', _csrf: 'x'.repeat(32) })
      .expect(403);
    await request(app)
      .post('/comment')
      .set('Cookie', cookie)
      .type('form')
      .send({ text: 'hi', _csrf: token })
      .expect(200, 'saved: hi');
    // Another browser's session has another token.
    await request(app).post('/comment').type('form').send({ text: 'hi', _csrf: token }).expect(403);
  });

  it('works without cookies: the id comes from a header or URL token and is read back', async () => {
    const app = noCookieApp(backend.options);
    const created = await request(app).post('/fred').expect(200, { isNew: true });
    expect(setCookieFor(created)).toBeUndefined();
    const id = created.headers['x-session-id'];
    await request(app).get('/fred').set('X-Session-Id', id).expect(200, { fred: 42 });
    await request(app).get(`/fred?session=${id}`).expect(200, { fred: 42 });
    await request(app).get('/fred').expect(200, { fred: null });
  });

  it('shares one session and one cookie across mounted sub-apps', async () => {
    const app = compositeApp(backend.options);
    const home = await request(app).get('/').expect(200, { app: 'home', visits: 1 });
    const cookie = cookieOf(home, 'my_project_key');
    await request(app)
      .get('/servicebroker')
      .set('Cookie', cookie)
      .expect(200, { app: 'servicebroker', visits: 1, brokerCalls: 1 });
    const proxied = await request(app).get('/proxy').set('Cookie', cookie).expect(200);
    expect(proxied.body.visits).toBe(1);
    expect(setCookieFor(proxied, 'my_project_key')).toBeUndefined();
    await request(app).get('/').set('Cookie', cookie).expect(200, { app: 'home', visits: 2 });
  });

  it('stores model objects as data and revives them on read', async () => {
    const app = modelApp(backend.options);
    const stored = await request(app).post('/address/7').expect(204);
    await request(app)
      .get('/address')
      .set('Cookie', cookieOf(stored))
      .expect(200, { label: '12 St James Sq, London', instance: true });
  });
});
