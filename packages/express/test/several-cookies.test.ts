import { createStorage, type SessionRejectEvent, signSessionId } from '@vessel/core';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { cookieOf, createApp, SECRET, sessionOf, sidOf } from './support.js';

/** Cookies of the name tried per request, as docs/express.md says. */
const MAX_SESSION_COOKIES = 4;

const storage = createStorage({ type: 'memory' });
afterAll(() => storage.close());

const rejects: SessionRejectEvent[] = [];
/** Logs in as Ada at /login; every path answers the session's user. */
const app = createApp(
  {
    secret: SECRET,
    storage,
    resave: false,
    saveUninitialized: false,
    onReject: (event) => rejects.push(event),
  },
  (req, res) => {
    if (req.url === '/login') sessionOf(req).user = 'ada';
    res.end(String(sessionOf(req).user ?? 'nobody'));
  },
);

describe('several cookies of the session name', () => {
  it('keeps the user logged in when a junk cookie planted on a sub-path comes first', async () => {
    const login = await request(app).get('/login');
    const real = cookieOf(login);
    await request(app).get('/').set('Cookie', `connect.sid=junk; ${real}`).expect('ada');
    const forged = `connect.sid=${encodeURIComponent(signSessionId(sidOf(login), 'not the secret'))}`;
    await request(app).get('/').set('Cookie', `${forged}; theme=dark; ${real}`).expect('ada');
    // Quoted and spaced as a browser may send it: read as the cookie codec reads it.
    const quoted = `connect.sid="${real.slice('connect.sid='.length)}"`;
    await request(app).get('/').set('Cookie', `connect.sid=; connect.sid=junk2 ;  ${quoted}`).expect('ada');
  });

  it('reports no bad signature when a later cookie verifies, and one when none does', async () => {
    const login = await request(app).get('/login');
    rejects.length = 0;
    await request(app)
      .get('/')
      .set('Cookie', `connect.sid=junk; ${cookieOf(login)}`)
      .expect('ada');
    expect(rejects).toEqual([]);
    await request(app).get('/').set('Cookie', 'connect.sid=junk; connect.sid=junk2').expect('nobody');
    expect(rejects).toEqual([{ reason: 'bad-signature' }]);
  });

  it(`tries at most ${MAX_SESSION_COOKIES} cookies of the name`, async () => {
    const login = await request(app).get('/login');
    const junk = (count: number) => Array.from({ length: count }, (_, index) => `connect.sid=junk${index}`);
    const within = [...junk(MAX_SESSION_COOKIES - 1), cookieOf(login)].join('; ');
    await request(app).get('/').set('Cookie', within).expect('ada');
    const beyond = [...junk(MAX_SESSION_COOKIES), cookieOf(login)].join('; ');
    await request(app).get('/').set('Cookie', beyond).expect('nobody');
  });
});
