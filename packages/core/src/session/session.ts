import { encodeValue, setOwn } from '../storage/codec.js';

/** Where a session stands in its request. */
export type SessionStatus = 'active' | 'destroyed';

/** The manager side of a session: the operations that reach storage or change the id. */
export interface SessionController {
  save(session: Session): Promise<void>;
  destroy(session: Session): Promise<void>;
  invalidate(session: Session): Promise<void>;
  regenerate(session: Session): Promise<void>;
  revert(session: Session): Promise<void>;
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
  data: Record<string, unknown>;
  /** Keys set or deleted through the API since the last save. */
  changed: Set<string>;
  /** Encoded form of object values at first read, to notice changes made in place. */
  snapshots: Map<string, string>;
  /** `touch()` was called: save the access time at commit. */
  touched: boolean;
  /** The request came with a cookie for this session (so a logout must clear it). */
  hadCookie: boolean;
  /** A cookie naming the current id/content must be sent at commit. */
  cookieDue: boolean;
  /** The browser's cookie names nothing usable any more (rejected on load, or invalidated). */
  staleCookie: boolean;
  /** Cookie-only sessions: a copy of the data as last sealed, which `revert` and access-time refreshes use. */
  baseline: Record<string, unknown> | undefined;
  /** Something was persisted during this request. */
  saved: boolean;
}

const states = new WeakMap<Session, SessionState>();

/** The state behind `session` (for the manager). */
export function stateOf(session: Session): SessionState {
  const state = states.get(session);
  if (!state) throw new TypeError('not a Vessel session');
  return state;
}

/** Keys whose value differs from what was loaded or last saved, including in-place edits. */
export function dirtyKeys(state: SessionState): Set<string> {
  const dirty = new Set(state.changed);
  for (const [key, snapshot] of state.snapshots) {
    if (!dirty.has(key) && Object.hasOwn(state.data, key) && encodeValue(state.data[key]).json !== snapshot)
      dirty.add(key);
  }
  return dirty;
}

/**
 * One user's session during one request. Reads and writes are synchronous and in memory;
 * `save`, `destroy`, `invalidate`, `regenerate` and `revert` reach the storage.
 */
export class Session {
  readonly #controller: SessionController;

  /** @internal Created by `SessionManager`. */
  constructor(state: SessionState, controller: SessionController) {
    states.set(this, state);
    this.#controller = controller;
  }

  /** The session id (changes on `regenerate` and `invalidate`). */
  get id(): string {
    return stateOf(this).id;
  }

  /** True until the session has been stored. */
  get isNew(): boolean {
    return stateOf(this).isNew;
  }

  /** When the session was first stored (or created, while new). */
  get created(): Date {
    return new Date(stateOf(this).created);
  }

  /** The last access that was stored. */
  get lastAccessed(): Date {
    return new Date(stateOf(this).accessed);
  }

  /** When the session expires (idle or absolute, whichever is sooner); `null` for never. */
  get expiresAt(): Date | null {
    const { expiresAt } = stateOf(this);
    return expiresAt === null ? null : new Date(expiresAt);
  }

  /** The value under `key`. Objects are live: changes made to them in place are saved too. */
  get<Value = unknown>(key: string): Value | undefined {
    const state = stateOf(this);
    if (!Object.hasOwn(state.data, key)) return undefined;
    const value = state.data[key];
    if (typeof value === 'object' && value !== null && !state.snapshots.has(key) && !state.changed.has(key)) {
      state.snapshots.set(key, encodeValue(value).json);
    }
    return value as Value | undefined;
  }

  /** Sets `key`; `undefined` deletes it. */
  set(key: string, value: unknown): this {
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    const state = this.#active();
    const probe: Record<string, unknown> = {};
    setOwn(probe, key, value);
    encodeValue(probe); // refuse unstorable values now, where the caller can see which key
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
    return Object.hasOwn(stateOf(this).data, key);
  }

  /** The keys holding values. */
  keys(): string[] {
    return Object.keys(stateOf(this).data);
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

  /** Records an access now, so the idle timeout restarts even without other changes. */
  touch(): void {
    this.#active().touched = true;
  }

  /** The data as a plain object (for logging and JSON). */
  toJSON(): Record<string, unknown> {
    return { ...stateOf(this).data };
  }

  #active(): SessionState {
    const state = stateOf(this);
    if (state.status === 'destroyed') throw new Error(`session ${state.id} was destroyed in this request`);
    return state;
  }
}
