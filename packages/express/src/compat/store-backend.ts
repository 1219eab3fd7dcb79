import { fromCallback, type SessionBackend } from './backend.js';
import type { SessionData, SessionStore } from './store.js';

/**
 * Sessions in an express-session store, used exactly as express-session uses it: `get`, `set`,
 * `destroy`, `touch` when the store has it, `regenerate`, and the `disconnect`/`connect` events.
 */
export function storeBackend(store: SessionStore): SessionBackend<undefined> {
  let ready = true;
  store.on('disconnect', () => {
    ready = false;
  });
  store.on('connect', () => {
    ready = true;
  });

  async function get(id: string) {
    try {
      const data = await fromCallback<SessionData | null | undefined>((done) => store.get(id, done));
      return data ? { data, handle: undefined } : undefined;
    } catch (err) {
      // express-session reads ENOENT (file stores) as "no such session".
      if ((err as { code?: unknown } | null)?.code === 'ENOENT') return undefined;
      throw err;
    }
  }

  return {
    store,
    isReady: () => ready,
    async load(id, _req, onReject) {
      const loaded = await get(id);
      // A store answers "no session" alike for unknown and expired ones.
      if (!loaded) onReject?.({ reason: 'unknown', id });
      return loaded;
    },
    fresh: () => undefined,
    async save(session) {
      await fromCallback((done) => store.set(session.id, session as SessionData, done));
      return undefined;
    },
    touch(session) {
      if (typeof store.touch !== 'function') return undefined;
      return fromCallback((done) => store.touch?.(session.id, session as SessionData, done));
    },
    destroy: (id) => fromCallback((done) => store.destroy(id, done)),
    reload: get,
    // The store's own `regenerate` (custom stores may override it) calls `store.generate`, set by the middleware.
    regenerate: (req) => fromCallback((done) => store.regenerate(req, done)).then(() => true),
    times: () => ({ created: undefined, lastAccessed: undefined }),
  };
}
