/** A response turned into a copy, and a copy played back as a response. */
import type { IncomingMessage, ServerResponse } from 'node:http';
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
export function copyOf(res: ServerResponse, body: Buffer, expireSeconds: number, notEncoded: boolean): CachedResponse {
  const headers: Record<string, string | string[]> = {};
  for (const name of KEPT_HEADERS) {
    if (notEncoded && name === 'content-encoding') continue;
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value);
  }
  const storedAt = Date.now();
  return {
    kind: 'response',
    status: res.statusCode,
    headers,
    body: body.toString('base64'),
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

/** Answers `req` with `hit` (a `304` when `If-None-Match` names its ETag), with its `Age`. */
export function replay(req: IncomingMessage, res: ServerResponse, hit: CachedResponse): void {
  res.statusCode = hit.status;
  for (const name of Object.keys(hit.headers)) res.setHeader(name, hit.headers[name] as string | string[]);
  res.setHeader('Age', String(Math.max(0, Math.floor((Date.now() - hit.storedAt) / 1000))));
  res.setHeader('X-Vessel-Cache', 'hit');
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && notModified(ifNoneMatch, hit.headers.etag)) {
    res.statusCode = 304;
    for (const name of ['content-type', 'content-length', 'content-encoding']) res.removeHeader(name);
    res.end();
  } else {
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(hit.body, 'base64'));
  }
}
