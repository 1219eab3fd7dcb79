import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CacheManager, createStorage, type Storage } from '@vessel/core';
import { type CacheResponseOptions, cacheResponse, session } from '@vessel/express';
import express, { type Express, type RequestHandler } from 'express';
import { createClient } from 'redis';
import supertest from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cookieOf, REDIS_URL, SECRET } from './support.js';

/**
 * The Host every request of these tests names: the default key includes it, and the servers of
 * one test (one per "process") listen on ports of their own, as instances behind one site do.
 */
const SITE = 'vessel.test';

/** supertest, every request naming `SITE` as its Host. */
function request(app: Parameters<typeof supertest>[0]) {
  const agent = supertest(app);
  return {
    get: (url: string) => agent.get(url).set('Host', SITE),
    head: (url: string) => agent.head(url).set('Host', SITE),
    post: (url: string) => agent.post(url).set('Host', SITE),
  };
}

/** A storage for the response cache, and how to remove what a test left in it. */
interface CacheBackend {
  readonly name: string;
  open(): Promise<OpenCache>;
}

interface OpenCache {
  readonly storage: Storage;
  /** Another storage on the same data, as a second process would open it; `undefined` for memory. */
  reopen?(): Storage;
  cleanup(): Promise<void>;
}

const BACKENDS: readonly CacheBackend[] = [
  {
    name: 'memory',
    async open() {
      const storage = createStorage({ type: 'memory' });
      return { storage, cleanup: () => storage.close() };
    },
  },
  {
    name: 'sqlite',
    async open() {
      const cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-cache-response-'));
      const storage = createStorage({ type: 'sqlite', cacheDir });
      return {
        storage,
        reopen: () => createStorage({ type: 'sqlite', cacheDir }),
        async cleanup() {
          await storage.close();
          await rm(cacheDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const input = { type: 'redis', url: REDIS_URL, prefix: `vt${randomBytes(5).toString('hex')}` } as const;
      const storage = createStorage(input);
      return {
        storage,
        reopen: () => createStorage(input),
        async cleanup() {
          await storage.close();
          // Every key of the run: responses, pass and vary markers, sessions, locks.
          const client = createClient({ url: REDIS_URL });
          await client.connect();
          const keys: string[] = [];
          for await (const batch of client.scanIterator({ MATCH: `${input.prefix}:*` })) keys.push(...batch);
          if (keys.length > 0) await client.del(keys);
          client.destroy();
        },
      };
    },
  },
];

/** A controlled clock: `Date` only (timers and I/O stay real), moved by hand. */
function fakeClock() {
  vi.useFakeTimers({ toFake: ['Date'] });
  return {
    advance(seconds: number) {
      vi.setSystemTime(Date.now() + seconds * 1000);
    },
  };
}

describe.each(BACKENDS)('cacheResponse on $name', (backend) => {
  let storage: Storage;
  let opened: OpenCache;
  let cleanup: () => Promise<void>;
  let clock: ReturnType<typeof fakeClock>;
  let manager: CacheManager;
  let servers: Server[];

  beforeEach(async () => {
    opened = await backend.open();
    ({ storage, cleanup } = opened);
    clock = fakeClock();
    manager = new CacheManager({ regions: { short_term: { expire: 60 } } }, storage);
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await manager.close();
    await cleanup();
    vi.useRealTimers();
  });

  /** One listening server per app, so concurrent requests share it. */
  function serve(app: Express): Server {
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    return server;
  }

  /** An app whose `/page` is cached and answers with `build(req, res)`; counts the builds. */
  function pageApp(build: RequestHandler, options: CacheResponseOptions = { region: 'short_term' }) {
    const app = express();
    const counts = { builds: 0 };
    app.get('/page', cacheResponse(manager, options), (req, res, next) => {
      counts.builds++;
      build(req, res, next);
    });
    return { app: serve(app), counts };
  }

  describe('never stores what a shared cache must not', () => {
    it.each(['private', 'no-store', 'no-cache', 'max-age=0', 'public, s-maxage=0, max-age=600'])(
      'keeps Cache-Control: %s pages to the user they were made for',
      async (directives) => {
        const { app, counts } = pageApp((req, res) => {
          res.set('Cache-Control', directives).send(`page of ${req.get('X-User')}`);
        });
        await request(app).get('/page').set('X-User', 'alice').expect(200, 'page of alice');
        const bob = await request(app).get('/page').set('X-User', 'bob').expect(200);
        expect(bob.text).toBe('page of bob');
        expect(counts.builds).toBe(2);
      },
    );

    it('sees Cache-Control given to writeHead as well', async () => {
      const { app } = pageApp((req, res) => {
        res.writeHead(200, { 'Cache-Control': 'private', 'Content-Type': 'text/plain' });
        res.end(`page of ${req.get('X-User')}`);
      });
      await request(app).get('/page').set('X-User', 'alice').expect(200, 'page of alice');
      await request(app).get('/page').set('X-User', 'bob').expect(200, 'page of bob');
    });

    it('refuses Vary: * and never shares Vary: Cookie or Authorization', async () => {
      for (const vary of ['*', 'Cookie', 'Accept-Language, Authorization']) {
        const app = express();
        app.get(
          `/page`,
          cacheResponse(manager, { region: 'short_term', namespace: `vary-${vary.length}` }),
          (req, res) => {
            res.set('Vary', vary).send(`page of ${req.get('Cookie')}`);
          },
        );
        const server = serve(app);
        await request(server).get('/page').set('Cookie', 'theme=alice').expect(200, 'page of theme=alice');
        await request(server).get('/page').set('Cookie', 'theme=bob').expect(200, 'page of theme=bob');
      }
    });

    it('never serves or keeps pages made for a request with Authorization', async () => {
      const { app, counts } = pageApp((req, res) => {
        res.set('Cache-Control', 'public, max-age=600').send(`page of ${req.get('Authorization')}`);
      });
      await request(app).get('/page').set('Authorization', 'Bearer alice').expect(200, 'page of Bearer alice');
      await request(app).get('/page').set('Authorization', 'Bearer bob').expect(200, 'page of Bearer bob');
      await request(app).get('/page').expect(200, 'page of undefined');
      expect(counts.builds).toBe(3);
    });

    it('never stores a response to a request that said Cache-Control: no-store', async () => {
      const { app, counts } = pageApp((req, res) => {
        res.send(`page of ${req.get('X-User')}`);
      });
      await request(app)
        .get('/page')
        .set('Cache-Control', 'no-store')
        .set('X-User', 'alice')
        .expect(200, 'page of alice');
      await request(app).get('/page').set('X-User', 'bob').expect(200, 'page of bob');
      expect(counts.builds).toBe(2);
    });

    it("never gives one user's session page to another", async () => {
      const app = express();
      app.use(session({ secret: SECRET, storage, resave: false, saveUninitialized: false }));
      app.post('/login', (req, res) => {
        (req.session as unknown as { user: string }).user = String(req.query.user);
        res.send('ok');
      });
      let builds = 0;
      app.get('/dashboard', cacheResponse(manager, { region: 'short_term' }), (req, res) => {
        builds++;
        res.send(`hello ${(req.session as unknown as { user?: string }).user ?? 'guest'}`);
      });
      const server = serve(app);
      const alice = cookieOf(await request(server).post('/login?user=alice').expect(200));
      await request(server).get('/dashboard').set('Cookie', alice).expect(200, 'hello alice');
      await request(server).get('/dashboard').expect(200, 'hello guest');
      await request(server).get('/dashboard').set('Cookie', alice).expect(200, 'hello alice');
      // Anonymous pages are still shared.
      await request(server).get('/dashboard').expect(200, 'hello guest');
      expect(builds).toBe(3);
    });

    it('treats a session with data as personal whatever its cookie is called', async () => {
      const app = express();
      app.use(session({ secret: SECRET, storage, name: 'app.session', resave: false, saveUninitialized: false }));
      app.post('/login', (req, res) => {
        (req.session as unknown as { user: string }).user = String(req.query.user);
        res.send('ok');
      });
      app.get('/dashboard', cacheResponse(manager, { region: 'short_term' }), (req, res) => {
        res.send(`hello ${(req.session as unknown as { user?: string }).user ?? 'guest'}`);
      });
      const server = serve(app);
      const alice = cookieOf(await request(server).post('/login?user=alice').expect(200), 'app.session');
      await request(server).get('/dashboard').set('Cookie', alice).expect(200, 'hello alice');
      await request(server).get('/dashboard').expect(200, 'hello guest');
    });
  });

  it('keys on the request headers a response varies on', async () => {
    const { app, counts } = pageApp((req, res) => {
      res.set('Vary', 'Accept-Language').send(`lang ${req.get('Accept-Language')}`);
    });
    await request(app).get('/page').set('Accept-Language', 'en').expect(200, 'lang en');
    await request(app).get('/page').set('Accept-Language', 'fr').expect(200, 'lang fr');
    const en = await request(app).get('/page').set('Accept-Language', 'en').expect(200, 'lang en');
    const fr = await request(app).get('/page').set('Accept-Language', 'fr').expect(200, 'lang fr');
    expect([en.headers['x-vessel-cache'], fr.headers['x-vessel-cache']]).toEqual(['hit', 'hit']);
    expect(counts.builds).toBe(2);
  });

  it('lets conditional and range requests through without making the key uncacheable', async () => {
    const { app, counts } = pageApp((_req, res) => {
      res.set('ETag', '"v1"').send('page');
    });
    await request(app).get('/page').set('If-None-Match', '"v1"').expect(304);
    await request(app).get('/page').set('Range', 'bytes=0-1');
    await request(app).get('/page').expect(200, 'page');
    const hit = await request(app).get('/page').expect(200, 'page');
    expect(hit.headers['x-vessel-cache']).toBe('hit');
    const revalidated = await request(app).get('/page').set('If-None-Match', 'W/"v0", "v1"').expect(304);
    expect(revalidated.headers['x-vessel-cache']).toBe('hit');
    expect(counts.builds).toBe(3);
  });

  it('replays the body a compression middleware before it encodes, encoded again', async () => {
    const app = express();
    // What `compression` does: encodes at the end, unless the response already names an encoding.
    app.use((_req, res, next) => {
      const chunks: Buffer[] = [];
      const end = res.end.bind(res) as (body?: Buffer) => typeof res;
      res.write = ((chunk: string | Buffer) => {
        chunks.push(Buffer.from(chunk));
        return true;
      }) as typeof res.write;
      res.end = ((chunk?: string | Buffer) => {
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk));
        const body = Buffer.concat(chunks);
        if (res.hasHeader('Content-Encoding')) return end(body);
        const encoded = gzipSync(body);
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('Content-Length', encoded.length);
        return end(encoded);
      }) as typeof res.end;
      next();
    });
    app.get('/page', cacheResponse(manager, { region: 'short_term' }), (_req, res) => {
      res.type('text').send('page');
    });
    const server = serve(app);
    await request(server).get('/page').expect(200, 'page');
    const hit = await request(server).get('/page').expect(200, 'page');
    expect(hit.headers['x-vessel-cache']).toBe('hit');
    expect(hit.headers['content-encoding']).toBe('gzip');
  });

  it('replays HEAD from a HEAD copy, with no body, and says how old a copy is', async () => {
    const { app, counts } = pageApp((_req, res) => {
      res.type('text').send('page');
    });
    await request(app).get('/page').expect(200, 'page');
    clock.advance(5);
    const hit = await request(app).get('/page').expect(200, 'page');
    expect(hit.headers.age).toBe('5');
    await request(app).head('/page').expect(200);
    const head = await request(app).head('/page').expect(200);
    expect(head.headers['x-vessel-cache']).toBe('hit');
    expect(head.text).toBeUndefined();
    expect(counts.builds).toBe(2);
  });

  describe('freshness', () => {
    it.each([
      ['s-maxage over max-age', 'public, s-maxage=2, max-age=600'],
      ['max-age', 'max-age=2'],
    ])('%s bounds how long a copy is served', async (_name, directives) => {
      const { app, counts } = pageApp((_req, res) => {
        res.set('Cache-Control', directives).send(`build ${counts.builds}`);
      });
      await request(app).get('/page').expect(200, 'build 1');
      clock.advance(1);
      await request(app).get('/page').expect(200, 'build 1');
      clock.advance(2);
      await request(app).get('/page').expect(200, 'build 2');
    });

    it('Expires bounds how long a copy is served', async () => {
      const { app } = pageApp((_req, res) => {
        res.set('Expires', new Date(Date.now() + 5000).toUTCString()).send(`build at ${Date.now()}`);
      });
      const first = await request(app).get('/page').expect(200);
      clock.advance(2);
      expect((await request(app).get('/page')).text).toBe(first.text);
      clock.advance(5);
      expect((await request(app).get('/page')).text).not.toBe(first.text);
    });

    it('expires entries after 60 s when neither the region nor the options say', async () => {
      const { app, counts } = pageApp((_req, res) => res.send(`build ${counts.builds}`), {});
      await request(app).get('/page').expect(200, 'build 1');
      clock.advance(59);
      await request(app).get('/page').expect(200, 'build 1');
      clock.advance(2);
      await request(app).get('/page').expect(200, 'build 2');
    });
  });

  describe('no stampede', () => {
    /** An app whose handler waits until `expected` requests have reached the route. */
    function gatedApp(expected: number, build: RequestHandler) {
      const app = express();
      const counts = { builds: 0, arrived: 0 };
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      app.get(
        '/page',
        (_req, _res, next) => {
          if (++counts.arrived === expected) open();
          next();
        },
        cacheResponse(manager, { region: 'short_term' }),
        async (req, res, next) => {
          counts.builds++;
          await gate;
          build(req, res, next);
        },
      );
      return { app: serve(app), counts };
    }

    it('runs the handler once for 20 concurrent cold requests', async () => {
      const { app, counts } = gatedApp(20, (_req, res) => res.send('report'));
      const responses = await Promise.all(Array.from({ length: 20 }, () => request(app).get('/page')));
      expect(responses.map((res) => res.text)).toEqual(Array(20).fill('report'));
      expect(counts.builds).toBe(1);
    });

    it('runs the handler once per variant for concurrent cold requests', async () => {
      const { app, counts } = gatedApp(20, (req, res) => {
        res.set('Vary', 'Accept-Language').send(`lang ${req.get('Accept-Language')}`);
      });
      const languages = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'en' : 'fr'));
      const responses = await Promise.all(
        languages.map((language) => request(app).get('/page').set('Accept-Language', language)),
      );
      expect(responses.map((res) => res.text)).toEqual(languages.map((language) => `lang ${language}`));
      expect(counts.builds).toBe(2);
    });

    it.skipIf(backend.name === 'memory')(
      'runs the handler once for 20 concurrent cold requests split over two processes',
      async () => {
        const other = opened.reopen?.() as Storage;
        const otherManager = new CacheManager({ regions: { short_term: { expire: 60 } } }, other);
        try {
          let builds = 0;
          let arrived = 0;
          let open: () => void = () => {};
          const gate = new Promise<void>((resolve) => {
            open = resolve;
          });
          const appOn = (cacheManager: CacheManager) => {
            const app = express();
            app.get(
              '/page',
              (_req, _res, next) => {
                if (++arrived === 20) open();
                next();
              },
              cacheResponse(cacheManager, { region: 'short_term' }),
              async (_req, res) => {
                builds++;
                await gate;
                res.send('report');
              },
            );
            return serve(app);
          };
          const apps = [appOn(manager), appOn(otherManager)];
          const responses = await Promise.all(
            Array.from({ length: 20 }, (_, i) => request(apps[i % 2] as Server).get('/page')),
          );
          expect(responses.map((res) => res.text)).toEqual(Array(20).fill('report'));
          expect(builds).toBe(1);
        } finally {
          await otherManager.close();
          await other.close();
        }
      },
    );

    it("gives each of 20 concurrent users their own private page, never another's", async () => {
      const { app, counts } = gatedApp(20, (req, res) => {
        res.set('Cache-Control', 'private').send(`page of ${req.get('X-User')}`);
      });
      const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
      const responses = await Promise.all(users.map((user) => request(app).get('/page').set('X-User', user)));
      expect(responses.map((res) => res.text)).toEqual(users.map((user) => `page of ${user}`));
      expect(counts.builds).toBe(20);
    });
  });

  it("answers the waiters when the creator's client hangs up", async () => {
    const app = express();
    let builds = 0;
    let arrived = 0;
    let bothArrived: () => void = () => {};
    const both = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    app.get(
      '/page',
      (_req, _res, next) => {
        if (++arrived === 2) bothArrived();
        next();
      },
      cacheResponse(manager, { region: 'short_term' }),
      (_req, res) => {
        // The first build never answers: its client leaves first.
        if (++builds > 1) res.send('page');
      },
    );
    const server = serve(app);
    if (!server.listening) await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const first = httpGet({ host: '127.0.0.1', port, path: '/page', headers: { host: SITE } });
    first.on('error', () => {});
    await vi.waitFor(() => expect(builds).toBe(1));
    const second = request(server).get('/page');
    const answered = second.then((res) => res.text);
    await both;
    first.destroy();
    expect(await answered).toBe('page');
    expect(builds).toBe(2);
  });

  it('serves an event stream at once, never waits for it to end, and keeps nothing', async () => {
    const app = express();
    let streams = 0;
    app.get('/events', cacheResponse(manager, { region: 'short_term' }), (_req, res) => {
      res.setHeader('Content-Type', 'text/event-stream');
      res.write(`data: ${++streams}\n\n`);
      // Never ended: an event stream lasts as long as its client.
    });
    const server = serve(app);
    if (!server.listening) await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    /** The X-Vessel-Cache header and first chunk of a GET, then hangs up. */
    const firstChunk = () =>
      new Promise<{ cache: unknown; chunk: string }>((resolve, reject) => {
        const req = httpGet({ host: '127.0.0.1', port, path: '/events', headers: { host: SITE } }, (res) => {
          res.once('data', (chunk: Buffer) => {
            resolve({ cache: res.headers['x-vessel-cache'], chunk: chunk.toString() });
            req.destroy();
          });
        });
        req.on('error', reject);
      });
    const first = await firstChunk();
    // Without the event-stream rule the creation would hold the key's lock while the stream
    // lasts, and this request would wait for the lock's timeout.
    const second = await firstChunk();
    expect(first).toEqual({ cache: 'miss', chunk: 'data: 1\n\n' });
    expect(second).toEqual({ cache: 'pass', chunk: 'data: 2\n\n' });
  });

  it('keeps private pages per session with perSession, never across sessions', async () => {
    const app = express();
    app.use(session({ secret: SECRET, storage, resave: false, saveUninitialized: false }));
    app.post('/login', (req, res) => {
      (req.session as unknown as { user: string }).user = String(req.query.user);
      res.send('ok');
    });
    let builds = 0;
    app.get('/profile', cacheResponse(manager, { region: 'short_term', perSession: true }), (req, res) => {
      builds++;
      res.set('Cache-Control', 'private').send(`profile of ${(req.session as unknown as { user?: string }).user}`);
    });
    const server = serve(app);
    const alice = cookieOf(await request(server).post('/login?user=alice').expect(200));
    const bob = cookieOf(await request(server).post('/login?user=bob').expect(200));
    await request(server).get('/profile').set('Cookie', alice).expect(200, 'profile of alice');
    const again = await request(server).get('/profile').set('Cookie', alice).expect(200, 'profile of alice');
    expect(again.headers['x-vessel-cache']).toBe('hit');
    await request(server).get('/profile').set('Cookie', bob).expect(200, 'profile of bob');
    await request(server).get('/profile').expect(200, 'profile of undefined');
    expect(builds).toBe(3);
  });

  it('replays only the headers that describe the body', async () => {
    const { app } = pageApp((req, res) => {
      res
        .set('X-User', String(req.get('X-User')))
        .type('text/csv')
        .send('a,b');
    });
    await request(app).get('/page').set('X-User', 'alice');
    const hit = await request(app).get('/page').set('X-User', 'bob').expect(200, 'a,b');
    expect(hit.headers['x-vessel-cache']).toBe('hit');
    expect(hit.headers['x-user']).toBeUndefined();
    expect(hit.headers['content-type']).toMatch(/text\/csv/);
  });

  describe('bounds', () => {
    it('keeps at most maxEntries distinct keys of a route', async () => {
      const app = express();
      app.get('/search', cacheResponse(manager, { region: 'short_term', maxEntries: 20 }), (req, res) => {
        res.send(`results for ${req.query.q}`);
      });
      const server = serve(app);
      for (let i = 0; i < 60; i++) await request(server).get(`/search?q=${i}`).expect(200, `results for ${i}`);
      const responses = manager.getCache('responses', { region: 'short_term' });
      let stored = 0;
      for (let i = 0; i < 60; i++) if (await responses.has(`GET /search?q=${i}\nhost:${SITE}`)) stored++;
      expect(stored).toBeLessThanOrEqual(20);
      expect(stored).toBeGreaterThan(0);
    });

    it('does not keep a body over maxBodyBytes (1 MiB by default)', async () => {
      const big = 'x'.repeat(1024 * 1024 + 1);
      const { app, counts } = pageApp((_req, res) => res.send(big));
      await request(app).get('/page').expect(200);
      const second = await request(app).get('/page').expect(200);
      expect(second.text.length).toBe(big.length);
      expect(counts.builds).toBe(2);
    });
  });
});

describe('cacheResponse options', () => {
  it('refuses bounds that are not positive integers, naming the option', () => {
    const manager = new CacheManager({});
    expect(() => cacheResponse(manager, { maxEntries: 0 })).toThrow(/cacheResponse\.maxEntries.*got 0/);
    expect(() => cacheResponse(manager, { maxBodyBytes: 1.5 })).toThrow(/cacheResponse\.maxBodyBytes/);
    expect(() => cacheResponse(manager, { maxBytes: 10, maxBodyBytes: 100 })).toThrow(/cacheResponse\.maxBytes/);
  });
});

describe('cacheResponse bounds by default', () => {
  it('keeps at most 1000 distinct keys of a route', async () => {
    const manager = new CacheManager({});
    const app = express();
    app.get('/search', cacheResponse(manager), (req, res) => res.send(`results for ${req.query.q}`));
    const server = app.listen(0, '127.0.0.1');
    try {
      const agent = request(server);
      for (let i = 0; i < 1200; i++) await agent.get(`/search?q=${i}`).expect(200);
      const responses = manager.getCache('responses');
      let stored = 0;
      for (let i = 0; i < 1200; i++) if (await responses.has(`GET /search?q=${i}\nhost:${SITE}`)) stored++;
      expect(stored).toBeLessThanOrEqual(1000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await manager.close();
    }
  }, 60_000);
});
