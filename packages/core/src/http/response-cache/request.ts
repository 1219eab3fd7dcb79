/**
 * What a request tells the response cache before the handler runs: whether it is personal
 * (credentials, a session) and whether it forbids storing. Runs on every request, hits
 * included: header reads and string searches only.
 */
import type { CacheExchange } from './exchange.js';
import { headerText } from './policy.js';

/** `true` when the Cookie header has a cookie named `name`. */
export function hasCookie(header: string | undefined, name: string): boolean {
  if (header === undefined) return false;
  let from = header.indexOf(name);
  while (from >= 0) {
    const before = from === 0 ? ';' : header[from - 1];
    const start = before === ';' || before === ' ';
    if (start && header.startsWith('=', skipSpaces(header, from + name.length))) return true;
    from = header.indexOf(name, from + 1);
  }
  return false;
}

function skipSpaces(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ') i++;
  return i;
}

/** `true` when the request brought a cookie of one of `sessionCookies`. */
export function hasSessionCookie(request: CacheExchange, sessionCookies: readonly string[]): boolean {
  const cookie = headerText(request, 'cookie');
  return cookie !== undefined && sessionCookies.some((name) => hasCookie(cookie, name));
}

/**
 * `true` when the request is personal and must neither get nor make a shared copy: it carries
 * credentials (`Authorization`), a session cookie of one of `sessionCookies`, or a session in use.
 */
export function isPersonal(request: CacheExchange, sessionCookies: readonly string[]): boolean {
  if (request.header('authorization') !== undefined) return true;
  return hasSessionCookie(request, sessionCookies) || request.sessionInUse();
}

/**
 * `true` when the request's response must not become the key's copy: it says `Cache-Control:
 * no-store`, or it asks for part of the page (`Range`) or only for news (`If-None-Match`,
 * `If-Modified-Since`: a 304 is not the page). Such a request is still answered from a copy.
 */
export function mayNotFill(request: CacheExchange): boolean {
  if (request.header('range') !== undefined || request.header('if-none-match') !== undefined) return true;
  if (request.header('if-modified-since') !== undefined) return true;
  const cacheControl = headerText(request, 'cache-control');
  return cacheControl !== undefined && /(?:^|,)\s*no-store\s*(?:,|$)/i.test(cacheControl);
}

/**
 * The default key of a request: its method, path and query, and the host it was sent to — the
 * `Host` header, and `X-Forwarded-Host` / `X-Forwarded-Proto` when present. A page built from
 * the host (absolute links, redirects) is then never replayed to a request for another host, so
 * a forged `Host` or `X-Forwarded-Host` can only ever fill keys of its own (web cache poisoning).
 */
export function defaultKey(request: CacheExchange): string {
  let key = `${request.method} ${request.url}\nhost:${headerText(request, 'host') ?? ''}`;
  const forwardedHost = headerText(request, 'x-forwarded-host');
  if (forwardedHost !== undefined) key += `\nx-forwarded-host:${forwardedHost}`;
  const forwardedProto = headerText(request, 'x-forwarded-proto');
  if (forwardedProto !== undefined) key += `\nx-forwarded-proto:${forwardedProto}`;
  return key;
}
