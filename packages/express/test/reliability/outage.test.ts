/**
 * Suite 1, storage outage: an Express app (in a child process) with Vessel sessions and a cache
 * region under steady load while its storage server (a private Redis with AOF fsync always, or
 * a private PostgreSQL cluster) is killed with SIGKILL for a few seconds and restarted on the
 * same port and data. What it proves is listed in `outage under load` below.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createVessel } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres } from '../../../../test-support/private-postgres.js';
import { type PrivateServer, startPrivateRedis } from '../../../../test-support/private-redis.js';
import { type ChildServer, sendTimed, sleep, startChild, type TimedExchange, waitFor } from './child-load.js';
import { cookieFrom, idOfCookie } from './live-http.js';

/** The storage timeout the app runs with (ms). */
const TIMEOUT_MS = 1000;
/** What an answer during the outage may take beyond the timeout: scheduling on a busy 2-core machine, not a hang. */
const SLACK_MS = 1500;
/** How long the server stays dead (ms): longer than TIMEOUT_MS + SLACK_MS, so a request that hangs until the restart shows. */
const OUTAGE_MS = 4000;
/** Signed-in clients, each sending one request at a time. */
const CLIENTS = 8;
/** Pause between two requests of one client (ms): steady load, bounded rate. */
const PACE_MS = 5;
/** Ceiling on the requests of one run, whatever happens. */
const MAX_REQUESTS = 60_000;
/** A restart must be followed by a success for every client within this long (ms). */
const RECOVERY_DEADLINE_MS = 15_000;

const SERVERS: readonly { name: string; start: () => Promise<PrivateServer> }[] = [
  { name: 'redis', start: startPrivateRedis },
  { name: 'postgres', start: startPrivatePostgres },
];

const APP = path.join(path.dirname(new URL(import.meta.url).pathname), 'outage-app.mjs');

interface Client {
  readonly user: string;
  readonly cookie: string;
  readonly id: string;
  readonly exchanges: TimedExchange[];
}

/** When the outage happened, by the test's clock. */
interface Timeline {
  /** SIGKILL sent. */
  killedAt: number;
  /** The server process is gone. */
  downAt: number;
  /** `start()` called: the server may accept connections from here on. */
  restartAt: number;
  /** The server accepts connections again. */
  upAt: number;
}

describe.each(SERVERS)('a $name outage under load', ({ name, start }) => {
  let server: PrivateServer;
  let app: ChildServer;
  const prefix = `outage${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    server = await start();
    app = await startChild([APP], {
      env: { VESSEL_URL: server.url, VESSEL_PREFIX: prefix, VESSEL_TIMEOUT_MS: String(TIMEOUT_MS) },
      listening: /^listening (\d+)$/m,
    });
  });

  afterAll(async () => {
    if (app?.alive()) await app.stop();
    await server?.dispose();
  });

  it('fails fast with 503 while the server is down, never serves a fresh session, recovers by itself and loses nothing acknowledged', async () => {
    // Sessions written and acknowledged before the outage.
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const user = `user${i}`;
      const login = await sendTimed(app.base, 'POST', `/login/${user}`);
      expect(login.status).toBe(200);
      const cookie = cookieFrom(login, 'vessel.sid');
      expect(cookie).toBeTruthy();
      clients.push({ user, cookie: cookie as string, id: idOfCookie(cookie as string), exchanges: [] });
    }

    // Steady load: every client in its own loop (a signed-in page with a cache read, and every
    // fourth request a cached response), plus a health probe that needs no storage.
    let running = true;
    let sent = 0;
    const health: TimedExchange[] = [];
    const clientLoop = async (client: Client) => {
      for (let n = 0; running && sent < MAX_REQUESTS; n++) {
        sent++;
        client.exchanges.push(
          await sendTimed(app.base, 'GET', n % 4 === 3 ? '/report' : '/me', { cookie: client.cookie }),
        );
        await sleep(PACE_MS);
      }
    };
    const healthLoop = async () => {
      while (running && sent < MAX_REQUESTS) {
        sent++;
        health.push(await sendTimed(app.base, 'GET', '/health'));
        await sleep(100);
      }
    };
    const loops = [...clients.map(clientLoop), healthLoop()];
    const successes = (client: Client, after: number) =>
      client.exchanges.filter((e) => e.status === 200 && e.startedAt >= after).length;

    /** `waitFor`, failing with what each client saw last and whether the app is still up. */
    const waitForClients = (what: string, check: () => boolean, timeoutMs?: number) =>
      waitFor(what, check, timeoutMs).catch((error: Error) => {
        const last = clients.map((c) => {
          const e = c.exchanges.at(-1);
          return `${c.user} (${successes(c, 0)} ok): ${e?.status || e?.error} ${e?.body.slice(0, 120)}`;
        });
        throw new Error(`${error.message}; app alive: ${app.alive()}, stderr: ${app.stderr()}; ${last.join('; ')}`);
      });

    await waitForClients('20 answers per client before the outage', () => clients.every((c) => successes(c, 0) >= 20));
    const timeline: Partial<Timeline> = { killedAt: Date.now() };
    await server.stop('SIGKILL');
    timeline.downAt = Date.now();
    await sleep(OUTAGE_MS);
    timeline.restartAt = Date.now();
    await server.start();
    timeline.upAt = Date.now();
    const { killedAt, downAt, restartAt, upAt } = timeline as Timeline;

    // Recovery: the first success of each client after the server came back.
    await waitForClients(
      'a success for every client after the restart',
      () => clients.every((c) => successes(c, upAt) >= 1),
      RECOVERY_DEADLINE_MS,
    );
    const recoveredAt = Math.max(
      ...clients.map(
        (c) => (c.exchanges.find((e) => e.status === 200 && e.startedAt >= upAt) as TimedExchange).endedAt,
      ),
    );
    await waitForClients('20 more answers per client after the recovery', () =>
      clients.every((c) => successes(c, recoveredAt) >= 20),
    );
    running = false;
    await Promise.all(loops);
    expect(sent).toBeLessThan(MAX_REQUESTS);

    // The process never crashed and kept answering.
    expect(app.alive()).toBe(true);
    expect(health.every((e) => e.status === 200)).toBe(true);
    const healthDuring = health.filter((e) => e.startedAt >= downAt && e.endedAt < restartAt);
    expect(healthDuring.length).toBeGreaterThan(0);

    const all = clients.flatMap((c) => c.exchanges);
    const during = all.filter((e) => e.startedAt >= downAt && e.startedAt < restartAt);
    // In flight when the server died: may be answered 503 or cut (the response had started).
    const inFlight = all.filter((e) => e.startedAt < downAt && e.endedAt >= killedAt);
    for (const exchange of all) {
      const where = `${exchange.method} ${exchange.path} at +${exchange.startedAt - killedAt} ms`;
      // Every answer is a success or the storage's 503: no 500, no hang, no cut connection outside the kill.
      if (inFlight.includes(exchange) && exchange.status === 0) continue;
      expect([200, 503], `${where}: ${exchange.status} ${exchange.error ?? exchange.body}`).toContain(exchange.status);
      // The app's handler, or Express's when the save of the app's own error page failed as well.
      if (exchange.status === 503) expect(exchange.body, where).toMatch(/cannot reach /);
    }
    // During the outage: a fast 503 for everything that needs the storage, within the timeout.
    expect(during.length).toBeGreaterThan(0);
    for (const exchange of during) {
      const where = `${exchange.path} at +${exchange.startedAt - killedAt} ms`;
      expect(exchange.endedAt - exchange.startedAt, `${where}: answered within the timeout`).toBeLessThanOrEqual(
        TIMEOUT_MS + SLACK_MS,
      );
      // A success is only possible once the server is back (a request that started just before).
      if (exchange.status === 200) expect(exchange.endedAt, where).toBeGreaterThanOrEqual(restartAt);
    }

    // Never a fresh session: each client always sees its own user, keeps its id, and its
    // counter never goes back (an acknowledged write that was lost would repeat a number).
    const lastHits = new Map<Client, number>();
    for (const client of clients) {
      let last = 0;
      for (const exchange of client.exchanges) {
        const cookie = cookieFrom(exchange, 'vessel.sid');
        if (cookie !== undefined) expect(idOfCookie(cookie), `${client.user}: same id`).toBe(client.id);
        if (exchange.status !== 200 || exchange.path === '/report') continue; // the report is the same for everyone
        const body = JSON.parse(exchange.body) as { user: string | null; hits?: number };
        expect(body.user, `${client.user} at +${exchange.startedAt - killedAt} ms`).toBe(client.user);
        expect(body.hits, `${client.user}: hits after ${last}`).toBeGreaterThan(last);
        last = body.hits as number;
      }
      lastHits.set(client, last);
    }

    // Every acknowledged write is stored after the restart: the data, the last counter value.
    const reader = createVessel({
      url: server.url,
      prefix,
      session: { secret: 'unused by get, but 32 bytes or more' },
    });
    try {
      for (const client of clients) {
        const stored = await reader.sessions.get(client.id);
        expect(stored?.get('user'), client.user).toBe(client.user);
        expect(stored?.get('hits') as number).toBeGreaterThanOrEqual(lastHits.get(client) ?? 0);
      }
    } finally {
      await reader.close();
    }

    const count = (list: TimedExchange[], status: number) => list.filter((e) => e.status === status).length;
    const before = all.filter((e) => e.endedAt < killedAt);
    const after = all.filter((e) => e.startedAt >= upAt);
    // The cache region came back too: cached pages are served (and rebuilt) after the restart.
    expect(
      count(
        after.filter((e) => e.path === '/report'),
        200,
      ),
    ).toBeGreaterThan(0);
    console.log(
      `${name} outage: ${all.length} requests (+${health.length} health), before ${count(before, 200)} ok; ` +
        `killed for ${restartAt - downAt} ms: ${during.length} requests, ${count(during, 503)} × 503 ` +
        `(and ${healthDuring.length} health checks answered), ` +
        `max ${Math.max(...during.map((e) => e.endedAt - e.startedAt))} ms, ${inFlight.filter((e) => e.status === 0).length} cut in flight; ` +
        `after restart ${count(after, 200)} ok, ${count(after, 503)} × 503, all clients recovered ${recoveredAt - upAt} ms after the server was up`,
    );

    const { code, signal } = await app.stop();
    expect({ code, signal, stderr: app.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
