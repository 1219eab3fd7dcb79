/**
 * What the response cache keeps under a key, and the keys of a response's variants. A primary
 * key (method and URL, or the app's `key`) holds a whole response when the response does not
 * vary, a vary marker naming the request headers it varies on, or a pass marker ("not
 * storable: go to the handler"). Variants live under the primary key plus a digest of those
 * headers' values, as shared HTTP caches keep a secondary key (RFC 9111 §4.1).
 */
import { createHash } from 'node:crypto';
import type { CacheExchange } from './exchange.js';
import { headerText } from './policy.js';

/** A whole response, as replayed to later requests. */
export interface CachedResponse {
  readonly kind: 'response';
  readonly status: number;
  /** Only the headers that describe the body (see `KEPT_HEADERS`). */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The body, base64. */
  readonly body: string;
  /** When it was stored, ms since the epoch; the replay's `Age` counts from it. */
  readonly storedAt: number;
  /**
   * Until when it may be replayed, ms since the epoch. The cache entry's own expiry says the
   * same once the creator has shortened it to the response's `max-age`; this covers the moment before.
   */
  readonly freshUntil: number;
  /** The request headers the response varies on (lower case, sorted); absent when none. */
  readonly vary?: readonly string[];
  /** The digest of those headers' values in the request it was made for; checked on every replay. */
  readonly variant?: string;
}

/** Under a primary key: the route's responses vary on these request headers (lower case, sorted). */
export interface VaryMarker {
  readonly kind: 'vary';
  readonly vary: readonly string[];
}

/** "Hit-for-pass": the last response under this key could not be kept; requests go to the handler. */
export interface PassMarker {
  readonly kind: 'pass';
}

export type StoredValue = CachedResponse | VaryMarker | PassMarker;

/** The one pass marker (values are never mutated, so it is shared). */
export const PASS: PassMarker = Object.freeze({ kind: 'pass' });

/**
 * `value` if it is something the response cache stored, else `undefined` (an entry written by
 * an older version, or by someone else, is never replayed).
 */
export function storedValueOf(value: unknown): StoredValue | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'response') {
    const { status, headers, body, storedAt } = value as Partial<CachedResponse>;
    const valid =
      typeof status === 'number' &&
      typeof body === 'string' &&
      typeof storedAt === 'number' &&
      typeof (value as Partial<CachedResponse>).freshUntil === 'number' &&
      typeof headers === 'object' &&
      headers !== null;
    return valid ? (value as CachedResponse) : undefined;
  }
  if (kind === 'vary') return Array.isArray((value as VaryMarker).vary) ? (value as VaryMarker) : undefined;
  return kind === 'pass' ? PASS : undefined;
}

/** One request header's value as the variant digest sees it: whitespace collapsed, `null` when absent. */
function normalizedHeader(request: Pick<CacheExchange, 'header'>, name: string): string | null {
  const text = headerText(request, name);
  if (text === undefined) return null;
  return text
    .trim()
    .replace(/\s*,\s*/g, ',')
    .replace(/\s+/g, ' ');
}

/**
 * The digest of the values `request` has for the headers in `vary`. A digest rather than the
 * values, so header contents never become storage keys, and keys stay short.
 */
export function variantOf(request: Pick<CacheExchange, 'header'>, vary: readonly string[]): string {
  const values = vary.map((name) => normalizedHeader(request, name));
  return createHash('sha256')
    .update(JSON.stringify([vary, values]))
    .digest('base64url');
}

/** The key of the variant `variant` of the response under `primary`. */
export function variantKey(primary: string, variant: string): string {
  return `${primary}\nvary:${variant}`;
}

/** The same header list (both lower case and sorted). */
export function sameHeaders(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
