/**
 * What the HTTP suite compares: the stacks (one server process each, `server.mjs` with the
 * framework's app from `servers/<framework>.mjs`) and the workloads (a route, and which
 * sessions' cookies the requests carry), and which stacks run which workload.
 */

/**
 * The frameworks, in table order: each has a floor (no session middleware), its incumbent
 * session library on the backends that library offers, and Vessel's adapter.
 * `incumbentBackends`: label of each incumbent stack (the middleware as configured, see
 * `servers/<framework>.mjs`); `variants`: more incumbent stacks, not yardsticks (named by their
 * key); `vesselBackends`: Vessel's adapter stacks (`cookie`: Vessel's cookie-only sessions,
 * `session.type: 'cookie'`, for frameworks whose incumbent has a cookie store).
 */
export const FRAMEWORKS = {
  express: { incumbent: 'express-session', adapter: '@vessel/express' },
  fastify: {
    incumbent: '@fastify/session',
    adapter: '@vessel/fastify',
    incumbentBackends: {
      memory: '@fastify/session + @fastify/cookie, its in-memory store',
      redis: '@fastify/session + @fastify/cookie, connect-redis (redis v5 client)',
    },
    vesselBackends: ['memory', 'sqlite', 'redis'],
  },
  hono: {
    incumbent: 'hono-sessions',
    adapter: '@vessel/hono',
    incumbentBackends: {
      cookie: 'hono-sessions, CookieStore (encrypted cookie)',
      memory: 'hono-sessions, MemoryStore (encrypted id cookie)',
    },
    variants: {
      'memory plain-id': {
        backend: 'memory',
        plainId: true,
        label: 'hono-sessions, MemoryStore without encryptionKey (the bare id in the cookie): not a yardstick',
      },
    },
    vesselBackends: ['cookie', 'memory', 'sqlite', 'redis'],
  },
  koa: {
    incumbent: 'koa-session',
    adapter: '@vessel/koa',
    incumbentBackends: {
      cookie: 'koa-session, cookie store (signed)',
      memory: 'koa-session, external store: a Map behind { get, set, destroy }',
    },
    vesselBackends: ['cookie', 'memory', 'sqlite', 'redis'],
  },
};

/** Vessel's storage in a stack's label. */
const VESSEL_BACKEND_LABELS = {
  cookie: "cookie-only sessions (session.type: 'cookie')",
  memory: 'memory storage',
  sqlite: 'SQLite (temp cacheDir)',
  redis: 'Redis',
};

/** Express's stacks, unchanged since the suite began (names, options). */
const EXPRESS_STACKS = [
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
    yardstick: false,
    label: "express-session + MemoryStore, after a middleware doing @vessel/express's dictionary-mode step",
  },
  {
    name: 'express-session redis dictionary',
    kind: 'express-session',
    backend: 'redis',
    dictionary: true,
    yardstick: false,
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
].map((stack) => ({ framework: 'express', ...stack }));

/** The stacks of one of the other frameworks: `<framework> floor`, `<framework> <incumbent> <backend>`, `<framework> vessel <backend>[ lazy]`. */
function frameworkStacks(framework) {
  const { incumbent, adapter, incumbentBackends, variants = {}, vesselBackends } = FRAMEWORKS[framework];
  const vessel = (backend, lazy) => ({
    name: `${framework} vessel ${backend}${lazy ? ' lazy' : ''}`,
    framework,
    kind: 'vessel',
    backend,
    ...(lazy ? { lazy: true } : {}),
    label: `${adapter}, ${VESSEL_BACKEND_LABELS[backend]}${lazy ? ', lazy: true' : ''}`,
  });
  return [
    {
      name: `${framework} floor`,
      framework,
      kind: 'floor',
      backend: '-',
      label: `${framework}, no session middleware`,
    },
    ...Object.entries(incumbentBackends).map(([backend, label]) => ({
      name: `${framework} ${incumbent} ${backend}`,
      framework,
      kind: incumbent,
      backend,
      label,
    })),
    ...Object.entries(variants).map(([variant, options]) => ({
      name: `${framework} ${incumbent} ${variant}`,
      framework,
      kind: incumbent,
      yardstick: false,
      ...options,
    })),
    ...vesselBackends.map((backend) => vessel(backend, false)),
    ...['memory', 'sqlite', 'redis'].map((backend) => vessel(backend, true)),
  ];
}

/**
 * Every stack, in table order. `framework`: the app's framework (`servers/<framework>.mjs`);
 * `kind`: `floor` (no session middleware), the framework's incumbent (`express-session`,
 * `@fastify/session`, `hono-sessions`, `koa-session`) or `vessel` (the framework's Vessel
 * adapter); `backend`: where sessions live. Session stacks use each library's settings for "no
 * store write on a request that changed nothing, no session for a request that stored nothing"
 * (see the server modules); Vessel's own options are at their defaults except where `lazy` /
 * `touchAfter` say otherwise. `yardstick: false`: an incumbent stack shown for contrast, which
 * Vessel rows are not divided by: `dictionary` (Express), express-session behind a middleware
 * that does what `@vessel/express` does first (puts `req` and `res` into V8's dictionary mode), to
 * show how much of Vessel's lead that step alone makes; `plainId` (Hono), hono-sessions' memory
 * store without its encryption of the id cookie.
 */
export const STACKS = [
  ...EXPRESS_STACKS,
  ...Object.keys(FRAMEWORKS)
    .filter((framework) => framework !== 'express')
    .flatMap(frameworkStacks),
];

/** A stack's name as a file or key name: `fastify @fastify/session memory` → `fastify-fastify-session-memory`. */
export function slugOf(stack) {
  return stack.name.replaceAll(/[^\w.-]+/g, '-').replace(/^-/, '');
}

/** Is `stack` a framework's incumbent session library? */
export function isIncumbent(stack) {
  return stack.kind !== 'floor' && stack.kind !== 'vessel';
}

/** The names of `framework`'s stacks for which `pick(stack)` holds. */
function namesOf(framework, pick) {
  return STACKS.filter((stack) => stack.framework === framework && pick(stack)).map((stack) => stack.name);
}

const OTHER_FRAMEWORKS = Object.keys(FRAMEWORKS).filter((framework) => framework !== 'express');

/** The other frameworks' stacks of both session workloads: the incumbent and Vessel on every backend, eager. */
const FRAMEWORK_SESSION_STACKS = OTHER_FRAMEWORKS.flatMap((framework) =>
  namesOf(framework, (stack) => isIncumbent(stack) || (stack.kind === 'vessel' && !stack.lazy)),
);

/**
 * The other frameworks' stacks of the untouched workload: the floor, Vessel lazy, and for
 * contrast Vessel eager (memory, Redis) and the incumbent on memory.
 */
const FRAMEWORK_UNTOUCHED_STACKS = OTHER_FRAMEWORKS.flatMap((framework) => [
  ...namesOf(framework, (stack) => stack.kind === 'floor' || stack.lazy),
  `${framework} vessel memory`,
  `${framework} vessel redis`,
  `${framework} ${FRAMEWORKS[framework].incumbent} memory`,
]);

/** Express's stacks of both session workloads: express-session (plain and with the dictionary step) and Vessel. */
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
 * sequential and its final count is exact); `stacks`: who runs it; `goal`: each Vessel row
 * (lazy ones only, with `lazy`) divided by `to` — its framework's `incumbent` on the same
 * backend (on `backends` only) or its framework's `floor`.
 */
export const WORKLOADS = {
  read: {
    route: '/read',
    cookies: 'pool',
    description: 'an existing session is read (its `user`), not changed',
    stacks: [
      ...SESSION_STACKS,
      'vessel memory touchAfter',
      'vessel sqlite touchAfter',
      'vessel redis touchAfter',
      ...FRAMEWORK_SESSION_STACKS,
    ],
    goal: { to: 'incumbent', ratio: 1.2, backends: ['memory', 'redis'] },
  },
  write: {
    route: '/write',
    cookies: 'counter',
    description: "the session's counter is incremented",
    stacks: [...SESSION_STACKS, ...FRAMEWORK_SESSION_STACKS],
    goal: { to: 'incumbent', ratio: 1.2, backends: ['memory', 'redis'] },
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
      ...FRAMEWORK_UNTOUCHED_STACKS,
    ],
    goal: { to: 'floor', ratio: 0.95, lazy: true },
  },
};

/** The stack named `name`. */
export function stackNamed(name) {
  const stack = STACKS.find((candidate) => candidate.name === name);
  if (!stack) throw new Error(`unknown stack ${name}`);
  return stack;
}

/**
 * The incumbent row a Vessel stack (or a `yardstick: false` stack) is compared with: its
 * framework's incumbent on the same backend, as configured for the yardstick (SQLite has none
 * here).
 */
export function yardstickOf(stack) {
  return STACKS.find(
    (candidate) =>
      candidate.framework === stack.framework &&
      isIncumbent(candidate) &&
      candidate.yardstick !== false &&
      candidate.backend === stack.backend,
  );
}

/** The floor stack of `stack`'s framework. */
export function floorOf(stack) {
  return STACKS.find((candidate) => candidate.framework === stack.framework && candidate.kind === 'floor');
}
