/**
 * The server of the HTTP suite: one child process per stack (forked by `load.mjs`), so the
 * server never shares an event loop with autocannon. Every stack of a framework serves the same
 * app with the same routes (`servers/<framework>.mjs`, the routes' work in `servers/routes.mjs`);
 * only the session middleware in front of them differs (see `stacks.mjs`).
 *
 *   node bench/http/server.mjs '<stack as JSON>'   (forked with IPC; prints nothing)
 *
 * Routes (every one answers JSON, so the floor does the same response work):
 *   GET /seed?i=N    stores `user` N in a new session (the read pool; the cookie comes back)
 *   GET /seed-counter  stores `count: 0` in a new session (one per connection of the write workload)
 *   GET /read        reads `user` from the session, changes nothing
 *   GET /write       increments `count`
 *   GET /static      never touches the session
 *   GET /peek        `count` and the user's id, for the checks after the run
 * IPC: `{ type: 'stats' }` → CPU, event-loop use and the routes' counters; `{ type: 'close' }` →
 * closes the server and the storage, then exits (which writes a `--cpu-prof` profile).
 */
import { performance } from 'node:perf_hooks';
import { routeWork } from './servers/routes.mjs';

/** The framework modules: each exports `start(stack, work)` → `{ server, close }`. */
const FRAMEWORK_SERVERS = {
  express: () => import('./servers/express.mjs'),
  fastify: () => import('./servers/fastify.mjs'),
  hono: () => import('./servers/hono.mjs'),
  koa: () => import('./servers/koa.mjs'),
};

async function main() {
  const stack = JSON.parse(process.argv[2]);
  const { start } = await FRAMEWORK_SERVERS[stack.framework ?? 'express']();
  const counters = { read: 0, readMissing: 0, write: 0, static: 0, seeded: 0 };
  const { server, close } = await start(stack, (access) =>
    routeWork(counters, { access, dateForm: stack.kind === 'vessel' ? 'date' : 'iso' }),
  );
  server.keepAliveTimeout = 60_000;

  process.on('message', async (message) => {
    if (message.type === 'stats') {
      const { user, system } = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      process.send({
        type: 'stats',
        cpuSeconds: (user + system) / 1e6,
        elu: { idle: elu.idle, active: elu.active },
        counters: { ...counters },
        rssMb: process.memoryUsage.rss() / 2 ** 20,
      });
    } else if (message.type === 'close') {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
      process.exit(0);
    }
  });
  process.send({ type: 'ready', port: server.address().port });
}

await main();
