import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { appsOn, BACKENDS, cookieOf, countWrites, openEach, sessionOf, setCookieFor, sidOf } from './support.js';

describe.each(BACKENDS)('req.session on $name', (backendCase) => {
  const backend = openEach(backendCase);
  const app = appsOn(backend);

  it('keeps id, cookie and methods off the data: JSON is data plus cookie', async () => {
    const server = app((req, res) => {
      const s = sessionOf(req);
      s.user = 'ada';
      res.json({
        json: JSON.parse(JSON.stringify(s)),
        id: s.id === req.sessionID,
        store: req.sessionStore !== undefined,
      });
    });
    const res = await request(server).get('/');
    expect(Object.keys(res.body.json)).toEqual(['cookie', 'user']);
    expect(res.body.id).toBe(true);
    expect(res.body.store).toBe(true);
  });

  describe('.regenerate()', () => {
    it('replaces the session with a new id and no data (callback)', async () => {
      const server = app((req, res, next) => {
        if (req.url !== '/regen') {
          sessionOf(req).user = 'ada';
          return res.end(req.sessionID);
        }
        const before = req.sessionID;
        sessionOf(req).regenerate((err) => {
          if (err) return next(err);
          res.json({ changed: before !== req.sessionID, user: sessionOf(req).user ?? null });
        });
      });
      const first = await request(server).get('/');
      const second = await request(server).get('/regen').set('Cookie', cookieOf(first));
      expect(second.body).toEqual({ changed: true, user: null });
      expect(sidOf(second)).not.toBe(first.text);
      // The old id no longer names a session.
      const reader = app((req, res) => res.end(String(sessionOf(req).user)));
      await request(reader).get('/').set('Cookie', cookieOf(first)).expect('undefined');
    });

    it('returns a promise without a callback, and keeps data with { keepData: true }', async () => {
      const server = app(async (req, res) => {
        if (req.url !== '/regen') {
          sessionOf(req).user = 'ada';
          return res.end();
        }
        await sessionOf(req).regenerate({ keepData: true });
        res.json({ user: sessionOf(req).user, isNew: sessionOf(req).isNew });
      });
      const first = await request(server).get('/');
      const second = await request(server).get('/regen').set('Cookie', cookieOf(first));
      expect(second.body).toEqual({ user: 'ada', isNew: true });
      const reader = app((req, res) => res.end(String(sessionOf(req).user)));
      await request(reader).get('/').set('Cookie', cookieOf(second)).expect('ada');
      await request(reader).get('/').set('Cookie', cookieOf(first)).expect('undefined');
    });
  });

  describe('.destroy()', () => {
    it('removes the session from the store and req.session', async () => {
      const server = app((req, res, next) => {
        if (req.url !== '/logout') {
          sessionOf(req).user = 'ada';
          return res.end();
        }
        sessionOf(req).destroy((err) => {
          if (err) return next(err);
          res.end(String(req.session === undefined));
        });
      });
      const first = await request(server).get('/');
      const second = await request(server).get('/logout').set('Cookie', cookieOf(first)).expect('true');
      expect(setCookieFor(second)).toBeUndefined();
      const reader = app((req, res) => res.end(String(sessionOf(req).user)));
      await request(reader).get('/').set('Cookie', cookieOf(first)).expect('undefined');
    });
  });

  describe('.reload()', () => {
    it('reloads the stored data, dropping unsaved changes', async () => {
      const server = app(async (req, res) => {
        if (req.url === '/set') {
          sessionOf(req).user = 'ada';
          return res.end();
        }
        sessionOf(req).user = 'changed';
        await sessionOf(req).reload();
        res.end(String(sessionOf(req).user));
      });
      const first = await request(server).get('/set');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('ada');
    });

    it('fails when the session is gone from the store', async () => {
      const server = app(async (req, res) => {
        if (req.url === '/set') {
          sessionOf(req).user = 'ada';
          return res.end();
        }
        const store = req.sessionStore;
        await new Promise<void>((resolve) => store?.destroy(req.sessionID ?? '', () => resolve()));
        sessionOf(req).reload((err) => res.end(String((err as Error | undefined)?.message)));
      });
      const first = await request(server).get('/set');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('failed to load session');
    });
  });

  describe('.save()', () => {
    it('saves now and the end of the request does not save again', async () => {
      const counts = countWrites(backend());
      const server = app(async (req, res) => {
        sessionOf(req).user = 'ada';
        await sessionOf(req).save();
        res.end();
      });
      await request(server).get('/').expect(200);
      expect(counts.saves).toBe(1);
    });
  });

  describe('.touch()', () => {
    it('resets cookie.maxAge to originalMaxAge', async () => {
      const server = app(
        (req, res) => {
          const { cookie } = sessionOf(req);
          cookie.maxAge = 1000;
          cookie.originalMaxAge = 60_000;
          sessionOf(req).touch();
          res.json({ maxAge: cookie.maxAge });
        },
        { cookie: { maxAge: 60_000 } },
      );
      const res = await request(server).get('/');
      expect(res.body.maxAge).toBeGreaterThan(50_000);
    });
  });

  describe("Vessel's operations", () => {
    it('invalidate() starts over with a fresh id and no data', async () => {
      const server = app(async (req, res) => {
        if (req.url === '/set') {
          sessionOf(req).user = 'ada';
          return res.end();
        }
        await sessionOf(req).invalidate();
        sessionOf(req).flash = 'logged out';
        res.json(JSON.parse(JSON.stringify(sessionOf(req))));
      });
      const first = await request(server).get('/set');
      const second = await request(server).get('/logout').set('Cookie', cookieOf(first));
      expect(second.body.user).toBeUndefined();
      expect(second.body.flash).toBe('logged out');
      expect(sidOf(second)).not.toBe(sidOf(first));
    });

    it('revert() drops the changes of this request', async () => {
      const server = app(async (req, res) => {
        if (req.url === '/set') {
          sessionOf(req).user = 'ada';
          return res.end();
        }
        sessionOf(req).user = 'mallory';
        await sessionOf(req).revert();
        res.end(String(sessionOf(req).user));
      });
      const first = await request(server).get('/set');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('ada');
    });

    it('isNew, created and lastAccessed describe the stored session', async () => {
      const server = app((req, res) => {
        const s = sessionOf(req);
        s.n = ((s.n as number) ?? 0) + 1;
        res.json({ isNew: s.isNew, created: s.created ?? null, keys: Object.keys(s) });
      });
      const first = await request(server).get('/');
      expect(first.body.isNew).toBe(true);
      const second = await request(server).get('/').set('Cookie', cookieOf(first));
      expect(second.body.isNew).toBe(false);
      expect(second.body.keys).toEqual(['cookie', 'n']);
      if (backendCase.kind === 'vessel') expect(typeof second.body.created).toBe('string');
    });

    it('lets data named like a Vessel member win (created)', async () => {
      const server = app((req, res) => {
        if (req.url === '/set') sessionOf(req).created = 'by the app';
        res.end(String(sessionOf(req).created));
      });
      const first = await request(server).get('/set').expect('by the app');
      await request(server).get('/').set('Cookie', cookieOf(first)).expect('by the app');
    });
  });
});
