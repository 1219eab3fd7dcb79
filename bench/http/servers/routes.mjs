/**
 * What the HTTP suite's routes do, the same for every framework and stack: each framework's
 * server (`<framework>.mjs`) hands these the request's session and sends what they return as
 * JSON. Sessions are reached through an `access` pair, so property-style sessions
 * (`session.user`) and get/set ones (`session.get('user')`) run the same work.
 */
import { userFor } from '../../sessions/stacks.mjs';

/** Sessions whose data are their properties: express-session, @fastify/session, koa-session and the Vessel adapters for them. */
export const PROPERTIES = {
  get: (session, key) => session[key],
  set: (session, key, value) => {
    session[key] = value;
  },
};

/** Sessions with `get(key)` / `set(key, value)`: hono-sessions and `@vessel/hono`. */
export const GET_SET = {
  get: (session, key) => session.get(key),
  set: (session, key, value) => session.set(key, value),
};

/**
 * The routes' work over `counters` (what `server.mjs` reports): each takes the request's session
 * (`undefined` where a route is asked of the floor) and returns the response body. `dateForm`:
 * the seeded user's `lastLogin` as a `Date` (`'date'`, Vessel keeps the type) or an ISO string.
 */
export function routeWork(counters, { access, dateForm }) {
  const { get, set } = access;
  return {
    /** `GET /seed?i=N`: `user` N in a new session. */
    seed(session, index) {
      const user = userFor(index, dateForm);
      set(session, 'user', user);
      counters.seeded++;
      return { id: user.id };
    },
    /** `GET /seed-counter`: `count: 0` in a new session. */
    seedCounter(session) {
      set(session, 'count', 0);
      counters.seeded++;
      return { count: 0 };
    },
    /** `GET /read`: reads `user`, changes nothing; a missing user is counted. */
    read(session) {
      const user = session ? get(session, 'user') : undefined;
      counters.read++;
      if (!user) counters.readMissing++;
      return { id: user?.id ?? null, name: user?.name ?? null };
    },
    /** `GET /write`: `count + 1`. */
    write(session) {
      const count = (get(session, 'count') ?? 0) + 1;
      set(session, 'count', count);
      counters.write++;
      return { count };
    },
    /** `GET /static`: never touches the session. */
    static() {
      counters.static++;
      return { ok: true, name: 'static' };
    },
    /** `GET /peek`: `count` and the user's id, for the checks after the run. */
    peek(session) {
      return { count: (session && get(session, 'count')) ?? null, id: (session && get(session, 'user'))?.id ?? null };
    },
  };
}
