import type {
  CommitResult,
  Namespace,
  Session,
  SessionManager,
  SessionRecord,
  SessionRejectEvent,
  Storage,
  StorageEntry,
} from '@vessel/core';
import { type Mock, vi } from 'vitest';

/** The secret the session suites sign and seal with. */
export const SECRET = 'correct horse battery staple, sealed twice';

/** The Set-Cookie value a browser reads as "drop this cookie". */
export const EXPIRED = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * A clock the test moves by hand (`now: clock.now`). It starts at the real time, so records
 * written through it get the same TTL the storage (which keeps real time) gives them.
 */
export class FakeClock {
  time = Date.now();
  readonly now = (): number => this.time;

  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): number {
    this.time += seconds * 1000;
    return this.time;
  }

  /** Puts the clock back on the real time (to compare with a storage's own expiry). */
  sync(): number {
    this.time = Date.now();
    return this.time;
  }
}

/** A Set-Cookie header taken apart: attribute names lower-cased, flags as `true`. */
export interface ParsedSetCookie {
  readonly name: string;
  /** The value as sent (still percent-encoded). */
  readonly raw: string;
  /** The value percent-decoded. */
  readonly value: string;
  readonly attributes: Readonly<Record<string, string | true>>;
}

/** Parses one Set-Cookie header value. */
export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = '', ...rest] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const at = part.indexOf('=');
    if (at < 0) attributes[part.trim().toLowerCase()] = true;
    else attributes[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
  }
  const raw = pair.slice(eq + 1);
  return { name: pair.slice(0, eq), raw, value: decodeURIComponent(raw), attributes };
}

/** The `name=value` a browser sends back for a Set-Cookie header. */
export function cookiePair(setCookie: string | undefined): string {
  if (!setCookie) throw new Error('expected a Set-Cookie header');
  return setCookie.split(';')[0] as string;
}

/** Records every `reject` event of `manager`. */
export function rejectsOf(manager: SessionManager): SessionRejectEvent[] {
  const events: SessionRejectEvent[] = [];
  manager.on('reject', (event) => events.push(event));
  return events;
}

/** What one simulated request ended with. */
export interface Exchange {
  readonly session: Session;
  readonly result: CommitResult;
}

/**
 * A browser holding one session cookie: each `request` sends the cookie it holds, runs the
 * handler, commits, and keeps (or drops) the cookie the response sets.
 */
export class Browser {
  /** The `name=value` pair the browser sends, if any. */
  cookie: string | undefined;

  constructor(cookie?: string) {
    this.cookie = cookie;
  }

  /** Loads the session this browser's cookie names, without committing. */
  load(manager: SessionManager): Promise<Session> {
    return manager.load({ cookie: this.cookie });
  }

  /** One full request: load, `handle`, commit, apply Set-Cookie. */
  async request(manager: SessionManager, handle?: (session: Session) => unknown): Promise<Exchange> {
    const session = await this.load(manager);
    await handle?.(session);
    return this.finish(manager, session);
  }

  /** Commits `session` and applies the response's Set-Cookie to this browser. */
  async finish(manager: SessionManager, session: Session): Promise<Exchange> {
    const result = await manager.commit(session);
    if (result.setCookie) this.cookie = result.setCookie.includes(EXPIRED) ? undefined : cookiePair(result.setCookie);
    return { session, result };
  }
}

/** A browser holding a saved session with `data`. */
export async function browserWith(
  sessions: SessionManager,
  data: Record<string, unknown>,
): Promise<[Browser, Session]> {
  const browser = new Browser();
  const { session } = await browser.request(sessions, async (s) => {
    for (const [key, value] of Object.entries(data)) s.set(key, value);
    await s.save();
  });
  return [browser, session];
}

/** The stored record of session `id`, read straight from the storage's `session` namespace. */
export async function storedRecord(storage: Storage, id: string): Promise<SessionRecord | undefined> {
  return storage.namespace('session').get<SessionRecord>(id);
}

/** The `session` namespace's entry for `id` as `scan` lists it (expiry as the backend keeps it). */
export async function sessionEntry(storage: Storage, id: string): Promise<StorageEntry | undefined> {
  for await (const entry of storage.namespace('session').scan()) if (entry.key === id) return entry;
  return undefined;
}

/**
 * Counts the calls a namespace receives to any of `methods` (they still run): one mock for
 * "every write" or "every read", whichever method the implementation picks for it.
 */
export function spyOnCalls(namespace: Namespace, methods: readonly (keyof Namespace)[]): Mock {
  const calls = vi.fn();
  for (const method of methods) {
    const original = (namespace[method] as (...args: unknown[]) => unknown).bind(namespace);
    vi.spyOn(namespace, method as never).mockImplementation(((...args: unknown[]) => {
      calls(method, ...args);
      return original(...args);
    }) as never);
  }
  return calls;
}

/** Every write a namespace can receive. */
export const WRITES = ['set', 'setIfVersion', 'touch', 'delete'] as const satisfies readonly (keyof Namespace)[];
/** Every single-key read a namespace can receive. */
export const READS = ['get', 'getVersioned', 'has'] as const satisfies readonly (keyof Namespace)[];
