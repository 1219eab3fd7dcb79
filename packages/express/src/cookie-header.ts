/**
 * The Cookie/Set-Cookie codec. It is the `cookie` package at the version express-session 1.19
 * uses, so headers match byte for byte; typed here because that version ships no types.
 */
import { createRequire } from 'node:module';
import type { CookieData } from './cookie.js';

interface CookieCodec {
  parse(header: string): Record<string, string | undefined>;
  serialize(name: string, value: string, options?: Partial<CookieData>): string;
}

const codec = createRequire(import.meta.url)('cookie') as CookieCodec;

/** The cookies of a Cookie header; the first of several with one name wins. */
export function parseCookies(header: string): Record<string, string | undefined> {
  return codec.parse(header);
}

/** A Set-Cookie value; throws a TypeError naming an invalid attribute. */
export function serialize(name: string, value: string, attributes: Partial<CookieData>): string {
  return codec.serialize(name, value, attributes);
}
