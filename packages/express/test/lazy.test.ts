import { createStorage } from '@vessel/core';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cookieOf, createApp, SECRET, setCookieFor } from './support.js';

describe('lazy mode', () => {
  let storage: ReturnType<typeof createStorage>;
  let reads: number;
  beforeEach(() => {
    storage = createStorage({ type: 'memory' });
    reads = 0;
    const namespace = storage.namespace('session');
    for (const method of ['get', 'getVersioned', 'has'] as const) {
      const original = namespace[method].bind(namespace) as (...args: unknown[]) => Promise<unknown>;
      (namespace as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        reads++;
        return original(...args);
      };
    }
  });
  afterEach(async () => {
    await storage.close();
  });

  const app = () =>
    createApp({ secret: SECRET, storage, lazy: true, resave: false, saveUninitialized: false }, async (req, res) => {
      if (req.url === '/static') return res.end('static');
      const session = await req.loadSession?.();
      if (!session) return res.end('none');
      if (req.url === '/login') session.user = 'ada';
      res.end(String(session.user));
    });

  it('reads nothing and sends no cookie for requests that never ask', async () => {
    const server = app();
    const login = await request(server).get('/login').expect('ada');
    const before = reads;
    const res = await request(server).get('/static').set('Cookie', cookieOf(login)).expect('static');
    expect(reads).toBe(before);
    expect(setCookieFor(res)).toBeUndefined();
  });

  it('loads the session when a handler asks, once per request', async () => {
    const server = createApp(
      { secret: SECRET, storage, lazy: true, resave: false, saveUninitialized: false },
      async (req, res) => {
        if (req.url === '/login') {
          const session = await req.loadSession?.();
          if (session) session.user = 'ada';
          return res.end('in');
        }
        // Two handlers asking at once, then a third later: one storage read between them.
        const [first, second] = await Promise.all([req.loadSession?.(), req.loadSession?.()]);
        const third = await req.loadSession?.();
        res.end(`${first?.user} ${first === second && second === third}`);
      },
    );
    const login = await request(server).get('/login').expect('in');
    const before = reads;
    await request(server).get('/').set('Cookie', cookieOf(login)).expect('ada true');
    expect(reads - before).toBe(1);
  });

  it('does not destroy an unloaded session with unset: destroy', async () => {
    const server = createApp(
      { secret: SECRET, storage, lazy: true, unset: 'destroy', resave: false, saveUninitialized: false },
      async (req, res) => {
        if (req.url === '/login') {
          const session = await req.loadSession?.();
          if (session) session.user = 'ada';
        }
        res.end(req.url === '/check' ? String((await req.loadSession?.())?.user) : 'ok');
      },
    );
    const login = await request(server).get('/login');
    await request(server).get('/other').set('Cookie', cookieOf(login));
    await request(server).get('/check').set('Cookie', cookieOf(login)).expect('ada');
  });

  it('loadSession() also works without lazy mode (the session already loaded)', async () => {
    const server = createApp({ secret: SECRET, storage, resave: false, saveUninitialized: false }, async (req, res) => {
      const session = await req.loadSession();
      res.end(String(session === req.session));
    });
    await request(server).get('/').expect('true');
  });
});

describe('no-cookie mode', () => {
  it('refuses malformed ids from the app before the store sees them', async () => {
    const seen: string[] = [];
    const { MemoryStore } = await import('@vessel/express');
    const store = new MemoryStore();
    const get = store.get.bind(store);
    store.get = (sid, cb) => {
      seen.push(sid);
      get(sid, cb);
    };
    const server = createApp(
      { store, sessionId: (req) => req.headers['x-session-id'] as string | undefined, resave: false },
      (req, res) => res.end(req.sessionID),
    );
    const res = await request(server).get('/').set('X-Session-Id', '../../etc/passwd').expect(200);
    expect(res.text).not.toContain('/');
    expect(seen).toEqual([]);
  });
});
