/**
 * Secrets edited at run time, as express-session allows (it reads its `secret` array on every
 * request): dropping a leaked secret must log out its cookies at once, even the ones whose
 * signature the adapter remembers from earlier requests.
 */
import type { RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { appsOn, cookieOf, openEach, sessionOf, vesselMemory } from './support.js';

describe('secrets changed at run time', () => {
  const backend = openEach(vesselMemory);
  const app = appsOn(backend);
  const handler: RequestHandler = (req, res) => {
    if (req.url === '/login') sessionOf(req).user = 'ada';
    res.end(String(sessionOf(req).user ?? 'nobody'));
  };
  const NEW = 'the new secret, thirty-two bytes or more';
  const OLD = 'the old secret, thirty-two bytes or more';

  it('refuses cookies of a secret removed from the array, remembered or not', async () => {
    const login = await request(app(handler, { secret: OLD })).get('/login');
    const secrets = [NEW, OLD];
    const rotated = app(handler, { secret: secrets });
    // Twice: the second request is answered from the remembered signature.
    await request(rotated).get('/').set('Cookie', cookieOf(login)).expect('ada');
    await request(rotated).get('/').set('Cookie', cookieOf(login)).expect('ada');
    secrets.pop(); // OLD leaked
    await request(rotated).get('/').set('Cookie', cookieOf(login)).expect('nobody');
  });

  it('refuses cookies of a secret replaced in place by another (the list keeps its length)', async () => {
    const secrets = [OLD];
    const server = app(handler, { secret: secrets });
    const login = await request(server).get('/login');
    await request(server).get('/').set('Cookie', cookieOf(login)).expect('ada');
    secrets[0] = NEW; // OLD leaked, replaced
    await request(server).get('/').set('Cookie', cookieOf(login)).expect('nobody');
  });

  it('refuses a short secret put in at run time, naming the option, and signs nothing with it', async () => {
    const secrets = [OLD];
    const server = app(handler, { secret: secrets });
    const login = await request(server).get('/login');
    secrets[0] = 'too short';
    const refused = await request(server).get('/').set('Cookie', cookieOf(login));
    expect(refused.status).toBe(500);
    expect(refused.text).toContain('secret: the secret is 9 bytes');
    expect(refused.headers['set-cookie']).toBeUndefined();
  });
});
