import { inspect } from 'node:util';
import type { Session, SessionManager } from '@vessel/core';
import { type HttpRequestSession, sessionProperties } from '@vessel/core/http';
import type { ExtendableContext } from 'koa';
import type { KoaSession, KoaSessionMembers } from '../context.js';
import { withSessionExpiry } from './cookie-lifetime.js';

/** What every request of one `session()` middleware shares. */
export interface SessionSettings {
  readonly manager: SessionManager;
  /** `ctx.session.maxAge` of a session without a timeout of its own (ms); `undefined`: no idle timeout. */
  readonly defaultMaxAge: number | undefined;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** `ctx.session.maxAge = ms` as whole seconds for `Session.setIdleTimeout`. */
function idleTimeoutSeconds(maxAge: unknown): number | undefined {
  if (maxAge === undefined) return undefined;
  if (maxAge === 'session') {
    throw new TypeError(
      "ctx.session.maxAge = 'session' is not supported per session: give session() maxAge: 'session' (or the vessel session.cookieExpires: false) for browser-session cookies",
    );
  }
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0) {
    throw new RangeError(`ctx.session.maxAge: expected milliseconds > 0 or undefined, got ${String(maxAge)}`);
  }
  return Math.ceil(maxAge / 1000);
}

/**
 * One request's Koa session: what `ctx.session`, `ctx.loadSession()` and
 * `ctx.regenerateSession()` reach, over core's `HttpRequestSession` (which owns loading,
 * merged saves and the cookie).
 */
export class KoaRequestSession {
  readonly #request: HttpRequestSession;
  readonly #settings: SessionSettings;
  #view: KoaSession | undefined;
  /** `ctx.session = null` ran: the session ends when the request does. */
  #ended = false;

  constructor(request: HttpRequestSession, settings: SessionSettings) {
    this.#request = request;
    this.#settings = settings;
  }

  /** The core request session underneath (what the response cache asks about). */
  get http(): HttpRequestSession {
    return this.#request;
  }

  /** Loads the session (once) and resolves to `ctx.session`; rejects with `StorageUnavailableError` (status 503) on an outage. */
  async load(): Promise<KoaSession> {
    await this.#request.load();
    return this.view;
  }

  /** `ctx.session`: throws until the session is loaded (lazy mode, before `await ctx.loadSession()`). */
  get view(): KoaSession {
    const session = this.#loaded('ctx.session');
    this.#view ??= sessionProperties(session, this.#members(session));
    return this.#view;
  }

  /** `ctx.session = value`: `null` ends the session, an object replaces its data. */
  assign(value: unknown): void {
    const session = this.#loaded('ctx.session = …');
    if (value === null) {
      // Emptied now, so the rest of the request sees no data; deleted (or moved, if written to again) at commit.
      session.clear();
      this.#ended = true;
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new TypeError(`ctx.session can only be set to null or an object, got ${describe(value)}`);
    }
    if (value === this.#view) return;
    const entries = Object.entries(value);
    session.clear();
    for (const [key, item] of entries) session.set(key, item);
  }

  /** `ctx.regenerateSession()`: a new id, the data kept, the old record deleted. */
  async regenerate(): Promise<void> {
    const session = await this.#request.load();
    await session.regenerate();
  }

  /**
   * Ends the request: ends a session that `ctx.session = null` ended, stores what changed, and
   * appends the session's Set-Cookie (if any) to the response's, never replacing the app's own.
   * Rejects with a `StorageUnavailableError` (status 503) on an outage, having appended nothing.
   */
  async commit(ctx: ExtendableContext): Promise<void> {
    const session = this.#request.current;
    if (this.#ended && session !== undefined && !session.isDestroyed) {
      // Keys written after the end are a new session, under a new id; otherwise nothing is left to keep.
      await (session.keys().length > 0 ? session.regenerate() : session.destroy());
    }
    const { setCookie } = await this.#request.commit();
    const cookieName = this.#settings.manager.cookieName;
    for (const value of setCookie) ctx.append('Set-Cookie', withSessionExpiry(value, cookieName, session));
  }

  #loaded(what: string): Session {
    const session = this.#request.current;
    if (session !== undefined) return session;
    throw new Error(
      this.#request.started
        ? `${what}: the session is still loading; await ctx.loadSession() first`
        : `${what}: sessions load lazily here (session({ lazy: true })); await ctx.loadSession() first`,
    );
  }

  /** koa-session's members of `ctx.session`, over `session`. */
  #members(session: Session): KoaSessionMembers {
    const { defaultMaxAge } = this.#settings;
    const members: KoaSessionMembers = {
      get isNew() {
        return session.isNew;
      },
      get length() {
        return session.keys().length;
      },
      get populated() {
        return session.keys().length > 0;
      },
      get externalKey() {
        return session.id;
      },
      get maxAge() {
        const own = session.idleTimeout;
        return own === undefined ? defaultMaxAge : own * 1000;
      },
      set maxAge(value: number | undefined) {
        session.setIdleTimeout(idleTimeoutSeconds(value));
      },
      save: () => session.save(),
      manuallyCommit: () => session.save(),
      regenerate: () => session.regenerate(),
      toJSON: () => session.toJSON(),
    };
    // console.log(ctx.session) shows the data, as koa-session's does. Configurable: the proxy lists only data keys.
    Object.defineProperty(members, inspect.custom, { value: () => session.toJSON(), configurable: true });
    return members;
  }
}
