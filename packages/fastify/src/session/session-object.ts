import type { Session as CoreSession } from '@vessel/core';
import { sessionProperties } from '@vessel/core/http';
import type { Session } from 'fastify';

/** Node-style callback of the session methods, for code written against @fastify/session's callbacks. */
export type SessionCallback = (error?: Error) => void;

/**
 * The methods of `request.session`, shaped like @fastify/session's. Each storage operation
 * returns a promise, or takes a callback instead. The session's data sits beside them as plain
 * properties (`request.session.user`); a data key named like a method is read with `get`.
 */
export interface FastifySessionMethods {
  /** The session id (it changes on `regenerate`). */
  readonly sessionId: string;
  /** The value under `key`. Objects are live: changes made to them in place are saved too. */
  get<Value = unknown>(key: string): Value | undefined;
  /** Sets `key`; `undefined` deletes it. Saved at the end of the request, merged per key. */
  set(key: string, value: unknown): void;
  /**
   * A fresh session under a new id, with none of the data but the keys in `keep` (as
   * @fastify/session's `regenerate(ignoreFields)`); the old id is deleted from the storage at
   * once, so a copy of the old cookie opens nothing (the defence against fixation at login).
   */
  regenerate(keep?: readonly string[]): Promise<void>;
  regenerate(callback: SessionCallback): void;
  regenerate(keep: readonly string[], callback: SessionCallback): void;
  /** Deletes the session from the storage; the response expires the cookie. Later writes throw. */
  destroy(): Promise<void>;
  destroy(callback: SessionCallback): void;
  /** Stores this request's changes now (merged onto the freshest stored copy) instead of at the end. */
  save(): Promise<void>;
  save(callback: SessionCallback): void;
  /** Drops this request's unsaved changes: the data is read again from the storage. */
  reload(): Promise<void>;
  reload(callback: SessionCallback): void;
  /** Records an access now, so the idle timeout restarts even when nothing else changed. */
  touch(): void;
}

/** `promise` handed to `callback` when there is one (then nothing is returned), else returned. */
function settle(promise: Promise<void>, callback: SessionCallback | undefined): Promise<void> | undefined {
  if (callback === undefined) return promise;
  promise.then(
    () => callback(),
    (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
  );
  return undefined;
}

/** A fresh session under a new id holding only the `keep` keys of the old one. */
async function regenerate(session: CoreSession, keep: readonly string[]): Promise<void> {
  const kept = keep.filter((key) => session.has(key)).map((key) => [key, session.get(key)] as const);
  await session.invalidate();
  for (const [key, value] of kept) session.set(key, value);
}

/**
 * `request.session` over Vessel's `session`: @fastify/session's methods, and the data as plain
 * properties (reads through `session.get`, writes through `session.set`, so change tracking
 * and merged saves see them).
 */
export function fastifySessionObject(session: CoreSession): Session {
  const methods: FastifySessionMethods = {
    get sessionId() {
      return session.id;
    },
    get: <Value>(key: string) => session.get<Value>(key),
    set: (key: string, value: unknown) => {
      session.set(key, value);
    },
    regenerate: ((keepOrCallback?: readonly string[] | SessionCallback, callback?: SessionCallback) => {
      const keep = Array.isArray(keepOrCallback) ? keepOrCallback : [];
      const done = typeof keepOrCallback === 'function' ? keepOrCallback : callback;
      return settle(regenerate(session, keep), done);
    }) as FastifySessionMethods['regenerate'],
    destroy: ((callback?: SessionCallback) => settle(session.destroy(), callback)) as FastifySessionMethods['destroy'],
    save: ((callback?: SessionCallback) => settle(session.save(), callback)) as FastifySessionMethods['save'],
    reload: ((callback?: SessionCallback) => settle(session.revert(), callback)) as FastifySessionMethods['reload'],
    touch: () => session.touch(),
  };
  // The data keys users declare on `Session` are read and written through the proxy.
  return sessionProperties(session, methods) as unknown as Session;
}
