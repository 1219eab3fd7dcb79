/**
 * `ResponseCache`'s rules one by one, driven through its public contract (`CacheExchange`) with
 * scripted requests and responses on a memory cache: the details the conformance suite's
 * end-to-end scenarios pass over (directive spellings, cookie names, header normalization,
 * entries someone else wrote, the bounds, the replay's headers).
 */

import { CacheManager, createStorage } from '@vessel/core';
import {
  type CachedAnswer,
  type CacheExchange,
  type CacheResponseOptions,
  type ResponseCache,
  responseCacheOf,
} from '@vessel/core/http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** What a scripted request asks, and what its handler would answer. */
interface Script {
  readonly method?: string;
  readonly url?: string;
  readonly key?: string;
  readonly headers?: Record<string, string>;
  readonly inUse?: boolean;
  readonly status?: number;
  readonly responseHeaders?: Record<string, string | string[]>;
  readonly body?: string;
  /** The body as a compression step outside the cache would leave it (`encodedAfter`). */
  readonly encodedAfter?: boolean;
}

/** How the cache answered one request. */
type Outcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'replay'; readonly answer: CachedAnswer }
  | { readonly kind: 'run' }
  | { readonly kind: 'fail'; readonly error: unknown };

let manager: CacheManager;
let runs: number;

beforeEach(() => {
  manager = new CacheManager({}, createStorage({ type: 'memory' }));
  runs = 0;
});
afterEach(async () => {
  await manager.close();
});

/** The outcome of `script` on `cache`; a run's response is what the script says. */
function ask(cache: ResponseCache, script: Script = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers = { host: 'site.test', ...script.headers };
    const method = script.method ?? 'GET';
    const exchange: CacheExchange = {
      method,
      url: script.url ?? '/page',
      key: script.key,
      header: (name) => headers[name as keyof typeof headers],
      sessionInUse: () => script.inUse === true,
      broughtSession: async () => undefined,
      currentSessionId: () => undefined,
      pass: () => resolve({ kind: 'pass' }),
      replay: (answer) => resolve({ kind: 'replay', answer }),
      async run() {
        runs++;
        resolve({ kind: 'run' });
        const responseHeaders: Record<string, string | string[]> = {
          'content-type': 'text/plain',
          ...script.responseHeaders,
        };
        return {
          status: script.status ?? 200,
          header: (name) => responseHeaders[name],
          body: method === 'HEAD' ? new Uint8Array(0) : Buffer.from(script.body ?? `body ${runs}`),
          encodedAfter: script.encodedAfter,
        };
      },
      fail: (error) => resolve({ kind: 'fail', error }),
    };
    cache.handle(exchange);
  });
}

/**
 * Fills the key of `script` and waits until its copy is stored: a second, plain request waits on
 * the key's lock while the first one's copy is being stored, and is answered from it.
 */
async function fill(cache: ResponseCache, script: Script = {}): Promise<void> {
  expect((await ask(cache, script)).kind).toBe('run');
  const { headers: _conditional, ...plain } = script;
  expect((await ask(cache, plain)).kind).toBe('replay');
}

/** Asks twice: the first request fills (or not), the second says what was kept. */
async function twice(cache: ResponseCache, first: Script, second: Script = first): Promise<Outcome> {
  await ask(cache, first);
  return ask(cache, second);
}

const cacheOf = (options: CacheResponseOptions<never> = {}) => responseCacheOf(manager, options);
const body = (outcome: Outcome) =>
  outcome.kind === 'replay' && outcome.answer.body ? Buffer.from(outcome.answer.body).toString() : undefined;

describe('which responses are kept', () => {
  it.each([
    ['a quoted max-age', 'max-age="60"', 'replay'],
    ['upper-case directives', 'PUBLIC, MAX-AGE=60', 'replay'],
    ['no-cache with a field name', 'no-cache="set-cookie"', 'pass'],
    ['a directive given twice (the first counts)', 'max-age=0, max-age=60', 'pass'],
    ['a max-age that is not a number', 'max-age=soon', 'pass'],
    ['s-maxage=0 over a long max-age (shared)', 's-maxage=0, max-age=600', 'pass'],
    ['private', 'private', 'pass'],
    ['an empty directive list', ',, ,', 'replay'],
    ['spaces around the equals sign', 'max-age = 60', 'replay'],
    ['a long max-age given first', 'max-age=60, max-age=0', 'replay'],
    ['an empty max-age', 'max-age=', 'pass'],
  ])('Cache-Control with %s: %s', async (_what, cacheControl, second) => {
    const cache = cacheOf();
    const outcome = await twice(cache, { responseHeaders: { 'cache-control': cacheControl } });
    expect(outcome.kind).toBe(second);
  });

  it('keeps statuses named in `statuses` only', async () => {
    expect((await twice(cacheOf(), { status: 203 })).kind).toBe('pass');
    expect((await twice(cacheOf({ statuses: [203] }), { url: '/203', status: 203 })).kind).toBe('replay');
  });

  it('reads Expires: past and invalid dates are never kept, a future one is', async () => {
    const cache = cacheOf();
    const past = new Date(Date.now() - 60_000).toUTCString();
    const future = new Date(Date.now() + 60_000).toUTCString();
    expect((await twice(cache, { url: '/past', responseHeaders: { expires: past } })).kind).toBe('pass');
    expect((await twice(cache, { url: '/zero', responseHeaders: { expires: '0' } })).kind).toBe('pass');
    expect((await twice(cache, { url: '/future', responseHeaders: { expires: future } })).kind).toBe('replay');
  });

  it('never keeps a response with a Set-Cookie, given as a string or a list', async () => {
    const cache = cacheOf();
    expect((await twice(cache, { url: '/one', responseHeaders: { 'set-cookie': 'a=1' } })).kind).toBe('pass');
    expect((await twice(cache, { url: '/list', responseHeaders: { 'set-cookie': ['a=1', 'b=2'] } })).kind).toBe('pass');
  });

  it('with perSession, s-maxage does not apply and private pages may be kept', async () => {
    const cache = cacheOf({ perSession: true });
    // No session brought: never kept, whatever the response says.
    expect((await twice(cache, { responseHeaders: { 'cache-control': 'private, max-age=60' } })).kind).toBe('pass');
  });
});

describe('which requests are personal', () => {
  it.each([
    ['the default session cookie', 'connect.sid=s%3Aabc.def', 'pass'],
    ['a session cookie after others, with spaces', 'theme=dark;  connect.sid =x', 'pass'],
    ['a cookie whose name only ends with the session cookie name', 'xconnect.sid=1', 'replay'],
    ['the session cookie name inside a value', 'ref=connect.sid=1', 'replay'],
    ['a cookie named in sessionCookies', 'remember=1', 'pass'],
  ])('a request with %s', async (_what, cookie, second) => {
    const cache = cacheOf({ sessionCookies: ['remember'] });
    await ask(cache);
    expect((await ask(cache, { headers: { cookie } })).kind).toBe(second);
  });

  it('a request whose session is in use neither gets nor makes a copy', async () => {
    const cache = cacheOf();
    expect((await ask(cache, { inUse: true })).kind).toBe('pass');
    expect((await ask(cache)).kind).toBe('run');
    expect((await ask(cache, { inUse: true })).kind).toBe('pass');
  });

  it.each([
    ['Range', { range: 'bytes=0-10' }],
    ['If-Modified-Since', { 'if-modified-since': new Date().toUTCString() }],
    ['Cache-Control: no-store', { 'cache-control': 'max-age=0, no-store' }],
  ])('a %s request is answered from a copy but never makes one', async (_what, headers) => {
    const cache = cacheOf();
    expect((await ask(cache, { headers })).kind).toBe('pass');
    await fill(cache);
    expect((await ask(cache, { headers })).kind).toBe('replay');
  });

  it('a request Cache-Control merely containing the letters of no-store may fill', async () => {
    const cache = cacheOf();
    expect((await ask(cache, { headers: { 'cache-control': 'x-no-store-ish' } })).kind).toBe('run');
  });
});

describe('keys', () => {
  it('are apart for each X-Forwarded-Proto, and an app key replaces the default', async () => {
    const cache = cacheOf();
    await ask(cache, { headers: { 'x-forwarded-proto': 'http' } });
    expect((await ask(cache, { headers: { 'x-forwarded-proto': 'https' } })).kind).toBe('run');
    await ask(cache, { key: 'one key', url: '/a' });
    expect((await ask(cache, { key: 'one key', url: '/b' })).kind).toBe('replay');
  });

  it('are the same for header values that differ only in spacing (Vary)', async () => {
    const cache = cacheOf();
    const varying = { responseHeaders: { vary: ' Accept-Language , accept-language' } };
    const made = await twice(
      cache,
      { ...varying, headers: { 'accept-language': 'en,  fr' } },
      { ...varying, headers: { 'accept-language': ' en , fr ' } },
    );
    expect(made.kind).toBe('replay');
    expect((await ask(cache, { ...varying, headers: { 'accept-language': 'fr' } })).kind).toBe('run');
  });
});

describe('what is replayed', () => {
  it('only the headers that describe the body, lists kept as lists, with Age and the hit mark', async () => {
    const cache = cacheOf();
    const outcome = await twice(cache, {
      responseHeaders: {
        'content-language': 'en',
        'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT',
        location: '/elsewhere',
        'x-own': 'mine',
        'content-encoding': 'identity',
        vary: 'Accept',
        link: ['</a>; rel=preload', '</b>; rel=preload'],
      },
    });
    expect(outcome.kind).toBe('replay');
    const { headers } = (outcome as { answer: CachedAnswer }).answer;
    expect(headers).toMatchObject({
      'content-type': 'text/plain',
      'content-language': 'en',
      'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT',
      location: '/elsewhere',
      'content-encoding': 'identity',
      vary: 'Accept',
      age: '0',
      'x-vessel-cache': 'hit',
    });
    expect(headers).not.toHaveProperty('x-own');
    expect(headers).not.toHaveProperty('link');
  });

  it('without the Content-Encoding a step outside the cache added', async () => {
    const cache = cacheOf();
    const outcome = await twice(cache, { responseHeaders: { 'content-encoding': 'gzip' }, encodedAfter: true });
    expect((outcome as { answer: CachedAnswer }).answer.headers).not.toHaveProperty('content-encoding');
  });

  it.each([
    ['the same strong tag', '"v1"', 304],
    ['a weak form of it', 'W/"v1"', 304],
    ['a list naming it', '"v0", "v1"', 304],
    ['*', '*', 304],
    ['another tag', '"v2"', 200],
  ])('If-None-Match with %s answers %s', async (_what, ifNoneMatch, status) => {
    const cache = cacheOf();
    await fill(cache, { responseHeaders: { etag: '"v1"' }, body: 'page' });
    const outcome = await ask(cache, { headers: { 'if-none-match': ifNoneMatch } });
    expect(outcome.kind).toBe('replay');
    const { answer } = outcome as { answer: CachedAnswer };
    expect(answer.status).toBe(status);
    expect(answer.body === undefined).toBe(status === 304);
    if (status === 304) expect(answer.headers).not.toHaveProperty('content-type');
  });

  it('If-None-Match on a copy without an ETag is the page', async () => {
    const cache = cacheOf();
    await fill(cache, { body: 'page' });
    const outcome = await ask(cache, { headers: { 'if-none-match': '"v1"' } });
    expect(body(outcome)).toBe('page');
  });

  it('HEAD copies answer HEAD without a body', async () => {
    const cache = cacheOf();
    const outcome = await twice(cache, { method: 'HEAD' });
    expect(outcome).toMatchObject({ kind: 'replay', answer: { status: 200, body: undefined } });
  });
});

describe('entries the cache did not write', () => {
  it.each([
    ['a response missing its status', { kind: 'response', headers: {}, body: '', storedAt: 0, freshUntil: 9e15 }],
    [
      'a response whose headers are null',
      { kind: 'response', status: 200, headers: null, body: '', storedAt: 0, freshUntil: 9e15 },
    ],
    [
      'a response whose storedAt is not a number',
      { kind: 'response', status: 200, headers: {}, body: '', storedAt: 'now', freshUntil: 9e15 },
    ],
    [
      'a response whose headers are not an object',
      { kind: 'response', status: 200, headers: 'x', body: '', storedAt: 0, freshUntil: 9e15 },
    ],
    [
      'a response with a body that is not text',
      { kind: 'response', status: 200, headers: {}, body: 1, storedAt: 0, freshUntil: 9e15 },
    ],
    ['a response without freshUntil', { kind: 'response', status: 200, headers: {}, body: '', storedAt: 0 }],
    ['a vary marker without its list', { kind: 'vary' }],
    ['something else', { kind: 'other' }],
    ['a string', 'hello'],
  ])('%s is never replayed, and is dropped', async (_what, planted) => {
    const responses = manager.getCache('responses', { expire: 60 });
    await responses.set('GET /page\nhost:site.test', planted);
    const cache = cacheOf();
    expect((await ask(cache)).kind).toBe('pass');
    expect(await responses.has('GET /page\nhost:site.test')).toBe(false);
  });

  it('a complete copy is replayed, a pass marker passes and stays, a vary marker leads to its variant', async () => {
    const responses = manager.getCache('responses', { expire: 60 });
    const copy = {
      kind: 'response',
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('planted').toString('base64'),
      storedAt: Date.now(),
      freshUntil: Date.now() + 60_000,
    };
    await responses.set('GET /copy\nhost:site.test', copy);
    await responses.set('GET /passing\nhost:site.test', { kind: 'pass' });
    await responses.set('GET /varying\nhost:site.test', { kind: 'vary', vary: ['accept'] });
    const cache = cacheOf();
    expect(body(await ask(cache, { url: '/copy' }))).toBe('planted');
    expect((await ask(cache, { url: '/passing' })).kind).toBe('pass');
    expect(await responses.has('GET /passing\nhost:site.test')).toBe(true);
    expect((await ask(cache, { url: '/varying', headers: { accept: 'text/html' } })).kind).toBe('run');
  });

  it('a copy past its freshUntil is never replayed, and is dropped', async () => {
    const responses = manager.getCache('responses', { expire: 60 });
    const stale = { kind: 'response', status: 200, headers: {}, body: '', storedAt: 0, freshUntil: Date.now() - 1 };
    await responses.set('GET /page\nhost:site.test', stale);
    expect((await ask(cacheOf())).kind).toBe('pass');
    expect(await responses.has('GET /page\nhost:site.test')).toBe(false);
  });
});

describe('bounds', () => {
  it('keeps at most maxEntries keys, the oldest out first', async () => {
    const cache = cacheOf({ maxEntries: 2 });
    await fill(cache, { url: '/a' });
    await fill(cache, { url: '/b' });
    await fill(cache, { url: '/c' });
    const responses = manager.getCache('responses');
    await expect.poll(() => responses.has('GET /a\nhost:site.test')).toBe(false);
    expect(await responses.has('GET /b\nhost:site.test')).toBe(true);
    expect(await responses.has('GET /c\nhost:site.test')).toBe(true);
  });

  it('keeps at most maxBytes of bodies, the oldest out first', async () => {
    // Each copy counts its body as stored (base64) and its key: ~62 bytes here.
    const cache = cacheOf({ maxBytes: 100, maxBodyBytes: 60 });
    await fill(cache, { url: '/a', body: 'a'.repeat(30) });
    await fill(cache, { url: '/b', body: 'b'.repeat(30) });
    const responses = manager.getCache('responses');
    await expect.poll(() => responses.has('GET /a\nhost:site.test')).toBe(false);
    expect(await responses.has('GET /b\nhost:site.test')).toBe(true);
  });

  it('refuses bounds that are not whole numbers in range, naming the option', () => {
    expect(() => cacheOf({ maxEntries: 1.5 })).toThrow(/cacheResponse\.maxEntries/);
    expect(() => cacheOf({ maxBodyBytes: -1 })).toThrow(/cacheResponse\.maxBodyBytes/);
    expect(() => cacheOf({ maxBytes: 0 })).toThrow(/cacheResponse\.maxBytes/);
    expect(() => cacheOf({ maxBytes: 10, maxBodyBytes: 20 })).toThrow(/must be at least maxBodyBytes/);
    expect(() => responseCacheOf(manager, { maxEntries: 0 }, 'myRoute')).toThrow(/myRoute\.maxEntries/);
  });
});
