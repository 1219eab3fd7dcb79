/**
 * Suite 3 (hostile input), no-cookie mode: the example app of examples/express-no-cookies takes
 * the session id from an `X-Session-Id` header or a `?session=` URL token, unsigned. A seeded
 * fuzzer sends path-traversal, key-layout, oversized and wrongly-encoded ids there, on every
 * backend. Never a 500, never another session's data, never an adopted id, nothing written
 * outside cacheDir or the session namespace. `VESSEL_FUZZ_SEED=<n>` replays another run.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { DEFAULT_ID_PATTERN, SessionManager, type SessionRejectEvent } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../examples/express-no-cookies/app.mjs';
import { fuzzRng, hostileId, type Rng, Tally } from '../../../../test-support/fuzz.js';
import { APP_ID, appGenid, fuzzServer, fuzzTargets, inPool, send, unhandledRejections } from './support.js';

const TARGETS = fuzzTargets(2_000, 1_000, 300);

const { seed, rng: root } = fuzzRng('express no-cookie ids');
const totals = new Tally();

interface RealSession {
  readonly id: string;
  readonly secret: string;
}

/** One request: how the id travels, and the id (or ids) the app reads from it. */
interface IdCase {
  readonly family: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  /** What `req.get('X-Session-Id') ?? req.query.session` gives the app. */
  readonly effective: unknown;
}

/** Mutations of a real id: near misses that must not open it (never the id itself). */
function nearMiss(rng: Rng, id: string): string {
  const at = rng.int(id.length);
  const miss = rng.pick([
    id.slice(0, -1),
    id.slice(1),
    `${id}A`,
    id.toUpperCase(),
    id.toLowerCase(),
    `${id}\u0000`,
    `${id}%00`,
    `${id}/../${id}`,
    `../${id}`,
    `./${id}`,
    `${id}::`,
    `${id}*`,
    `${id.slice(0, at)}\u0430${id.slice(at + 1)}`,
    `${id.replaceAll('-', '+').replaceAll('_', '/')}=`,
    `${id}.${id}`,
    `${id.slice(0, at)}%${id.slice(at)}`,
  ]);
  return miss === id ? `${id}!` : miss;
}

/** Builds one fuzz case carrying `ids` (one, or two for an array token). */
function idCase(rng: Rng, real: readonly RealSession[], marker: string, caseNo: number): IdCase {
  const { family, id } = rng.chance(0.25)
    ? { family: 'near-miss', id: nearMiss(rng, rng.pick(real).id) }
    : hostileId(rng, marker);
  const method = rng.chance(0.3) ? 'POST' : 'GET';
  const headers: OutgoingHttpHeaders = { 'x-fuzz-case': String(caseNo) };
  const headerSafe = /^[\t\x20-\x7e\x80-\xff]*$/.test(id);
  const how = rng.pick(['header', 'header-bytes', 'token', 'token-raw', 'token-array']);
  if ((how === 'header' && headerSafe) || how === 'header-bytes') {
    const value = how === 'header' ? id : Buffer.from(id, 'utf8').toString('latin1');
    if (/^[\t\x20-\x7e\x80-\xff]*$/.test(value) && value.trim() !== '') {
      headers['x-session-id'] = value;
      // Node trims the spaces and tabs around a header value.
      return { family: `${family}/${how}`, method, path: '/fred', headers, effective: value.trim() };
    }
  }
  let query: string;
  if (how === 'token-raw' && /^[\x21-\x7e]+$/.test(id) && !id.includes('#')) query = `session=${id}`;
  else if (how === 'token-array')
    query = `session=${encodeURIComponent(id)}&session=${encodeURIComponent(rng.pick(real).id)}`;
  else query = `session=${encodeURIComponent(id)}`;
  return { family: `${family}/${how}`, method, path: `/fred?${query}`, headers, effective: parseQuery(query).session };
}

describe.each(TARGETS)('hostile no-cookie ids at Express on $backend.name (genid: $genid)', (target) => {
  const rng = root.fork(`${target.backend.name}/${target.genid}`);
  const marker = `vessel-fuzz-marker-${seed}`;
  const rejections = new Map<string, SessionRejectEvent>();
  const unhandled = unhandledRejections();
  const idPattern = target.genid ? APP_ID : DEFAULT_ID_PATTERN;
  const server = fuzzServer(target, (storage, genid) =>
    createApp({
      storage,
      ...(genid ? { genid } : {}),
      onReject: (event: SessionRejectEvent, req: { headers: Record<string, unknown> }) =>
        rejections.set(String(req.headers['x-fuzz-case']), event),
    }),
  );
  let real: RealSession[];

  beforeAll(async () => {
    // Real sessions written through Vessel's own API, each holding a secret.
    const seeder = new SessionManager(
      { useCookies: false, ...(target.genid ? { idPattern } : {}) },
      server.fuzzed.open.storage,
    );
    real = [];
    for (let i = 0; i < 4; i++) {
      const session = seeder.create(target.genid ? { id: appGenid() } : {});
      const secret = `top secret #${i} ${rng.int(1e9)}`;
      session.set('fred', secret);
      await session.save();
      real.push({ id: session.id, secret });
    }
    await server.fuzzed.snapshot();
  });

  async function expectRealSessionsServed(): Promise<void> {
    const { app } = server;
    for (const { id, secret } of real) {
      const byHeader = await send(app, { method: 'GET', path: '/fred', headers: { 'x-session-id': id } });
      expect(JSON.parse(byHeader.body)).toEqual({ fred: secret });
      const byToken = await send(app, { method: 'GET', path: `/fred?session=${id}` });
      expect(JSON.parse(byToken.body)).toEqual({ fred: secret });
    }
  }

  it(`answers ${target.cases} fuzzed ids without a 500, a leak, an adopted id or an escape`, async () => {
    const { app } = server;
    await expectRealSessionsServed();
    const cases = Array.from({ length: target.cases }, (_, caseNo) => idCase(rng, real, marker, caseNo));
    const outcomes = new Tally();
    const families = new Tally();
    const problems: string[] = [];
    const started = Date.now();
    await inPool(cases, 16, async (fuzzCase) => {
      const reply = await send(app, { method: fuzzCase.method, path: fuzzCase.path, headers: fuzzCase.headers });
      families.add(fuzzCase.family.split('/')[0] as string);
      const problem = judge(fuzzCase, reply.status, reply.body, reply.headers['x-session-id'] as string | undefined);
      const rejected = rejections.get(String(fuzzCase.headers['x-fuzz-case']));
      outcomes.add(
        problem
          ? 'problem'
          : reply.status !== 200
            ? `status ${reply.status}`
            : `fresh (${rejected?.reason ?? 'no id'})`,
      );
      if (problem && problems.length < 20)
        problems.push(
          `${fuzzCase.family} ${fuzzCase.method} ${fuzzCase.path.slice(0, 160)} ${JSON.stringify(fuzzCase.headers)}: ${problem}`,
        );
    });
    totals.add(target.backend.name, cases.length);
    console.log(
      `[fuzz] express no-cookie ids on ${target.backend.name} (genid ${target.genid}): ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `  families: ${families}\n  outcomes: ${outcomes}`,
    );
    expect(problems).toEqual([]);
    expect(unhandled).toEqual([]);
    await expectRealSessionsServed();

    /** The oracle for one answer. */
    function judge(fuzzCase: IdCase, status: number, text: string, sessionId: string | undefined): string | undefined {
      if (status >= 500 || status < 200) return `status ${status}: ${text.slice(0, 300)}`;
      if (status !== 200) return undefined;
      const body = JSON.parse(text) as { fred?: unknown; isNew?: boolean };
      const owner = real.find((session) => session.id === fuzzCase.effective);
      const rejected = rejections.get(fuzzCase.headers['x-fuzz-case'] as string);
      const loaded = fuzzCase.method === 'GET' ? body.fred !== null : body.isNew === false;
      if (loaded) {
        if (!owner) return `served stored data for an id that names no real session: ${JSON.stringify(body)}`;
        if (fuzzCase.method === 'GET' && body.fred !== owner.secret) return 'served another session';
        return rejected ? `reject event for a served session: ${rejected.reason}` : undefined;
      }
      if (owner) return `the real session ${owner.id} was not served`;
      // A fresh session never takes the id the request brought (no fixation by URL or header).
      if (!sessionId || sessionId === fuzzCase.effective || !idPattern.test(sessionId))
        return `fresh session under id ${JSON.stringify(sessionId)}`;
      const broughtOne = fuzzCase.effective !== undefined && fuzzCase.effective !== '';
      if (broughtOne && !rejected) return 'an id that was not used, without a reject event';
      return undefined;
    }
  });

  it('wrote nothing outside cacheDir, only hashed paths inside it, and no key outside the session namespace', async () => {
    await server.fuzzed.expectContained(marker, idPattern);
  });
});

afterAll(() => {
  console.log(`[fuzz] express no-cookie ids: ${totals.total} cases in all (${totals}), seed ${seed}`);
});
