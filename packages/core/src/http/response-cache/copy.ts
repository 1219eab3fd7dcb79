/** A response turned into a copy, and a copy played back as a response. */
import type { CachedAnswer, CacheExchange, SentResponse } from './exchange.js';
import { headerText } from './policy.js';
import type { CachedResponse } from './stored.js';

/** Response headers a cached copy replays; the rest (Date, Set-Cookie, connection headers, the app's own) never are. */
export const KEPT_HEADERS = [
  'content-type',
  'content-language',
  'content-encoding',
  'cache-control',
  'etag',
  'last-modified',
  'vary',
  'location',
  'expires',
] as const;

/** The parts of `res` a copy keeps, fresh for `expireSeconds`; without `Content-Encoding` when `body` is not encoded. */
export function copyOf(
  res: SentResponse,
  body: Uint8Array,
  expireSeconds: number,
  notEncoded: boolean,
): CachedResponse {
  const headers: Record<string, string | string[]> = {};
  for (const name of KEPT_HEADERS) {
    if (notEncoded && name === 'content-encoding') continue;
    const value = res.header(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? [...value] : String(value);
  }
  const storedAt = Date.now();
  return {
    kind: 'response',
    status: res.status,
    headers,
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
    storedAt,
    freshUntil: storedAt + expireSeconds * 1000,
  };
}

/** `true` when `If-None-Match` names the copy's ETag (weak comparison, RFC 9110 §13.1.2), or is `*`. */
function notModified(ifNoneMatch: string, etag: string | string[] | undefined): boolean {
  if (typeof etag !== 'string') return false;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const candidate of ifNoneMatch.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === opaque) return true;
  }
  return false;
}

/** The answer `hit` gives `request`: a `304` when `If-None-Match` names its ETag, with its `Age`, marked a hit. */
export function replayOf(request: Pick<CacheExchange, 'header' | 'method'>, hit: CachedResponse): CachedAnswer {
  const headers: Record<string, string | string[]> = {
    ...hit.headers,
    age: String(Math.max(0, Math.floor((Date.now() - hit.storedAt) / 1000))),
    'x-vessel-cache': 'hit',
  };
  const ifNoneMatch = headerText(request, 'if-none-match');
  if (ifNoneMatch !== undefined && notModified(ifNoneMatch, hit.headers.etag)) {
    delete headers['content-type'];
    delete headers['content-length'];
    delete headers['content-encoding'];
    return { status: 304, headers, body: undefined };
  }
  return { status: hit.status, headers, body: request.method === 'HEAD' ? undefined : Buffer.from(hit.body, 'base64') };
}
