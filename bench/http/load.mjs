/**
 * The load side of the HTTP suite: forks a server child per stack (`server.mjs`), seeds its
 * sessions over HTTP, and drives it with autocannon from this process, so the server and the
 * load generator never share an event loop. Each timed run is one sample: requests/s, latency,
 * the server's CPU and event-loop use per request, and the CPU the rest of the machine used
 * meanwhile (a disturbed sample is measured again, as in the sessions suite).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machineBusySeconds } from '../common/load.mjs';
import { COOKIE_NAME } from '../sessions/stacks.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const SEED_CONCURRENCY = 16;

/** A running server child: `url`, `stats()`, `close()`. `execArgv` e.g. `['--cpu-prof', …]`. */
export async function startServer(stack, { execArgv = [] } = {}) {
  const child = fork(SERVER, [JSON.stringify(stack)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`server for ${stack.name} exited with ${code} before listening`);
    }),
  ]);
  const url = `http://127.0.0.1:${ready.port}`;
  let pending = Promise.resolve();
  return {
    url,
    pid: child.pid,
    /** CPU seconds, event-loop idle/active ms and route counters of the server so far. */
    stats() {
      const answer = pending.then(async () => {
        child.send({ type: 'stats' });
        const [message] = await once(child, 'message');
        return message;
      });
      pending = answer.catch(() => {});
      return answer;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'close' });
      await exited;
    },
  };
}

/**
 * The Cookie header a browser sends after it had `cookieHeader` and received `setCookies` (the
 * Set-Cookie values of a response): every cookie it holds, the last of a name winning
 * (hono-sessions sets its cookie twice on a new session; koa-session's signature travels in a
 * cookie of its own).
 */
function cookiesAfter(cookieHeader, setCookies) {
  const pairs = new Map();
  const add = (pair) => pairs.set(pair.slice(0, pair.indexOf('=')).trim(), pair.trim());
  if (cookieHeader) for (const pair of cookieHeader.split(';')) add(pair);
  for (const header of setCookies) add(header.split(';', 1)[0]);
  return [...pairs.values()].join('; ');
}

/** The Cookie header for the session `response` started, or throws when it set no session cookie. */
function sessionCookie(response, what) {
  const cookie = cookiesAfter('', response.headers.getSetCookie());
  if (!cookie.split('; ').some((pair) => pair.startsWith(`${COOKIE_NAME}=`)))
    throw new Error(`${what}: no ${COOKIE_NAME} cookie in the response (status ${response.status})`);
  return cookie;
}

async function fetchOk(url, headers = {}) {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response;
}

/** `count` calls of `task(index)`, `concurrency` at a time; resolves with the results in order. */
async function mapLimited(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker));
  return results;
}

/**
 * Stores `pool` read sessions (a `user` each) and `counters` write sessions (`count: 0`) through
 * the server's own routes; resolves with their Cookie headers.
 */
export async function seed(server, { pool, counters }) {
  const read = await mapLimited(pool, SEED_CONCURRENCY, async (index) =>
    sessionCookie(await fetchOk(`${server.url}/seed?i=${index}`), 'seed'),
  );
  const write = await mapLimited(counters, SEED_CONCURRENCY, async () =>
    sessionCookie(await fetchOk(`${server.url}/seed-counter`), 'seed-counter'),
  );
  return { read, write };
}

/** What `/peek` says for each cookie: `{ count, id }`, read one after the other. */
export async function peek(server, cookies) {
  const answers = [];
  for (const cookie of cookies) answers.push(await (await fetchOk(`${server.url}/peek`, { cookie })).json());
  return answers;
}

/** A response's Set-Cookie values, from autocannon's header object (raw names, a list when repeated). */
function setCookiesOf(headers) {
  return Object.entries(headers)
    .filter(([name]) => name.toLowerCase() === 'set-cookie')
    .flatMap(([, value]) => value);
}

/**
 * autocannon's per-connection setup. `pool`: connection c walks all of `cookies` starting at
 * offset c × cookies/connections (static requests, prebuilt by autocannon, so the client does
 * no per-request work); `counter`: connection c sends `cookies[c]` on every request. With
 * `follow` (cookie-only sessions, whose data is the cookie), connection c sends the cookie of
 * its last response, as a browser would, and `held[c]` is that cookie when the run ends.
 */
function connectionSetup(route, cookies, mode, connections, follow, held) {
  let connection = 0;
  return (client) => {
    const index = connection++;
    if (mode === 'counter' && follow) {
      held[index] = cookies[index % cookies.length];
      client.setRequests([
        {
          method: 'GET',
          path: route,
          headers: { cookie: held[index] },
          setupRequest: (request) => ({ ...request, headers: { ...request.headers, cookie: held[index] } }),
          onResponse: (_status, _body, _context, headers) => {
            const setCookies = setCookiesOf(headers);
            if (setCookies.length > 0) held[index] = cookiesAfter(held[index], setCookies);
          },
        },
      ]);
      return;
    }
    if (mode === 'counter') {
      client.setRequests([{ method: 'GET', path: route, headers: { cookie: cookies[index % cookies.length] } }]);
      return;
    }
    const offset = Math.floor((index * cookies.length) / connections);
    client.setRequests(
      Array.from({ length: cookies.length }, (_, step) => ({
        method: 'GET',
        path: route,
        headers: { cookie: cookies[(offset + step) % cookies.length] },
      })),
    );
  };
}

function processCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * One autocannon run of `seconds` against `server`. Resolves with the sample: 2xx responses,
 * requests/s, latency, the server's CPU per request and event-loop use, this process' (the
 * client's) CPU, and `otherCores`, the CPU the rest of the machine used (server, client and,
 * through `probe`, the Redis server taken out); with `follow` (counter mode), `heldCookies`, each
 * connection's cookie at the end. Any non-2xx response, error or timeout fails the run: a
 * benchmark that measures errors measures nothing.
 */
export async function runLoad({ server, route, cookies, mode, connections, seconds, probe, follow = false }) {
  const held = [];
  const statsBefore = await server.stats();
  const probeBefore = await probe?.snapshot();
  const machineBefore = machineBusySeconds();
  const clientBefore = processCpuSeconds();
  const result = await autocannon({
    url: `${server.url}${route}`,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    setupClient: connectionSetup(route, cookies, mode, connections, follow, held),
  });
  const clientSeconds = processCpuSeconds() - clientBefore;
  const machineAfter = machineBusySeconds();
  const probeAfter = await probe?.snapshot();
  const statsAfter = await server.stats();
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
  );
  const ok = Object.entries(statuses).reduce((sum, [code, count]) => sum + (code.startsWith('2') ? count : 0), 0);
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0 || ok === 0) {
    throw new Error(
      `${route} on ${server.url}: ${ok} 2xx, ${result.non2xx} non-2xx (${JSON.stringify(statuses)}), ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  const wall = result.duration;
  const serverCpu = statsAfter.cpuSeconds - statsBefore.cpuSeconds;
  const active = statsAfter.elu.active - statsBefore.elu.active;
  const idle = statsAfter.elu.idle - statsBefore.elu.idle;
  const saw = probe?.delta(probeBefore, probeAfter);
  const redisCores = saw?.serverCpuSeconds === undefined ? 0 : saw.serverCpuSeconds / wall;
  const other =
    machineBefore === null
      ? null
      : Math.max(0, (machineAfter - machineBefore - serverCpu - clientSeconds) / wall - redisCores);
  return {
    requests: ok,
    seconds: wall,
    opsPerSecond: ok / wall,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpuMicrosPerRequest: (serverCpu * 1e6) / ok,
    serverCores: serverCpu / wall,
    serverLoopBusy: active / (active + idle),
    clientCores: clientSeconds / wall,
    redisCores: saw?.serverCpuSeconds === undefined ? null : redisCores,
    redisCommands: saw?.commands ?? null,
    otherCores: other,
    counters: Object.fromEntries(
      Object.entries(statsAfter.counters).map(([name, value]) => [name, value - statsBefore.counters[name]]),
    ),
    serverRssMb: statsAfter.rssMb,
    ...(follow ? { heldCookies: held } : {}),
  };
}
