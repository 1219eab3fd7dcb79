/**
 * Suite 3 (hostile input), HTTP level: a seeded fuzzer sends malformed, truncated, oversized,
 * duplicated, mis-signed, wrongly-encoded and path-traversal session cookies at an Express app
 * on every backend. Never a 500, never a crash, never an accepted forgery, nothing written
 * outside cacheDir or outside the session namespace. `VESSEL_FUZZ_SEED=<n>` replays another run.
 */
import { DEFAULT_ID_PATTERN, type SessionRejectEvent, signSessionId } from '@vessel/core';
import { type SessionOptions, session } from '@vessel/express';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRng, Tally } from '../../../../test-support/fuzz.js';
import { type CookieCase, type CookieContext, cookieCase, type RealSession } from './cookie-cases.js';
import {
  APP_ID,
  cookieValues,
  fuzzServer,
  fuzzTargets,
  inPool,
  type Reply,
  send,
  sendRaw,
  unhandledRejections,
} from './support.js';

const NAME = 'connect.sid';
const CURRENT = 'fuzz: the current secret, 32+ bytes';
const PREVIOUS = 'fuzz: the previous secret, 32+ bytes';
const RETIRED = 'fuzz: a retired secret, 32 bytes +';
/** Cases sent (the positive controls before and after not counted). */
const TARGETS = fuzzTargets(10_000, 1_000, 400);

const { seed, rng: root } = fuzzRng('express cookies');
const totals = new Tally();

/** The Express app under test: sessions, a read route, a write route, and an error handler that would show a 500. */
function fuzzApp(options: SessionOptions, rejections: WeakMap<object, SessionRejectEvent>) {
  const app = express();
  app.use(
    session({
      secret: [CURRENT, PREVIOUS],
      resave: false,
      saveUninitialized: false,
      ...options,
      onReject: (event, req) => rejections.set(req, event),
    }),
  );
  app.post('/seed', (req, res) => {
    req.session.secret = req.query.secret;
    res.json({ id: req.sessionID });
  });
  app.use((req, res) => {
    const s = req.session;
    if (req.method === 'POST') s.n = Number(s.n ?? 0) + 1;
    res.json({ id: req.sessionID, secret: s.secret ?? null, isNew: s.isNew, reject: rejections.get(req) ?? null });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ error: String((err as Error)?.stack ?? err) });
  };
  app.use(onError);
  return app;
}

interface Body {
  readonly id: string;
  readonly secret: string | null;
  readonly isNew: boolean;
  readonly reject: SessionRejectEvent | null;
}

/** `bytes` as latin-1 text with every control byte turned into a cookie separator. */
function endAtControlBytes(bytes: Buffer): string {
  return [...bytes.toString('latin1')].map((char) => (char < ' ' || char === '\x7f' ? ';' : char)).join('');
}

/** What is wrong with the answer to `fuzzCase`, if anything (the oracle); `outcome` is for the tally. */
function judge(
  fuzzCase: CookieCase,
  reply: Reply,
  real: readonly RealSession[],
): { problem?: string; outcome: string } {
  if (reply.status >= 500 || reply.status < 200)
    return { problem: `status ${reply.status}: ${reply.body.slice(0, 300)}`, outcome: 'error' };
  if (reply.status !== 200) return { outcome: `status ${reply.status}` };
  let body: Body;
  try {
    body = JSON.parse(reply.body) as Body;
  } catch {
    return { problem: `not JSON: ${reply.body.slice(0, 200)}`, outcome: 'error' };
  }
  // Raw cases: a control byte ends the header there, so the oracle reads up to any of them.
  const header = fuzzCase.raw ? endAtControlBytes(fuzzCase.raw) : fuzzCase.cookie;
  const sent = cookieValues(header, NAME);
  if (!body.isNew) {
    const owner = real.find((candidate) => candidate.id === body.id);
    if (!owner) return { problem: `accepted a session the fuzzer holds no cookie for: ${body.id}`, outcome: 'forgery' };
    if (!owner.authentic.some((value) => sent.includes(value)))
      return { problem: `accepted session ${owner.id} without its authentic cookie`, outcome: 'forgery' };
    if (body.secret !== owner.secret)
      return { problem: `session ${owner.id} came back with other data`, outcome: 'error' };
    if (body.reject)
      return { problem: `reject event for an accepted session: ${body.reject.reason}`, outcome: 'error' };
    return { outcome: 'accepted (authentic cookie present)' };
  }
  if (body.secret !== null)
    return { problem: `a fresh session carries secret data ${body.secret}`, outcome: 'forgery' };
  if (sent.length > 0 && body.reject === null)
    return { problem: 'a refused cookie without a reject event', outcome: 'silent' };
  return { outcome: body.reject ? `fresh (${body.reject.reason})` : 'fresh (no cookie)' };
}

/** The request head for a raw case. */
function rawHead(method: string, pathname: string, cookieBytes: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`${method} ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nCookie: `, 'latin1'),
    cookieBytes,
    Buffer.from('\r\nConnection: close\r\n\r\n', 'latin1'),
  ]);
}

describe.each(TARGETS)('hostile cookies at Express on $backend.name (genid: $genid)', (target) => {
  const rng = root.fork(`${target.backend.name}/${target.genid}`);
  const marker = `vessel-fuzz-marker-${seed}`;
  const rejections = new WeakMap<object, SessionRejectEvent>();
  const unhandled = unhandledRejections();
  const server = fuzzServer(target, (storage, genid) => fuzzApp({ storage, ...(genid ? { genid } : {}) }, rejections));
  let real: RealSession[];

  beforeAll(async () => {
    const { app } = server;
    real = [];
    for (let i = 0; i < 4; i++) {
      const secret = `top secret #${i} ${rng.int(1e9)}`;
      const reply = await send(app, { method: 'POST', path: `/seed?secret=${encodeURIComponent(secret)}` });
      const { id } = JSON.parse(reply.body) as { id: string };
      real.push({ id, secret, authentic: [signSessionId(id, CURRENT), signSessionId(id, PREVIOUS)] });
    }
    await server.fuzzed.snapshot();
  });

  /** Every real session still answers to its authentic cookies, under both secrets. */
  async function expectRealSessionsServed(): Promise<void> {
    const { app } = server;
    for (const session of real) {
      for (const value of session.authentic) {
        const reply = await send(app, {
          method: 'GET',
          path: '/',
          headers: { cookie: `${NAME}=${encodeURIComponent(value)}` },
        });
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body)).toMatchObject({ id: session.id, secret: session.secret, isNew: false });
      }
    }
  }

  it(`answers ${target.cases} fuzzed cookies without a 500, a crash, a forgery or an escape`, async () => {
    const { app } = server;
    await expectRealSessionsServed();
    const context: CookieContext = { name: NAME, real, secrets: [CURRENT, PREVIOUS], retired: RETIRED, marker };
    const cases = Array.from({ length: target.cases }, () => ({
      fuzzCase: cookieCase(rng, context),
      method: rng.chance(0.3) ? ('POST' as const) : ('GET' as const),
    }));
    const outcomes = new Tally();
    const families = new Tally();
    const problems: string[] = [];
    const started = Date.now();
    await inPool(cases, 16, async ({ fuzzCase, method }) => {
      const pathname = method === 'POST' ? '/write' : '/';
      const reply = fuzzCase.raw
        ? await sendRaw(app.port, rawHead(method, pathname, fuzzCase.raw))
        : await send(app, { method, path: pathname, headers: { cookie: fuzzCase.cookie } });
      const { problem, outcome } = judge(fuzzCase, reply, real);
      outcomes.add(outcome);
      families.add(fuzzCase.family.split('/')[0] as string);
      if (problem && problems.length < 20) {
        const shown = fuzzCase.raw ? fuzzCase.raw.toString('latin1') : JSON.stringify(fuzzCase.cookie);
        problems.push(`${fuzzCase.family} ${method} ${shown.slice(0, 200)}: ${problem}`);
      }
    });
    const seconds = (Date.now() - started) / 1000;
    totals.add(target.backend.name, cases.length);
    console.log(
      `[fuzz] express cookies on ${target.backend.name} (genid ${target.genid}): ${cases.length} cases in ${seconds.toFixed(1)} s\n` +
        `  families: ${families}\n  outcomes: ${outcomes}`,
    );
    expect(problems).toEqual([]);
    expect(unhandled).toEqual([]);
    // The server still answers, and the real sessions are intact.
    await expectRealSessionsServed();
  });

  it('wrote nothing outside cacheDir, only hashed paths inside it, and no key outside the session namespace', async () => {
    await server.fuzzed.expectContained(marker, target.genid ? APP_ID : DEFAULT_ID_PATTERN);
  });
});

afterAll(() => {
  console.log(`[fuzz] express cookies: ${totals.total} cases in all (${totals}), seed ${seed}`);
});
