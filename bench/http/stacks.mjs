/**
 * What the HTTP suite compares: the stacks (one server process each, `server.mjs`) and the
 * workloads (a route, and which sessions' cookies the requests carry), and which stacks run
 * which workload.
 */

/**
 * Every stack, in table order. `kind`: `floor` (no session middleware), `express-session` or
 * `vessel` (`@vessel/express`); `backend`: where sessions live. Every session stack uses
 * `resave: false, saveUninitialized: false`; Vessel's own options are at their defaults except
 * where `lazy` / `touchAfter` say otherwise. `dictionary`: express-session behind a middleware
 * that does what `@vessel/express` does first (puts `req` and `res` into V8's dictionary mode),
 * to show how much of Vessel's lead that step alone makes.
 */
export const STACKS = [
  { name: 'floor', kind: 'floor', backend: '-', label: 'no session middleware' },
  {
    name: 'express-session memory',
    kind: 'express-session',
    backend: 'memory',
    label: 'express-session + MemoryStore',
  },
  {
    name: 'express-session redis',
    kind: 'express-session',
    backend: 'redis',
    label: 'express-session + connect-redis (redis v5 client)',
  },
  {
    name: 'express-session memory dictionary',
    kind: 'express-session',
    backend: 'memory',
    dictionary: true,
    label: "express-session + MemoryStore, after a middleware doing @vessel/express's dictionary-mode step",
  },
  {
    name: 'express-session redis dictionary',
    kind: 'express-session',
    backend: 'redis',
    dictionary: true,
    label: "express-session + connect-redis, after a middleware doing @vessel/express's dictionary-mode step",
  },
  { name: 'vessel memory', kind: 'vessel', backend: 'memory', label: '@vessel/express, memory storage' },
  { name: 'vessel sqlite', kind: 'vessel', backend: 'sqlite', label: '@vessel/express, SQLite (temp cacheDir)' },
  { name: 'vessel redis', kind: 'vessel', backend: 'redis', label: '@vessel/express, Redis' },
  { name: 'vessel memory touchAfter', kind: 'vessel', backend: 'memory', touchAfter: 60, label: 'touchAfter: 60' },
  { name: 'vessel sqlite touchAfter', kind: 'vessel', backend: 'sqlite', touchAfter: 60, label: 'touchAfter: 60' },
  { name: 'vessel redis touchAfter', kind: 'vessel', backend: 'redis', touchAfter: 60, label: 'touchAfter: 60' },
  { name: 'vessel memory lazy', kind: 'vessel', backend: 'memory', lazy: true, label: 'lazy: true' },
  { name: 'vessel sqlite lazy', kind: 'vessel', backend: 'sqlite', lazy: true, label: 'lazy: true' },
  { name: 'vessel redis lazy', kind: 'vessel', backend: 'redis', lazy: true, label: 'lazy: true' },
];

/** The stacks of both session workloads: express-session (plain and with the dictionary step) and Vessel. */
const SESSION_STACKS = [
  'express-session memory',
  'express-session redis',
  'express-session memory dictionary',
  'express-session redis dictionary',
  'vessel memory',
  'vessel sqlite',
  'vessel redis',
];

/**
 * The workloads. `route`: what every request asks for; `cookies`: `pool` (the read pool, spread
 * over the requests and connections: connection c starts at its own offset and walks the whole
 * pool) or `counter` (connection c always sends write session c, so each session's requests are
 * sequential and its final count is exact); `stacks`: who runs it; `yardstick`: the rows each
 * Vessel row is divided by (same backend), `floor`: divided by the floor row as well.
 */
export const WORKLOADS = {
  read: {
    route: '/read',
    cookies: 'pool',
    description: 'an existing session is read (its `user`), not changed',
    stacks: [...SESSION_STACKS, 'vessel memory touchAfter', 'vessel sqlite touchAfter', 'vessel redis touchAfter'],
    goal: { to: 'express-session', ratio: 1.2 },
  },
  write: {
    route: '/write',
    cookies: 'counter',
    description: "the session's counter is incremented",
    stacks: SESSION_STACKS,
    goal: { to: 'express-session', ratio: 1.2 },
  },
  untouched: {
    route: '/static',
    cookies: 'pool',
    description: 'a route that never touches the session, the request carrying a session cookie',
    stacks: [
      'floor',
      'vessel memory lazy',
      'vessel sqlite lazy',
      'vessel redis lazy',
      'vessel memory',
      'vessel redis',
      'express-session memory',
    ],
    goal: { to: 'floor', ratio: 0.95, stacks: ['vessel memory lazy', 'vessel sqlite lazy', 'vessel redis lazy'] },
  },
};

/** The stack named `name`. */
export function stackNamed(name) {
  const stack = STACKS.find((candidate) => candidate.name === name);
  if (!stack) throw new Error(`unknown stack ${name}`);
  return stack;
}

/**
 * The express-session row a Vessel stack (or an express-session `dictionary` stack) is compared
 * with: plain express-session on the same backend (SQLite has none here).
 */
export function yardstickOf(stack) {
  return STACKS.find(
    (candidate) => candidate.kind === 'express-session' && !candidate.dictionary && candidate.backend === stack.backend,
  );
}
