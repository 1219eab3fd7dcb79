/**
 * What `session()` and `cache()` add to Koa's context, declared on `ExtendableContext` (the base
 * of `Context`, `ParameterizedContext` and every router's context), so `ctx.session` is typed
 * whatever state and context types an app gives `new Koa<State, Context>()`.
 */
import type { CacheManager } from '@vessel/core';

/**
 * The session's data, as `ctx.session` exposes it. Augment it to type your keys:
 *
 * @example
 * declare module '@vessel/koa' {
 *   interface SessionData { views?: number; user?: string }
 * }
 */
export interface SessionData {
  [key: string]: unknown;
}

/**
 * The members `ctx.session` has beside the data, named as koa-session names them. A data key of
 * the same name is hidden behind the member (read it with `ctx.session.toJSON()[key]`).
 */
export interface KoaSessionMembers {
  /** True until the session has been stored (a visitor's first request, or after `ctx.session = null`). */
  readonly isNew: boolean;
  /** How many keys the session holds. */
  readonly length: number;
  /** True when the session holds at least one key. */
  readonly populated: boolean;
  /** The session id: what the cookie carries, signed (koa-session's name for the id of a stored session). */
  readonly externalKey: string;
  /**
   * This session's idle timeout in milliseconds (koa-session's unit): it ends after this long
   * without a request, and its cookie expires with it. Setting it gives this session a timeout of
   * its own (a "remember me" login), stored with it and rounded up to whole seconds; `undefined`
   * goes back to the middleware's. Reads `undefined` when sessions have no idle timeout.
   */
  maxAge: number | undefined;
  /** Stores the session now, changed or not (the end of the request stores only what changed). */
  save(): Promise<void>;
  /** `save()`, under koa-session's name for committing with `autoCommit: false`. */
  manuallyCommit(): Promise<void>;
  /** Moves the session to a new id, data kept, and deletes the old one (call it at login). */
  regenerate(): Promise<void>;
  /** The data as a plain object. */
  toJSON(): Record<string, unknown>;
}

/** `ctx.session`: the data as plain properties, with koa-session's members beside them. */
export type KoaSession = KoaSessionMembers & SessionData;

/** What `ctx.session` can be assigned: an object replaces the data, `null` ends the session. */
export type KoaSessionAssignment = Readonly<Record<string, unknown>> | null;

declare module 'koa' {
  interface ExtendableContext {
    /**
     * The request's session (`session()` middleware). Lazy mode: `await ctx.loadSession()` first.
     * Assigning `null` ends it (its record is deleted and its cookie cleared at the end of the
     * request; keys written afterwards start a new session under a new id); assigning an object
     * replaces its data.
     */
    get session(): KoaSession;
    set session(value: KoaSessionAssignment);
    /**
     * Loads the session (lazy mode: the first call reads the store) and resolves to `ctx.session`.
     * Rejects with a `StorageUnavailableError` (`status` 503) while the store is down.
     */
    loadSession(): Promise<KoaSession>;
    /** Moves the session to a new id, data kept, and deletes the old record: call it at login. */
    regenerateSession(): Promise<void>;
    /** The vessel's cache manager (`cache()` middleware). */
    cache: CacheManager;
  }
}
