import type { SessionConfig } from '../config/types.js';

/**
 * Options of a `SessionManager`: the session options of the configuration (durations in
 * seconds or `"15m"`, see docs/configuration.md), plus what only code can pass.
 */
export interface SessionOptions extends SessionConfig {
  /** Makes ids for new sessions; default 32 random base64url characters (192 bits). */
  generateId?: () => string;
  /**
   * Ids accepted from cookies; widen it when `generateId` makes other shapes. Ids over 256
   * characters or with control characters are refused whatever it says. Default `/^[A-Za-z0-9_-]{22,128}$/`.
   */
  idPattern?: RegExp;
  /** The clock, ms since the epoch; tests pass a fake one. Default `Date.now`. */
  now?: () => number;
}

/** How a session is stored: `{ created, accessed, expires, data }`, times in ms since the epoch. */
export interface SessionRecord {
  readonly created: number;
  readonly accessed: number;
  /** `null` when the session has no expiry. */
  readonly expires: number | null;
  readonly data: Record<string, unknown>;
  /**
   * This session's own idle timeout in seconds, overriding the manager's `timeout` (set with
   * `Session.setIdleTimeout`, e.g. a "remember me" login); absent for the manager's.
   */
  readonly timeout?: number;
}

/** Why an incoming session was not used and a fresh one started. */
export type SessionRejectReason =
  | 'bad-signature'
  | 'invalid-id'
  | 'unknown'
  | 'expired'
  | 'corrupt'
  | 'undecryptable'
  | 'revoked'
  | 'vanished';

/** Emitted as `reject` by `SessionManager`; carries no secret and no full cookie. */
export interface SessionRejectEvent {
  readonly reason: SessionRejectReason;
  /** The id, when it was valid enough to name (never for bad signatures). */
  readonly id?: string;
  /** Human-readable detail, e.g. the decode error of a corrupt record. */
  readonly detail?: string;
}

/** What the request handler sends back after `commit`. */
export interface CommitResult {
  /** The Set-Cookie header value to send, or `undefined` for none. */
  readonly setCookie: string | undefined;
  /** The session's id after the request (it changes on `regenerate`/`invalidate`). */
  readonly id: string;
  /** True when this request wrote the session to storage (or re-sealed the cookie). */
  readonly saved: boolean;
}

/** How `SessionManager.commit` ends one request. */
export interface CommitOptions {
  /**
   * Save what the request changed, whatever the manager's `session.auto` says: adapters whose
   * framework's sessions save by themselves (koa-session, @fastify/session, hono-sessions) pass `true`.
   */
  readonly auto?: boolean | undefined;
}

/** Where the incoming session comes from: a Cookie header, or an id the app read itself. */
export interface LoadRequest {
  /** The request's Cookie header. */
  readonly cookie?: string | null | undefined;
  /** An id from a header or URL (no-cookie mode); validated like a cookie id. */
  readonly id?: string | null | undefined;
}
