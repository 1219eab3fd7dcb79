import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionRecord } from '@vessel/core';
import { type SessionStore, session, VesselStore } from '@vessel/express';
import { RedisStore } from 'connect-redis';
import express from 'express';
import expressSession from 'express-session';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type BackendCase, type OpenBackend, runId } from '../../../../test-support/backends.js';
import { backendTtlMs } from '../../../../test-support/reliability.js';
import { REDIS_URL, SECRET } from '../support.js';
import { cookieFrom, get, idOfCookie, Latch, listen } from './live-http.js';

/** Requests in flight on one session at once (the number). */
const PARALLEL = 100;
/** How far a backend's TTL may exceed the session's remaining lifetime: one write's latency, ms. */
const TTL_SLACK_MS = 100;
const KEYS = Array.from({ length: PARALLEL }, (_, i) => `k${i}`);

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
/** The part of a session object the scenario uses: data as properties (Vessel's and express-session's alike). */
type SessionData = Record<string, unknown>;

/** What one run of the scenario saw. */
interface Outcome {
  /** The session's id, from the first response's cookie. */
  readonly id: string;
  /** Status of each of the parallel requests. */
  readonly statuses: readonly number[];
  /** The data keys each parallel request found when its session was loaded. */
  readonly loadedKeys: readonly string[][];
  /** The data keys a request after all of them reads back. */
  readonly keysAfter: readonly string[];
  /** From sending the first parallel request to the last reply, ms (reported, not asserted). */
  readonly elapsedMs: number;
}

function dataKeys(data: SessionData | undefined): string[] {
  return Object.keys(data ?? {})
    .filter((key) => key !== 'cookie')
    .sort();
}

/**
 * The scenario on an Express app with `middleware`: one request stores `base`, then
 * `PARALLEL` requests on its cookie each set a key of their own. Each handler waits at a latch
 * that opens only once every request has loaded the session, so all of them load the same
 * stored version before any of them saves; then a last request reads the keys back.
 */
async function runScenario(middleware: Middleware): Promise<Outcome> {
  const latch = new Latch(PARALLEL);
  const app = express();
  app.use(middleware);
  app.get('/seed', (req, res) => {
    (req.session as unknown as SessionData).base = true;
    res.end();
  });
  app.get('/set/:key', async (req, res) => {
    const data = req.session as unknown as SessionData;
    const loaded = dataKeys(data);
    await latch.arrive();
    data[req.params.key] = true;
    res.json(loaded);
  });
  app.get('/keys', (req, res) => res.json(dataKeys(req.session as unknown as SessionData)));
  const server = await listen(app);
  try {
    const seeded = await get(`${server.url}/seed`);
    const cookie = cookieFrom(seeded);
    if (!cookie) throw new Error(`the seeding request set no cookie (status ${seeded.status}: ${seeded.body})`);
    const started = performance.now();
    const replies = await Promise.all(KEYS.map((key) => get(`${server.url}/set/${key}`, { cookie })));
    const elapsedMs = Math.round(performance.now() - started);
    const after = await get(`${server.url}/keys`, { cookie });
    return {
      id: idOfCookie(cookie),
      statuses: replies.map((reply) => reply.status),
      loadedKeys: replies.map((reply) => (reply.status === 200 ? (JSON.parse(reply.body) as string[]) : [])),
      keysAfter: JSON.parse(after.body) as string[],
      elapsedMs,
    };
  } finally {
    await server.close();
  }
}

/** Checks that the run really had every request in flight on the same loaded version. */
function expectAllInFlightTogether(outcome: Outcome): void {
  expect(outcome.statuses).toEqual(KEYS.map(() => 200));
  expect(outcome.loadedKeys).toEqual(KEYS.map(() => ['base']));
}

/** How many of the parallel requests' keys `keys` holds. */
function survivors(keys: readonly string[]): number {
  return KEYS.filter((key) => keys.includes(key)).length;
}

describe.each(BACKENDS)('parallel writes through @vessel/express on $name', (backendCase) => {
  let open: OpenBackend;

  beforeAll(async () => {
    open = await backendCase.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  it(`keeps every key that ${PARALLEL} parallel requests on one session set`, async () => {
    const middleware = session({ secret: SECRET, storage: open.storage, resave: false, saveUninitialized: false });
    const outcome = await runScenario(middleware);
    expectAllInFlightTogether(outcome);
    const expected = ['base', ...KEYS].sort();
    expect(outcome.keysAfter).toEqual(expected);
    const record = await open.storage.namespace('session').get<SessionRecord>(outcome.id);
    expect(dataKeys(record?.data)).toEqual(expected);
    // The contended saves retried; the backend still drops the record when the session expires.
    const remainingMs = (record?.expires ?? 0) - Date.now();
    expect(await backendTtlMs(open, outcome.id)).toBeLessThanOrEqual(remainingMs + TTL_SLACK_MS);
    console.log(
      `@vessel/express on ${backendCase.name}: ${survivors(outcome.keysAfter)} of ${PARALLEL} keys kept (${outcome.elapsedMs} ms)`,
    );
  });
});

describe('contrast (printed, not asserted): express-session 1.19 on the same scenario', () => {
  let client: ReturnType<typeof createClient>;
  let vesselRedis: OpenBackend | undefined;
  const prefix = `${runId()}:`;

  beforeAll(async () => {
    client = createClient({ url: REDIS_URL });
    await client.connect();
  });

  afterAll(async () => {
    await vesselRedis?.cleanup();
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*` }))
      if (batch.length > 0) await client.del(batch);
    client.destroy();
  });

  const withStore = (store: SessionStore | expressSession.Store): Middleware =>
    expressSession({
      secret: SECRET,
      store: store as expressSession.Store,
      resave: false,
      saveUninitialized: false,
    }) as unknown as Middleware;

  it('with connect-redis 9 on Redis', async () => {
    const outcome = await runScenario(withStore(new RedisStore({ client, prefix })));
    expectAllInFlightTogether(outcome);
    console.log(
      `express-session + connect-redis on redis: ${survivors(outcome.keysAfter)} of ${PARALLEL} keys kept (${outcome.elapsedMs} ms; each save writes the whole session it loaded)`,
    );
  });

  it("with Vessel's VesselStore on Redis", async () => {
    vesselRedis = await (BACKENDS.find((backend) => backend.name === 'redis') as BackendCase).open();
    const outcome = await runScenario(withStore(new VesselStore({ storage: vesselRedis.storage })));
    expectAllInFlightTogether(outcome);
    console.log(
      `express-session + VesselStore on redis: ${survivors(outcome.keysAfter)} of ${PARALLEL} keys kept (${outcome.elapsedMs} ms; express-session hands the store whole sessions, so it cannot merge)`,
    );
  });

  it("with @vessel/express's middleware over connect-redis (a foreign store)", async () => {
    const store = new RedisStore({ client, prefix: `${prefix}foreign:` }) as unknown as SessionStore;
    const outcome = await runScenario(session({ secret: SECRET, store, resave: false, saveUninitialized: false }));
    expectAllInFlightTogether(outcome);
    console.log(
      `@vessel/express + connect-redis store on redis: ${survivors(outcome.keysAfter)} of ${PARALLEL} keys kept (${outcome.elapsedMs} ms; a foreign store only takes whole sessions)`,
    );
  });
});
