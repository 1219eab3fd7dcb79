import { deserializeRecord, encodeValue, setOwn } from '../storage/index.js';
import { sameStoredValue } from './same-stored-value.js';

/** Where a session stands in its request. */
export type SessionStatus = 'active' | 'destroyed';

/** The manager side of a session: the operations that reach storage or change the id. */
export interface SessionController {
  save(session: Session): Promise<void>;
  destroy(session: Session): Promise<void>;
  invalidate(session: Session): Promise<void>;
  regenerate(session: Session): Promise<void>;
  revert(session: Session): Promise<void>;
  setIdleTimeout(session: Session, seconds: number | undefined): void;
}

/** A session's mutable state, shared with the manager (not part of the public API). */
export interface SessionState {
  id: string;
  /** No record has been stored for `id` yet. */
  isNew: boolean;
  status: SessionStatus;
  created: number;
  /** Last access as stored; moves on save. */
  accessed: number;
  expiresAt: number | null;
  /** This session's own idle timeout (s), stored with it; `undefined` for the manager's. */
  timeoutSeconds: number | undefined;
  data: Record<string, unknown>;
  /** Keys set or deleted through the API since the last save. */
  changed: Set<string>;
  /** Keys whose object values were handed out by `get`: they may be edited in place. */
  read: Set<string>;
  /**
   * The stored text (record envelope) `data` was loaded from or last saved as; decoding it gives
   * an untouched copy, so in-place edits are found by comparison only when a save asks.
   */
  pristine: string | undefined;
  /** `touch()` was called: save the access time at commit. */
  touched: boolean;
  /** The request came with a cookie for this session (so a logout must clear it). */
  hadCookie: boolean;
  /** A cookie naming the current id/content must be sent at commit. */
  cookieDue: boolean;
  /** The browser's cookie names nothing usable any more (rejected on load, or invalidated). */
  staleCookie: boolean;
  /** Stored sessions: the version of the stored record `data` is based on, for compare-and-set saves. */
  version: string | undefined;
  /** The data keys of the record at `version`, in stored order: what a save can copy from it. */
  versionKeys: readonly string[] | undefined;
  /** Something was persisted during this request. */
  saved: boolean;
}

let readState: (session: Session) => SessionState;

/** The state behind `session` (for the manager). */
export function stateOf(session: Session): SessionState {
  return readState(session);
}

/** The data as loaded or last saved: a fresh copy decoded from `pristine`; `{}` when there is none. */
export function pristineData(state: SessionState): Record<string, unknown> {
  if (state.pristine === undefined) return {};
  const record = deserializeRecord(state.pristine).value as { data?: Record<string, unknown> };
  return record.data ?? {};
}

/** Keys whose value differs from what was loaded or last saved, including in-place edits. */
export function dirtyKeys(state: SessionState): Set<string> {
  const dirty = new Set(state.changed);
  let pristine: Record<string, unknown> | undefined;
  for (const key of state.read) {
    if (dirty.has(key) || !Object.hasOwn(state.data, key)) continue;
    pristine ??= pristineData(state);
    if (!Object.hasOwn(pristine, key) || !sameStoredValue(state.data[key], pristine[key])) dirty.add(key);
  }
  return dirty;
}

/**
 * One user's session during one request. Reads and writes are synchronous and in memory;
 * `save`, `destroy`, `invalidate`, `regenerate` and `revert` reach the storage.
 */
export class Session {
  readonly #state: SessionState;
  readonly #controller: SessionController;

  static {
    readState = (session) => session.#state;
  }

  /** @internal Created by `SessionManager`. */
  constructor(state: SessionState, controller: SessionController) {
    this.#state = state;
    this.#controller = controller;
  }

  /** The session id (changes on `regenerate` and `invalidate`). */
  get id(): string {
    return this.#state.id;
  }

  /** True until the session has been stored. */
  get isNew(): boolean {
    return this.#state.isNew;
  }

  /**
   * True once the session ended in this request: `destroy()` ran, or a save found the stored
   * session gone (destroyed, regenerated or expired by another request). It then refuses changes.
   */
  get isDestroyed(): boolean {
    return this.#state.status === 'destroyed';
  }

  /** When the session was first stored (or created, while new). */
  get created(): Date {
    return new Date(this.#state.created);
  }

  /** The last access that was stored. */
  get lastAccessed(): Date {
    return new Date(this.#state.accessed);
  }

  /** When the session expires (idle or absolute, whichever is sooner); `null` for never. */
  get expiresAt(): Date | null {
    const { expiresAt } = this.#state;
    return expiresAt === null ? null : new Date(expiresAt);
  }

  /** This session's own idle timeout in seconds (see `setIdleTimeout`); `undefined` when it uses the manager's. */
  get idleTimeout(): number | undefined {
    return this.#state.timeoutSeconds;
  }

  /** The value under `key`. Objects are live: changes made to them in place are saved too. */
  get<Value = unknown>(key: string): Value | undefined {
    const state = this.#state;
    if (!Object.hasOwn(state.data, key)) return undefined;
    const value = state.data[key];
    if (typeof value === 'object' && value !== null) state.read.add(key);
    return value as Value | undefined;
  }

  /** Sets `key`; `undefined` deletes it. */
  set(key: string, value: unknown): this {
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    const state = this.#active();
    // Refuse unstorable values now, where the caller can see which key (every primitive that
    // reaches here is storable, so only objects and the like are tried).
    if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') {
      const probe: Record<string, unknown> = {};
      setOwn(probe, key, value);
      encodeValue(probe);
    }
    setOwn(state.data, key, value);
    state.changed.add(key);
    return this;
  }

  /** Deletes `key`; true when it was there. */
  delete(key: string): boolean {
    const state = this.#active();
    const had = Object.hasOwn(state.data, key);
    delete state.data[key];
    state.changed.add(key);
    return had;
  }

  /** True when `key` holds a value. */
  has(key: string): boolean {
    return Object.hasOwn(this.#state.data, key);
  }

  /** The keys holding values. */
  keys(): string[] {
    return Object.keys(this.#state.data);
  }

  /** `[key, value]` pairs. */
  entries(): [string, unknown][] {
    return this.keys().map((key): [string, unknown] => [key, this.get(key)]);
  }

  /** Deletes every key. */
  clear(): void {
    for (const key of this.keys()) this.delete(key);
  }

  /** Persists this request's changes now, merged onto the freshest stored copy. */
  save(): Promise<void> {
    return this.#controller.save(this);
  }

  /** Deletes the stored session; the response expires the cookie. */
  destroy(): Promise<void> {
    return this.#controller.destroy(this);
  }

  /** Deletes the stored session and continues with a fresh id and no data. */
  invalidate(): Promise<void> {
    return this.#controller.invalidate(this);
  }

  /** Moves the data to a fresh id and deletes the old record (the defence against fixation). */
  regenerate(): Promise<void> {
    return this.#controller.regenerate(this);
  }

  /** Drops this request's unsaved changes: the data is reloaded from storage. */
  revert(): Promise<void> {
    return this.#controller.revert(this);
  }

  /**
   * Gives this session an idle timeout of its own, in seconds (a "remember me" login, or an
   * Express cookie's `maxAge`), kept with the record and used in place of the manager's `timeout`
   * from now on; `undefined` goes back to the manager's. The absolute `maxLifetime` still applies.
   * Stored at the next save or commit, like `touch()`.
   */
  setIdleTimeout(seconds: number | undefined): void {
    this.#controller.setIdleTimeout(this, seconds);
  }

  /** Records an access now, so the idle timeout restarts even without other changes. */
  touch(): void {
    this.#active().touched = true;
  }

  /** The data as a plain object (for logging and JSON). */
  toJSON(): Record<string, unknown> {
    return { ...this.#state.data };
  }

  #active(): SessionState {
    const state = this.#state;
    if (state.status === 'destroyed') throw new Error(`session ${state.id} was destroyed in this request`);
    return state;
  }
}
