/**
 * One conformance suite for every adapter's `cacheResponse` (Express, Fastify, Hono, Koa): the
 * rules of a shared HTTP cache, per-session copies and the dog-pile, over real servers on real
 * sockets, on SQLite and Redis. Each adapter's package supplies a harness that starts the
 * standard cache app below in its framework.
 *
 * The standard cache app: `session({ vessel })` on every route (eager), and
 *
 * | route | does |
 * |---|---|
 * | `GET /page` | behind `cacheResponse(vessel)`; answers `text/plain` `page <n>`, n counting the handler's runs (all routes share the count) |
 * | `GET /mine` | behind `cacheResponse(vessel, { perSession: true })`; `Cache-Control: private, max-age=60`, answers `<session user or nobody> <n>` |
 * | `GET /small` | behind `cacheResponse(vessel, { maxBodyBytes: 10 })`; answers `page <n>` and 20 `x` |
 * | `POST /page` | behind `cacheResponse(vessel)`; answers `posted <n>` |
 * | `POST /login?user=U` | sets the session's `user` to U; `ok` |
 *
 * `/page` reads its query: `cc` → `Cache-Control`, `vary` → `Vary`, `etag` → `ETag: "<etag>"`,
 * `status` → the status, `cookie=1` → `Set-Cookie: flavor=1`, `extra=1` → `X-Extra: 1`,
 * `login=1` → sets the session's `user` (a session now in use), `wait` → waits that many ms
 * before answering, `host=1` → answers `page <n> for <the Host header>`. A request with the header `x-fail: 1` makes the handler throw (the
 * framework answers 500). Tests tell keys apart by a query parameter `t` the handler ignores.
 */

import { request as httpRequest } from 'node:http';
import { type CacheManager, ConfigError, createVessel, type Vessel } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdapterApp, CONFORMANCE_SECRET, CONFORMANCE_STORES, HttpBrowser } from './adapter-conformance.js';

/** One adapter's `cacheResponse`, as the suite drives it. */
export interface ResponseCacheHarness {
  /** `express`, `fastify`, `hono`, `koa`. */
  readonly name: string;
  /** Starts the standard cache app (see the module) on a free loopback port. */
  start(vessel: Vessel): Promise<AdapterApp>;
  /** Calls the adapter's `cacheResponse(source, options)` (for its option checks). */
  cacheResponse(source: Vessel | CacheManager, options: Record<string, unknown>): unknown;
}

/** A response as the tests read it. */
interface Answer {
  readonly status: number;
  readonly body: string;
  readonly cache: string | null;
  readonly headers: Headers;
}

/**
 * The response cache conformance suite for `harness`: every scenario on SQLite and Redis.
 */
export function describeResponseCacheConformance(harness: ResponseCacheHarness): void {
  describe.each(CONFORMANCE_STORES)(`${harness.name} cacheResponse on %s`, (store) => {
    let vessel: Vessel;
    let app: AdapterApp;
    let cleanup: () => Promise<void>;
    let test = 0;

    beforeAll(async () => {
      const opened = await store.open();
      cleanup = opened.cleanup;
      vessel = createVessel({ ...opened.options, session: { secret: CONFORMANCE_SECRET, timeout: 600 } });
      await vessel.ready();
      app = await harness.start(vessel);
    });
    afterAll(async () => {
      await app?.close();
      await vessel?.close();
      await cleanup?.();
    });

    /** `/page` with `query` and a key of its own for this call site's test. */
    const page = (query: Record<string, string> = {}, t = `${++test}`) =>
      `/page?${new URLSearchParams({ t, ...query })}`;

    /** A GET over `node:http`, which (unlike fetch) sends the `Host` header it is given. */
    function getAs(url: string, headers: Record<string, string>): Promise<Answer> {
      return new Promise((resolve, reject) => {
        const request = httpRequest(app.url + url, { headers }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => {
            const cache = response.headers['x-vessel-cache'];
            resolve({
              status: response.statusCode ?? 0,
              body,
              cache: typeof cache === 'string' ? cache : null,
              headers: new Headers(),
            });
          });
        });
        request.on('error', reject);
        request.end();
      });
    }

    async function send(url: string, init: RequestInit = {}): Promise<Answer> {
      const response = await fetch(app.url + url, { redirect: 'manual', ...init });
      return {
        status: response.status,
        body: await response.text(),
        cache: response.headers.get('x-vessel-cache'),
        headers: response.headers,
      };
    }

    it('answers a second request from the copy the first one made, saying how old it is', async () => {
      const url = page();
      const first = await send(url);
      expect(first).toMatchObject({ status: 200, cache: 'miss' });
      expect(first.body).toMatch(/^page \d+$/);
      const second = await send(url);
      expect(second).toMatchObject({ status: 200, cache: 'hit', body: first.body });
      expect(second.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
    });

    it('never replays a page made for one host to a request for another (Host, X-Forwarded-Host)', async () => {
      const url = page({ host: '1' });
      const forA = await getAs(url, { host: 'a.example' });
      expect(forA).toMatchObject({ cache: 'miss' });
      expect(forA.body).toMatch(/^page \d+ for a\.example$/);
      expect(await getAs(url, { host: 'a.example' })).toMatchObject({ cache: 'hit', body: forA.body });
      const forB = await getAs(url, { host: 'b.example' });
      expect(forB.cache).toBe('miss');
      expect(forB.body).toMatch(/ for b\.example$/);
      // A forged X-Forwarded-Host fills a key of its own: the plain request is not given its page.
      const forged = await getAs(url, { host: 'a.example', 'x-forwarded-host': 'evil.example' });
      expect(forged.cache).toBe('miss');
      expect(await getAs(url, { host: 'a.example' })).toMatchObject({ cache: 'hit', body: forA.body });
    });

    it('replays only the headers that describe the body', async () => {
      const url = page({ extra: '1', etag: 'v1', cc: 'public, max-age=60' });
      const first = await send(url);
      expect(first.headers.get('x-extra')).toBe('1');
      const second = await send(url);
      expect(second.cache).toBe('hit');
      expect(second.headers.get('x-extra')).toBeNull();
      expect(second.headers.get('etag')).toBe('"v1"');
      expect(second.headers.get('cache-control')).toBe('public, max-age=60');
    });

    describe('never keeps what a shared cache must not', () => {
      const refused: Record<string, Record<string, string>> = {
        'Cache-Control: private': { cc: 'private, max-age=60' },
        'Cache-Control: no-store': { cc: 'no-store' },
        'Cache-Control: no-cache': { cc: 'no-cache' },
        'max-age=0': { cc: 'max-age=0' },
        'a Set-Cookie': { cookie: '1' },
        'Vary: *': { vary: '*' },
        'Vary: Cookie': { vary: 'Cookie' },
        'Vary: Authorization': { vary: 'Authorization' },
        'a status other than 200': { status: '404' },
        'a handler that put data in the session': { login: '1' },
      };
      for (const [what, query] of Object.entries(refused)) {
        it(`a response with ${what}`, async () => {
          const url = page(query);
          const first = await send(url);
          const second = await send(url);
          expect(first.cache).toBe('miss');
          expect(second.cache).toBe('pass');
          expect(second.body).not.toBe(first.body);
        });
      }
    });

    it('keeps nothing of a handler that threw: the next request runs it again', async () => {
      const url = page();
      const failed = await send(url, { headers: { 'x-fail': '1' } });
      expect(failed.status).toBe(500);
      const next = await send(url);
      expect(next.status).toBe(200);
      expect(next.body).toMatch(/^page \d+$/);
    });

    it('never answers a request with credentials from a copy, nor keeps its page', async () => {
      const url = page();
      const kept = await send(url);
      const withCredentials = await send(url, { headers: { authorization: 'Bearer ada' } });
      expect(withCredentials.cache).toBe('pass');
      expect(withCredentials.body).not.toBe(kept.body);
      const fresh = page();
      await send(fresh, { headers: { authorization: 'Bearer ada' } });
      expect((await send(fresh)).cache).toBe('miss');
    });

    it("never gives a signed-in user's page to anyone, nor a shared copy to a signed-in user", async () => {
      const ada = new HttpBrowser(app.url);
      await ada.post('/login?user=ada');
      const url = page();
      const shared = await send(url);
      const asAda = await fetch(app.url + url, { headers: { cookie: ada.cookie as string } });
      expect(asAda.headers.get('x-vessel-cache')).toBe('pass');
      expect(await asAda.text()).not.toBe(shared.body);
      const adaFirst = page();
      await fetch(app.url + adaFirst, { headers: { cookie: ada.cookie as string } });
      expect((await send(adaFirst)).cache).toBe('miss');
    });

    it('keeps one copy per value of the request headers a response varies on', async () => {
      const url = page({ vary: 'Accept-Language' });
      const en = await send(url, { headers: { 'accept-language': 'en' } });
      const fr = await send(url, { headers: { 'accept-language': 'fr' } });
      expect(fr.body).not.toBe(en.body);
      const enAgain = await send(url, { headers: { 'accept-language': 'en' } });
      const frAgain = await send(url, { headers: { 'accept-language': 'fr' } });
      expect(enAgain).toMatchObject({ cache: 'hit', body: en.body });
      expect(frAgain).toMatchObject({ cache: 'hit', body: fr.body });
    });

    it('answers If-None-Match naming the copy with 304, and lets conditional requests through on a miss', async () => {
      const url = page({ etag: 'v7' });
      const conditionalMiss = await send(url, { headers: { 'if-none-match': '"v7"' } });
      expect(conditionalMiss.cache).toBe('pass');
      await send(url);
      // A plain request waits for the copy being stored, if it is not yet: the conditional one after it finds it.
      expect((await send(url)).cache).toBe('hit');
      const notModified = await send(url, { headers: { 'if-none-match': 'W/"v7"' } });
      expect(notModified).toMatchObject({ status: 304, cache: 'hit', body: '' });
      expect((await send(url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    });

    it('replays HEAD without a body', async () => {
      const url = page();
      const first = await send(url, { method: 'HEAD' });
      const second = await send(url, { method: 'HEAD' });
      expect(first).toMatchObject({ status: 200, cache: 'miss', body: '' });
      expect(second).toMatchObject({ status: 200, cache: 'hit', body: '' });
    });

    it('leaves other methods alone', async () => {
      const first = await send('/page', { method: 'POST' });
      const second = await send('/page', { method: 'POST' });
      expect(first.cache).toBeNull();
      expect(second.body).not.toBe(first.body);
    });

    it('runs the handler once for 20 concurrent cold requests', async () => {
      const url = page({ wait: '150' });
      const answers = await Promise.all(Array.from({ length: 20 }, () => send(url)));
      expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
      expect(answers.filter((answer) => answer.cache === 'miss')).toHaveLength(1);
    });

    it('keeps private pages per session with perSession, never across sessions', async () => {
      const ada = new HttpBrowser(app.url);
      const bob = new HttpBrowser(app.url);
      await ada.post('/login?user=ada');
      await bob.post('/login?user=bob');
      const adaFirst = await ada.request('GET', '/mine');
      const bobFirst = await bob.request('GET', '/mine');
      expect(adaFirst.body).toMatch(/^ada \d+$/);
      expect(bobFirst.body).toMatch(/^bob \d+$/);
      expect((await ada.get('/mine')) === adaFirst.body).toBe(true);
      expect(await bob.get('/mine')).toBe(bobFirst.body);
      // No session: nothing is kept, nothing replayed.
      const anonymous = await send('/mine');
      expect(anonymous.cache).toBe('pass');
      expect(anonymous.body).toMatch(/^nobody \d+$/);
    });

    it('serves but never keeps a body over maxBodyBytes', async () => {
      const first = await send('/small');
      const second = await send('/small');
      expect(first.body).toMatch(/^page \d+x{20}$/);
      expect(second.cache).toBe('pass');
      expect(second.body).not.toBe(first.body);
    });

    it('refuses a bad option, naming it', () => {
      expect(() => harness.cacheResponse(vessel, { maxEntries: 0 })).toThrow(ConfigError);
      expect(() => harness.cacheResponse(vessel, { maxEntries: 0 })).toThrow(/cacheResponse\.maxEntries/);
      expect(() => harness.cacheResponse(vessel, { expires: 60 })).toThrow(/expire/);
    });
  });
}

/** What the standard cache app's `/page` handler answers for `query` (shared by every harness). */
export interface PagePlan {
  /** Answer `page <n> for <Host>` instead of `page <n>`. */
  readonly showHost: boolean;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly login: boolean;
  readonly waitMs: number;
}

/** Reads `/page`'s query (see the module). */
export function pagePlan(query: URLSearchParams): PagePlan {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  const cc = query.get('cc');
  if (cc !== null) headers['cache-control'] = cc;
  const vary = query.get('vary');
  if (vary !== null) headers.vary = vary;
  const etag = query.get('etag');
  if (etag !== null) headers.etag = `"${etag}"`;
  if (query.get('cookie') === '1') headers['set-cookie'] = 'flavor=1; Path=/';
  if (query.get('extra') === '1') headers['x-extra'] = '1';
  return {
    showHost: query.get('host') === '1',
    status: Number(query.get('status') ?? 200),
    headers,
    login: query.get('login') === '1',
    waitMs: Number(query.get('wait') ?? 0),
  };
}

/** `/page`'s answer: its run number, and the `Host` the request sent when the plan says so. */
export function pageBody(plan: PagePlan, run: number, host: string | undefined): string {
  return plan.showHost ? `page ${run} for ${host}` : `page ${run}`;
}

/** Throws when the request asked for it (`x-fail: 1`), as a failing handler does. */
export function failIfAsked(header: string | string[] | undefined | null): void {
  if (header === '1') throw new Error('the handler failed, as the request asked');
}

/** A counter of handler runs, shared by the standard app's routes. */
export function runCounter(): () => number {
  let runs = 0;
  return () => ++runs;
}

/** Resolves after `ms` (the `wait` of `/page`: a handler slow enough for requests to pile up). */
export function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/**
 * The examples' cached `/news` page (examples/fastify, hono, koa): the second anonymous visitor is
 * answered from the first one's copy; a visitor carrying the session `cookie` never is.
 */
export async function expectNewsCached(base: string, cookie: string): Promise<void> {
  const visit = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/news`, { headers });
    return { cache: response.headers.get('x-vessel-cache'), page: await response.text() };
  };
  const first = await visit();
  const second = await visit();
  const withSession = await visit({ cookie });
  expect(first).toMatchObject({ cache: 'miss', page: expect.stringMatching(/^<p>Edition \d+, printed /) });
  expect(second).toEqual({ cache: 'hit', page: first.page });
  expect(withSession.cache).toBe('pass');
  expect(withSession.page).not.toBe(first.page);
}
