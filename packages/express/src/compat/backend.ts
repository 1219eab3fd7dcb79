import type { SessionRejectEvent } from '@vessel/core';
import type { SessionPrint } from './compare.js';
import type { Session, SessionRequest } from './session-object.js';
import type { SessionData, SessionStore } from './store.js';

/** A session the backend found for a request: its stored data, and the backend's own handle on it. */
export interface LoadedSession<Handle> {
  readonly data: SessionData;
  readonly handle: Handle;
}

/**
 * Where the middleware keeps sessions: an express-session store (`store-backend.ts`) or Vessel's
 * storage through `SessionManager` (`vessel-backend.ts`). The middleware holds the semantics
 * (when to save, touch and send the cookie); a backend only moves data.
 */
export interface SessionBackend<Handle = unknown> {
  /** Exposed as `req.sessionStore`. */
  readonly store: SessionStore;
  /** False while the store reports itself disconnected: requests then go on without a session. */
  isReady(): boolean;
  /** The stored session `id`, or `undefined` when there is none (and `onReject` hears why). */
  load(
    id: string,
    req: SessionRequest,
    onReject: ((event: SessionRejectEvent) => void) | undefined,
  ): Promise<LoadedSession<Handle> | undefined>;
  /**
   * The handle of a session generated in this request (nothing stored yet). `created`: the
   * creation of the session it replaces with the same data (`regenerate({ keepData: true })`),
   * kept where the backend keeps one, so an absolute lifetime keeps counting from there.
   */
  fresh(id: string, created?: Date): Handle;
  /**
   * Stores `session` under its id; resolves with the handle to use from now on. `print` is the
   * session's data now, `storedPrint` as loaded or last saved (empty for a session not yet
   * stored): a backend that writes only what changed compares the two instead of serializing again.
   */
  save(session: Session, handle: Handle, print: SessionPrint, storedPrint: SessionPrint): Promise<Handle>;
  /** Moves the stored session's expiry without saving its data; `undefined` when the backend cannot. */
  touch(session: Session, handle: Handle): Promise<void> | undefined;
  /** Deletes the stored session `id`. */
  destroy(id: string, handle: Handle | undefined): Promise<void>;
  /** Reads `id` again: its stored data, or `undefined` when gone. */
  reload(id: string, handle: Handle): Promise<LoadedSession<Handle> | undefined>;
  /**
   * Destroys the request's session and calls `generate` for a new one (through the store's own
   * `regenerate` on the store path, which custom stores may override). Resolves with false when
   * the stored session was already gone (another request destroyed or moved it, or it expired):
   * its data must then not move to the new one. A foreign store cannot tell and says true.
   */
  regenerate(req: SessionRequest, handle: Handle, generate: () => void): Promise<boolean>;
  /** When the session was created and last accessed, where the backend knows. */
  times(handle: Handle): { created: Date | undefined; lastAccessed: Date | undefined };
}

/** `run` with a Node-style callback as a promise; copes with stores that call back synchronously. */
export function fromCallback<Value = void>(
  run: (done: (err?: unknown, value?: Value) => void) => void,
): Promise<Value> {
  return new Promise<Value>((resolve, reject) => {
    try {
      run((err, value) => (err ? reject(err) : resolve(value as Value)));
    } catch (err) {
      reject(err);
    }
  });
}
