/**
 * Whether a finished response may be kept, and for how long: the rules of a shared HTTP cache
 * (RFC 9111 §3), or of a per-session cache with `perSession`. Judged once per stored response,
 * so it may parse; the replay path never comes here.
 */
import type { HeaderValue, SentResponse } from './exchange.js';

/** A response that may be kept. */
export interface Storable {
  /** What the response allows, in seconds (`s-maxage`, `max-age` or `Expires`); `undefined` when it says nothing. */
  readonly freshSeconds: number | undefined;
  /** The request headers it varies on, lower case and sorted; empty when none. */
  readonly vary: readonly string[];
}

/** How the cache judges: as a cache shared by everyone, or one kept per session. */
export interface JudgeOptions {
  readonly statuses: ReadonlySet<number>;
  /** Per-session entries: `private` may be kept, `s-maxage` does not apply, any `Vary` is keyed on. */
  readonly perSession: boolean;
}

/** Request headers that make a response personal when it varies on them. */
const PERSONAL_HEADERS = new Set(['cookie', 'authorization']);

/** A header's value as one string (frameworks give numbers and arrays too). */
export function headerText(res: Pick<SentResponse, 'header'>, name: string): string | undefined {
  const value = res.header(name);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** `Cache-Control` directives: lower-case names to their values (`true` for a bare directive). */
export function cacheControlOf(text: string | undefined): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (text === undefined) return directives;
  for (const part of text.split(',')) {
    const equals = part.indexOf('=');
    const name = (equals < 0 ? part : part.slice(0, equals)).trim().toLowerCase();
    if (name === '') continue;
    // A directive given twice: the first one counts.
    if (directives.has(name)) continue;
    directives.set(
      name,
      equals < 0
        ? true
        : part
            .slice(equals + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1'),
    );
  }
  return directives;
}

/** A delta-seconds value; anything else counts as 0 (RFC 9111 §1.2.2: invalid means stale). */
function deltaSeconds(value: string | true): number {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : 0;
}

/** `Vary`'s header names, lower case and sorted, without duplicates. */
export function varyOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return [...names].sort();
}

/** How long the response allows it to be kept, in seconds; `undefined` when it says nothing, 0 for "not at all". */
function freshnessOf(
  res: SentResponse,
  directives: Map<string, string | true>,
  perSession: boolean,
  now: number,
): number | undefined {
  const shared = perSession ? undefined : directives.get('s-maxage');
  const maxAge = shared ?? directives.get('max-age');
  if (maxAge !== undefined) return deltaSeconds(maxAge);
  const expires = headerText(res, 'expires');
  if (expires === undefined) return undefined;
  const at = Date.parse(expires);
  // An invalid date (`Expires: 0`) means already expired.
  return Number.isNaN(at) ? 0 : Math.max(0, Math.floor((at - now) / 1000));
}

/**
 * What may be kept of `res`, or `undefined` when nothing may: its status is not kept, it sets
 * a cookie, says `no-store`, `no-cache` or (shared) `private`, allows 0 seconds, varies on
 * everything (`Vary: *`) or (shared) on the request's cookies or credentials.
 */
export function judgeResponse(res: SentResponse, options: JudgeOptions, now = Date.now()): Storable | undefined {
  if (!options.statuses.has(res.status) || res.header('set-cookie') !== undefined) return undefined;
  const directives = cacheControlOf(headerText(res, 'cache-control'));
  if (directives.has('no-store') || directives.has('no-cache')) return undefined;
  if (directives.has('private') && !options.perSession) return undefined;
  const freshSeconds = freshnessOf(res, directives, options.perSession, now);
  if (freshSeconds === 0) return undefined;
  const vary = varyOf(headerText(res, 'vary'));
  if (vary.includes('*')) return undefined;
  if (!options.perSession && vary.some((name) => PERSONAL_HEADERS.has(name))) return undefined;
  return { freshSeconds, vary };
}

/**
 * `true` for a `Content-Type` of `text/event-stream`: a response that lasts as long as its client,
 * which a cache serves at once and never records or waits for.
 */
export function isEventStream(contentType: HeaderValue): boolean {
  const text = Array.isArray(contentType) ? contentType[0] : contentType;
  return typeof text === 'string' && text.trimStart().toLowerCase().startsWith('text/event-stream');
}
