/**
 * An Express session (`req.session`) over a core `Session`: its data and cookie as the core
 * record keeps them, for the backends over `SessionManager` (stored and cookie-only alike).
 */
import type { Session as CoreSession } from '@vessel/core';
import { EMPTY_PRINT, type SessionPrint, textsByKey } from '../compat/compare.js';
import type { Session } from '../compat/session-object.js';
import type { SessionData } from '../compat/store.js';

/** The longest default pause between two touches of an unchanged session, in seconds. */
const DEFAULT_TOUCH_AFTER_SECONDS = 60;

/** The longest record lifetime, in seconds: 400 days, what browsers cap a cookie's lifetime at. */
const MAX_LIFETIME_SECONDS = 400 * 86_400;

type CookieJson = Record<string, unknown> & { originalMaxAge?: unknown; expires?: unknown };

/** The record's idle timeout for a cookie `maxAge` (ms), in seconds; `undefined` for the default (no `maxAge`). */
export function timeoutFor(maxAge: unknown): number | undefined {
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge)) return undefined;
  return Math.min(MAX_LIFETIME_SECONDS, Math.max(1, Math.ceil(maxAge / 1000)));
}

/**
 * `core`'s data as express-session data (`cookie` first), and the cookie as the record holds it.
 * A `maxAge` cookie expires `originalMaxAge` after the last access: touches move the record's
 * access time, not its data.
 */
export function expressData(core: CoreSession): { data: SessionData; cookie: unknown } {
  let data = core.toJSON();
  let first: string | undefined;
  for (first in data) break;
  if (first !== 'cookie' && Object.hasOwn(data, 'cookie')) data = { cookie: undefined, ...data };
  const cookie = data.cookie;
  if (typeof cookie === 'object' && cookie !== null) {
    const json = cookie as CookieJson;
    if (typeof json.originalMaxAge === 'number') {
      const expires = new Date(core.lastAccessed.getTime() + json.originalMaxAge).toISOString();
      data.cookie = { ...json, expires };
    }
  } else {
    delete data.cookie;
  }
  return { data: data as SessionData, cookie };
}

/** Applies to `core` the top-level keys whose text differs between `print` (now) and `storedPrint`. */
function applyChanges(session: Session, core: CoreSession, print: SessionPrint, storedPrint: SessionPrint): void {
  let sameKeys = print.length === storedPrint.length;
  for (let index = 0; sameKeys && index < print.length; index += 2) sameKeys = print[index] === storedPrint[index];
  if (sameKeys) {
    // The usual save: the same keys as stored, some values changed.
    for (let index = 0; index < print.length; index += 2) {
      if (print[index + 1] !== storedPrint[index + 1])
        core.set(print[index] as string, session[print[index] as string]);
    }
  } else {
    const stored = textsByKey(storedPrint);
    for (let index = 0; index < print.length; index += 2) {
      const key = print[index] as string;
      if (stored.get(key) !== print[index + 1]) core.set(key, session[key]);
      stored.delete(key);
    }
    for (const key of stored.keys()) core.delete(key);
  }
}

/** The cookie as the record keeps it: its attributes, unset ones left out. */
function cookieRecord(session: Session): Record<string, unknown> {
  const attributes = session.cookie.data as unknown as Record<string, unknown>;
  const cookie: Record<string, unknown> = {};
  for (const key in attributes) if (attributes[key] !== undefined) cookie[key] = attributes[key];
  return cookie;
}

/** True when the stored cookie has exactly these attributes (Dates by time). */
function sameCookie(stored: unknown, cookie: Record<string, unknown>): boolean {
  if (typeof stored !== 'object' || stored === null) return false;
  const before = stored as Record<string, unknown>;
  let keys = 0;
  for (const key in cookie) {
    keys++;
    const a = before[key];
    const b = cookie[key];
    if (a !== b && !(a instanceof Date && b instanceof Date && a.getTime() === b.getTime())) return false;
  }
  for (const _ in before) keys--;
  return keys === 0;
}

/**
 * Writes `session`'s changes into `core` (not yet saved): its cookie lifetime as the idle
 * timeout, the cookie when it changed since `storedCookie`, and the keys whose print differs.
 * `stored`: `core` holds a stored session (else everything is new). Returns the cookie as now kept.
 */
export function writeInto(
  core: CoreSession,
  session: Session,
  stored: { readonly cookie: unknown; readonly print: SessionPrint } | undefined,
  print: SessionPrint,
): Record<string, unknown> {
  const timeout = timeoutFor(session.cookie.originalMaxAge);
  if (core.idleTimeout !== timeout) core.setIdleTimeout(timeout);
  const cookie = cookieRecord(session);
  // A new record gets `cookie` first, where loading wants it; a stored one only when it changed.
  if (!stored || !sameCookie(stored.cookie, cookie)) core.set('cookie', cookie);
  applyChanges(session, core, print, stored ? stored.print : EMPTY_PRINT);
  return cookie;
}

/**
 * True when an unchanged session's access is worth writing: its last write is at least
 * `touchAfterSeconds` old (default: a tenth of its lifetime, at most 60 s).
 */
export function touchDue(
  core: CoreSession,
  touchAfterSeconds: number | undefined,
  defaultTimeoutSeconds: number,
): boolean {
  const lifetime = core.idleTimeout ?? defaultTimeoutSeconds;
  const touchAfter = touchAfterSeconds ?? Math.min(DEFAULT_TOUCH_AFTER_SECONDS, lifetime / 10);
  return Date.now() - core.lastAccessed.getTime() >= touchAfter * 1000;
}

/**
 * When a request's session was created and last accessed: the core session's, or before its
 * first save the creation it kept from the session it replaced (`regenerate({ keepData: true })`).
 */
export function sessionTimes(handle: { core: CoreSession | undefined; created?: number | undefined }): {
  created: Date | undefined;
  lastAccessed: Date | undefined;
} {
  const { core, created } = handle;
  return {
    created: core?.created ?? (created === undefined ? undefined : new Date(created)),
    lastAccessed: core?.lastAccessed,
  };
}
