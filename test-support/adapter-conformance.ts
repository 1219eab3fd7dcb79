/**
 * One conformance suite for every HTTP adapter (Express, Fastify, Hono, Koa): the same scenarios
 * over real servers on real sockets, on SQLite and Redis, against the same routes. Each adapter's
 * package supplies a harness that starts the standard app below in its framework; the suite
 * does the rest.
 *
 * The standard app (each route answers `text/plain`; query parameters carry the input):
 *
 * | route | does |
 * |---|---|
 * | `GET /count` | adds 1 to the session's `count`, answers it |
 * | `GET /untouched` | answers `ok` and never touches the session |
 * | `GET /set/:key` | sets the session's `key` to `true`, answers `ok` |
 * | `GET /keys` | answers the session's keys, sorted, as JSON |
 * | `POST /login?user=U` | regenerates the session (a new id), then sets `user` to U; `ok` |
 * | `POST /logout` | destroys the session; `ok` |
 * | `GET /whoami` | the session's `user`, or `nobody` |
 * | `POST /flash?message=M` | appends M to the session's `flash` list; `ok` |
 * | `GET /flashes` | answers the `flash` list as JSON and removes it |
 * | `POST /lang?lang=L` | sets the session's `lang`; `ok` |
 * | `GET /lang` | the session's `lang`, or `en` |
 * | `GET /form` | the session's `csrf` token, made (random) and saved on first use |
 * | `POST /form?token=T&text=X` | `accepted: X` when T is the session's token, else status 403 |
 *
 * A session that cannot be loaded or saved because the storage is down answers 503 (never a
 * fresh, logged-out session). The harness passes `lazy` to its adapter; in lazy mode
 * `/untouched` reads nothing from the store.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel, type VesselOptions } from '@vessel/core';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, runId } from './backends.js';
import { BIN } from './cli-app.js';
import { type PrivateRedis, startPrivateRedis } from './private-redis.js';
import { until } from './waiting.js';

/** What a harness starts: the standard app, listening. */
export interface AdapterApp {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stops the server (not the vessel: the suite owns it). */
  close(): Promise<void>;
}

/** How the suite asks for an app. */
export interface AdapterAppOptions {
  /** The vessel whose sessions the app uses (its session config included). */
  readonly vessel: Vessel;
  /** Load sessions on first use only. */
  readonly lazy?: boolean;
}

/** One adapter, as the suite drives it. */
export interface AdapterHarness {
  /** `express`, `fastify`, `hono`, `koa`. */
  readonly name: string;
  /** Starts the standard app (see the module) on a free loopback port. */
  start(options: AdapterAppOptions): Promise<AdapterApp>;
}

export const CONFORMANCE_SECRET = 'adapter conformance secret, 32 bytes and then some';

/** A browser of one cookie jar (one cookie name), over fetch. */
export class HttpBrowser {
  cookie: string | undefined;

  constructor(
    private readonly base: string,
    cookie?: string,
  ) {
    this.cookie = cookie;
  }

  /** A second browser holding this one's cookie now (a copied cookie, an old tab). */
  clone(): HttpBrowser {
    return new HttpBrowser(this.base, this.cookie);
  }

  async request(method: string, url: string): Promise<{ status: number; body: string; setCookie: string[] }> {
    const response = await fetch(this.base + url, {
      method,
      headers: this.cookie ? { cookie: this.cookie } : {},
      redirect: 'manual',
    });
    const setCookie = response.headers.getSetCookie();
    for (const header of setCookie) {
      const pair = header.split(';')[0] as string;
      const expired = /expires=thu, 01 jan 1970/i.test(header) || /max-age=0(;|$)/i.test(header);
      this.cookie = expired || pair.endsWith('=') ? undefined : pair;
    }
    return { status: response.status, body: await response.text(), setCookie };
  }

  async get(url: string): Promise<string> {
    const { status, body } = await this.request('GET', url);
    if (status !== 200) throw new Error(`GET ${url}: ${status} ${body}`);
    return body;
  }

  async post(url: string): Promise<string> {
    const { status, body } = await this.request('POST', url);
    if (status !== 200) throw new Error(`POST ${url}: ${status} ${body}`);
    return body;
  }
}

/** A store the suite runs on, with what the CLI needs to find it. */
export interface StoreCase {
  readonly name: string;
  open(): Promise<{ options: VesselOptions; cliArgs: string[]; cleanup(): Promise<void> }>;
}

export const CONFORMANCE_STORES: readonly StoreCase[] = [
  {
    name: 'sqlite',
    async open() {
      const cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-adapter-'));
      return {
        options: { cacheDir },
        cliArgs: ['--cache-dir', cacheDir],
        cleanup: () => rm(cacheDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const prefix = runId();
      return {
        options: { url: REDIS_URL, prefix },
        cliArgs: ['--url', REDIS_URL, '--prefix', prefix],
        async cleanup() {
          const client = createClient({ url: REDIS_URL });
          await client.connect();
          for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
            if (keys.length > 0) await client.del(keys);
          }
          await client.quit();
        },
      };
    },
  },
];

function sessionInspect(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The id inside a signed cookie value `name=s%3A<id>.<sig>` or `name=<id>.<sig>`. */
function cookieId(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  const unsigned = value.startsWith('s:') ? value.slice(2) : value;
  return unsigned.slice(0, unsigned.lastIndexOf('.'));
}

/** Redis commands a server has processed so far, as its `INFO stats` says. */
async function commandsProcessed(client: RedisClientType): Promise<number> {
  const match = /total_commands_processed:(\d+)/.exec(await client.info('stats'));
  return Number(match?.[1]);
}

/**
 * The adapter conformance suite for `harness`: every scenario on SQLite and Redis, plus the
 * outage, lazy and cookie-only cases on a private Redis.
 */
export function describeAdapterConformance(harness: AdapterHarness): void {
  describe.each(CONFORMANCE_STORES)(`${harness.name} adapter on %s`, (store) => {
    let vessel: Vessel;
    let app: AdapterApp;
    let cliArgs: string[];
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const opened = await store.open();
      cliArgs = opened.cliArgs;
      cleanup = opened.cleanup;
      vessel = createVessel({ ...opened.options, session: { secret: CONFORMANCE_SECRET, timeout: 600 } });
      await vessel.ready();
      app = await harness.start({ vessel });
    });
    afterAll(async () => {
      await app?.close();
      await vessel?.close();
      await cleanup?.();
    });

    const browser = () => new HttpBrowser(app.url);

    it('counts across requests, one session per browser', async () => {
      const ada = browser();
      expect([await ada.get('/count'), await ada.get('/count'), await ada.get('/count')]).toEqual(['1', '2', '3']);
      expect(await browser().get('/count')).toBe('1');
      expect(await ada.get('/count')).toBe('4');
    });

    it('logging in regenerates the id, and the old cookie opens nothing', async () => {
      const ada = browser();
      await ada.get('/count');
      const before = ada.clone();
      await ada.post('/login?user=ada');
      expect(cookieId(ada.cookie)).not.toBe(cookieId(before.cookie));
      expect(await ada.get('/whoami')).toBe('ada');
      expect(await before.get('/whoami')).toBe('nobody');
      expect(await before.get('/count')).toBe('1');
    });

    it('logging out destroys the session: a copy of the logged-in cookie opens nothing', async () => {
      const ada = browser();
      await ada.post('/login?user=ada');
      const copy = ada.clone();
      await ada.post('/logout');
      expect(await ada.get('/whoami')).toBe('nobody');
      expect(await copy.get('/whoami')).toBe('nobody');
    });

    it('keeps every key of 50 parallel requests of one browser', async () => {
      const ada = browser();
      await ada.get('/count');
      const keys = Array.from({ length: 50 }, (_, index) => `k${String(index).padStart(2, '0')}`);
      const answers = await Promise.all(keys.map((key) => ada.clone().get(`/set/${key}`)));
      expect(answers.every((answer) => answer === 'ok')).toBe(true);
      expect(JSON.parse(await ada.get('/keys'))).toEqual(['count', ...keys].sort());
    });

    it('flash messages show once, in order', async () => {
      const ada = browser();
      await ada.post('/flash?message=saved');
      await ada.post('/flash?message=sent');
      expect(JSON.parse(await ada.get('/flashes'))).toEqual(['saved', 'sent']);
      expect(JSON.parse(await ada.get('/flashes'))).toEqual([]);
    });

    it('remembers the language', async () => {
      const ada = browser();
      expect(await ada.get('/lang')).toBe('en');
      await ada.post('/lang?lang=fr');
      expect(await ada.get('/lang')).toBe('fr');
      expect(await browser().get('/lang')).toBe('en');
    });

    it("accepts a form with the session's CSRF token only", async () => {
      const ada = browser();
      const token = await ada.get('/form');
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(await ada.get('/form')).toBe(token);
      expect((await ada.request('POST', '/form?token=forged&text=hi')).status).toBe(403);
      expect((await browser().request('POST', `/form?token=${token}&text=hi`)).status).toBe(403);
      expect(await ada.post(`/form?token=${encodeURIComponent(token)}&text=hi`)).toBe('accepted: hi');
    });

    it('session-inspect lists the sessions the app stored', async () => {
      const ada = browser();
      await ada.post('/login?user=grace');
      const list = await sessionInspect(['list', '--ndjson', '--full-ids', '--show', 'user', ...cliArgs]);
      expect(list.code, list.stderr).toBe(0);
      const ids = list.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id);
      expect(ids).toContain(cookieId(ada.cookie));
    });
  });

  describe(`${harness.name} adapter on a Redis that goes away`, () => {
    let redis: PrivateRedis;
    let vessel: Vessel;
    let app: AdapterApp;
    let lazyApp: AdapterApp;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      vessel = createVessel({
        url: redis.url,
        timeoutMs: 1000,
        breaker: false,
        session: { secret: CONFORMANCE_SECRET },
      } as VesselOptions);
      await vessel.ready();
      app = await harness.start({ vessel });
      lazyApp = await harness.start({ vessel, lazy: true });
    });
    afterAll(async () => {
      await app?.close();
      await lazyApp?.close();
      await vessel?.close();
      await redis?.dispose();
    });

    it('answers 503 while the store is down, and the session is there again after', async () => {
      const ada = new HttpBrowser(app.url);
      expect(await ada.get('/count')).toBe('1');
      await redis.stop();
      try {
        const during = await ada.request('GET', '/count');
        expect(during.status).toBe(503);
        expect(during.setCookie).toEqual([]);
      } finally {
        await redis.start();
      }
      // The client reconnects within a moment; until then requests still answer 503, never a fresh session.
      let after = await ada.request('GET', '/count');
      await until(async () => {
        if (after.status !== 503) return true;
        after = await ada.request('GET', '/count');
        return false;
      });
      expect(after).toMatchObject({ status: 200, body: '2' });
    });

    it('lazy: a request that never touches the session reads nothing and sends no cookie', async () => {
      const ada = new HttpBrowser(lazyApp.url);
      expect(await ada.get('/count')).toBe('1');
      const client: RedisClientType = createClient({ url: redis.url });
      await client.connect();
      try {
        // What asking costs by itself, then the same with an untouched request in between.
        const idle = -(await commandsProcessed(client)) + (await commandsProcessed(client));
        const before = await commandsProcessed(client);
        const untouched = await ada.request('GET', '/untouched');
        const after = await commandsProcessed(client);
        expect(untouched).toMatchObject({ status: 200, body: 'ok', setCookie: [] });
        expect(after - before).toBe(idle);
      } finally {
        await client.quit();
      }
      expect(await ada.get('/count')).toBe('2');
    });
  });

  describe(`${harness.name} adapter with cookie-only sessions`, () => {
    let vessel: Vessel;
    let app: AdapterApp;
    let cacheDir: string;

    beforeAll(async () => {
      cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-adapter-cookie-'));
      vessel = createVessel({ cacheDir, session: { type: 'cookie', secret: CONFORMANCE_SECRET } });
      app = await harness.start({ vessel });
    });
    afterAll(async () => {
      await app?.close();
      await vessel?.close();
      await rm(cacheDir, { recursive: true, force: true });
    });

    it('counts, logs in and out with the session in the cookie, and stores nothing', async () => {
      const ada = new HttpBrowser(app.url);
      expect([await ada.get('/count'), await ada.get('/count')]).toEqual(['1', '2']);
      await ada.post('/login?user=ada');
      expect(await ada.get('/whoami')).toBe('ada');
      await ada.post('/logout');
      expect(await ada.get('/whoami')).toBe('nobody');
      expect(await vessel.sessionStorage.namespace('session').count()).toBe(0);
    });
  });
}
