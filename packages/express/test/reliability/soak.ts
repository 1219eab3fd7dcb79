/**
 * Suite 6, soak: the demo (examples/demo/main.mjs, in a child process) under 60 s of mixed
 * traffic at a fixed rate, its RSS and open file descriptors read from /proc every second and
 * its live heap after a full GC written by soak-probe.mjs. `soak-sqlite.test.ts` and
 * `soak-redis.test.ts` run it on each storage (two files: with two vitest workers, side by side).
 * VESSEL_SOAK_SECONDS runs longer; VESSEL_SOAK_SERIES=1 prints the per-second samples.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import {
  keepAliveAgent,
  ROOT,
  sampleProcess,
  sendTimed,
  sleep,
  startChild,
  type TimedExchange,
  waitFor,
} from './child-load.js';
import { cookieFrom } from './live-http.js';

/** Requests per second the load sends, whatever the server's speed (an open loop, paced by the clock). */
export const RATE = 200;
/** Seconds of traffic (VESSEL_SOAK_SECONDS for a longer run by hand). */
export const DURATION_S = Number(process.env.VESSEL_SOAK_SECONDS ?? 60);
/** Seconds at the start left out of the flatness comparison (JIT, caches, pools filling). */
const WARM_UP_S = 10;
/** Visitors browsing at once; each sends one request at a time. */
const VISITORS = 16;
/**
 * How much the live heap after a full GC may grow between the first and the last third of the
 * steady run (their medians, bytes). Measured without a leak: +0.2 to +0.3 MB (V8 warming up;
 * a 180 s run levels off at +0.4 MB). Measured with one leaked 200-byte object per request
 * (VESSEL_SOAK_LEAK_BYTES=200): +2.2 MB, which fails.
 */
const HEAP_GROWTH_BOUND = 1 << 20;
/**
 * The same for RSS, which also holds allocator and V8 page slack (bytes). Measured without a
 * leak: +0.1 to +1.3 MB; a leak of ~1.5 KB per request at RATE passes this bound.
 */
const RSS_GROWTH_BOUND = 10 << 20;
/** Descriptors beyond the baseline at any time: one socket per visitor, plus a few in passing. */
const FD_SLACK = VISITORS + 8;
/** The demo's session cookie (Vessel's default `session.key`). */
const COOKIE = 'vessel.sid';
const PROBE = path.join(path.dirname(new URL(import.meta.url).pathname), 'soak-probe.mjs');
const DEMO = path.join(ROOT, 'examples/demo/main.mjs');

/** What one soak run measured. */
export interface SoakFigures {
  readonly requests: number;
  readonly target: number;
  readonly errors: readonly string[];
  readonly byStatus: Record<number, number>;
  readonly rssKb: { readonly start: number; readonly peak: number; readonly end: number };
  readonly heap: { readonly firstThirdMedian: number; readonly lastThirdMedian: number };
  readonly rss: { readonly firstThirdMedian: number; readonly lastThirdMedian: number };
  readonly fds: { readonly baseline: number; readonly peak: number; readonly end: number };
}

/** One visitor's browser: a cookie jar of one cookie and the last page's form token. */
class Visitor {
  cookie: string | undefined;
  token = '';
  constructor(
    private readonly base: string,
    private readonly agent: Agent,
    private readonly permit: () => Promise<void>,
    private readonly record: (exchange: TimedExchange, problem: string | undefined) => void,
  ) {}

  /** One request at the fixed rate; `expect` names the status and what the page must show. */
  async step(
    method: string,
    path: string,
    expected: { status: number; visits?: number; location?: string; signedIn?: boolean },
    form?: Record<string, string>,
  ): Promise<void> {
    await this.permit();
    const withToken = form && !('_csrf' in form) ? { ...form, _csrf: this.token } : form;
    const exchange = await sendTimed(this.base, method, path, {
      cookie: this.cookie,
      form: withToken,
      agent: this.agent,
      timeoutMs: 10_000,
    });
    this.cookie = cookieFrom(exchange, COOKIE) ?? this.cookie;
    this.token = /name="_csrf" value="([^"]+)"/.exec(exchange.body)?.[1] ?? this.token;
    this.record(exchange, problemWith(exchange, expected));
  }

  /** A new visitor's whole visit: 12 requests through every page of the demo. */
  async visit(): Promise<void> {
    this.cookie = undefined;
    this.token = '';
    await this.step('GET', '/', { status: 200, visits: 1, signedIn: false });
    await this.step('GET', '/login', { status: 200, visits: 2 });
    await this.step('POST', '/login', { status: 302, location: '/login' }, { name: 'ada', password: 'wrong' });
    await this.step('POST', '/login', { status: 302, location: '/' }, { name: 'ada', password: 'lovelace' });
    await this.step('GET', '/', { status: 200, visits: 3, signedIn: true });
    await this.step('POST', '/language', { status: 302, location: '/' }, { lang: 'fr', back: '/' });
    await this.step('GET', '/notes', { status: 200, visits: 4, signedIn: true });
    await this.step('POST', '/notes', { status: 302, location: '/notes' }, { text: 'soak' });
    await this.step('POST', '/notes', { status: 403 }, { text: 'forged', _csrf: '' });
    await this.step('GET', '/report', { status: 200, visits: 5, signedIn: true });
    await this.step('POST', '/logout', { status: 302, location: '/' }, {});
    await this.step('GET', '/', { status: 200, visits: 1, signedIn: false });
  }
}

/** What is wrong with `exchange`, or `undefined` when it is what the step expects. */
function problemWith(
  exchange: TimedExchange,
  expected: { status: number; visits?: number; location?: string; signedIn?: boolean },
): string | undefined {
  const where = `${exchange.method} ${exchange.path}`;
  if (exchange.status !== expected.status) {
    return `${where}: ${exchange.status || exchange.error} instead of ${expected.status}`;
  }
  if (expected.location !== undefined && exchange.headers.location !== expected.location) {
    return `${where}: redirected to ${exchange.headers.location}`;
  }
  if (expected.visits !== undefined) {
    const visits = Number(/id="visits">\D*(\d+)/.exec(exchange.body)?.[1]);
    if (visits !== expected.visits) return `${where}: visit counter ${visits} instead of ${expected.visits}`;
  }
  if (expected.signedIn !== undefined && exchange.body.includes('action="/logout"') !== expected.signedIn) {
    return `${where}: ${expected.signedIn ? 'not signed in' : 'still signed in'}`;
  }
  return undefined;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Medians of the first and the last third of `samples` after the warm-up (one sample a second). */
function thirds(samples: readonly number[]): { firstThirdMedian: number; lastThirdMedian: number } {
  const steady = samples.slice(WARM_UP_S);
  const third = Math.floor(steady.length / 3);
  return { firstThirdMedian: median(steady.slice(0, third)), lastThirdMedian: median(steady.slice(-third)) };
}

/**
 * Runs the demo with `env` (its storage) in a temp working folder, drives the traffic, and
 * asserts 0 errors and flat memory and descriptors. Returns the figures for the report.
 */
export async function soakDemo(name: string, env: Record<string, string>): Promise<SoakFigures> {
  const cwd = await mkdtemp(path.join(tmpdir(), `vessel-soak-${name}-`));
  const probeFile = path.join(cwd, 'heap.txt');
  const demo = await startChild(['--expose-gc', '--import', PROBE, DEMO], {
    cwd,
    env: { PORT: '0', SESSION_SECRET: 'soak secret, 32 bytes or more long', VESSEL_SOAK_PROBE_FILE: probeFile, ...env },
    listening: /Vessel demo on http:\/\/localhost:(\d+)\//,
  });
  try {
    const agent = keepAliveAgent(VISITORS);
    const exchanges: TimedExchange[] = [];
    const errors: string[] = [];
    const record = (exchange: TimedExchange, problem: string | undefined) => {
      exchanges.push(exchange);
      if (problem) errors.push(problem);
    };

    // The baseline: storage open (one visit), then every connection closed.
    const unpaced = async () => {};
    await new Visitor(demo.base, agent, unpaced, record).visit();
    agent.destroy();
    await sleep(500);
    const baselineFds = sampleProcess(demo.pid).fds;

    // Open-loop pacing: permits are issued by the clock at RATE; a visitor waits for one before
    // each request. Permits the visitors could not use in time are not saved up (no bursts).
    const loadAgent = keepAliveAgent(VISITORS);
    const startedAt = Date.now();
    const endsAt = startedAt + DURATION_S * 1000;
    let issued = 0;
    let waiting: (() => void)[] = [];
    const pacer = setInterval(() => {
      const due = Math.floor(((Date.now() - startedAt) / 1000) * RATE) - issued;
      issued += due;
      for (let i = 0; i < due; i++) {
        const next = waiting.shift();
        if (next) next();
      }
    }, 5);
    const permit = () =>
      Date.now() >= endsAt
        ? Promise.reject(new Error('soak over'))
        : new Promise<void>((resolve) => waiting.push(resolve));

    const samples: { rssKb: number; fds: number }[] = [];
    const sampler = setInterval(() => samples.push(sampleProcess(demo.pid)), 1000);
    const visitors = Array.from({ length: VISITORS }, async () => {
      const visitor = new Visitor(demo.base, loadAgent, permit, record);
      try {
        for (;;) await visitor.visit();
      } catch (error) {
        if ((error as Error).message !== 'soak over') throw error;
      }
    });
    await sleep(DURATION_S * 1000);
    clearInterval(pacer);
    for (const release of waiting) release();
    waiting = [];
    await Promise.all(visitors);
    clearInterval(sampler);
    samples.push(sampleProcess(demo.pid));

    // Every connection closed: the descriptors go back to the baseline.
    loadAgent.destroy();
    await waitFor(
      `file descriptors back to ${baselineFds}`,
      () => sampleProcess(demo.pid).fds <= baselineFds,
      10_000,
    ).catch(() => {});
    const endFds = sampleProcess(demo.pid).fds;
    const heap = (await readFile(probeFile, 'utf8')).trim().split('\n').map(Number);

    const byStatus: Record<number, number> = {};
    for (const exchange of exchanges) byStatus[exchange.status] = (byStatus[exchange.status] ?? 0) + 1;
    const rssSeries = samples.map((s) => s.rssKb * 1024);
    const figures: SoakFigures = {
      requests: exchanges.length,
      target: RATE * DURATION_S,
      errors,
      byStatus,
      rssKb: {
        start: samples[0]?.rssKb ?? 0,
        peak: Math.max(...samples.map((s) => s.rssKb)),
        end: samples.at(-1)?.rssKb ?? 0,
      },
      heap: thirds(heap.slice(-samples.length)),
      rss: thirds(rssSeries),
      fds: { baseline: baselineFds, peak: Math.max(...samples.map((s) => s.fds)), end: endFds },
    };
    if (process.env.VESSEL_SOAK_SERIES) {
      console.log(
        JSON.stringify({ heapBytes: heap, rssKb: samples.map((x) => x.rssKb), fds: samples.map((x) => x.fds) }),
      );
    }
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    console.log(
      `${name} soak: ${figures.requests} requests in ${DURATION_S} s (target ${figures.target}), ${errors.length} errors, ` +
        `statuses ${JSON.stringify(byStatus)}; RSS start ${mb(figures.rssKb.start * 1024)} peak ${mb(figures.rssKb.peak * 1024)} ` +
        `end ${mb(figures.rssKb.end * 1024)}, RSS medians ${mb(figures.rss.firstThirdMedian)} → ${mb(figures.rss.lastThirdMedian)}, ` +
        `heap after GC ${mb(figures.heap.firstThirdMedian)} → ${mb(figures.heap.lastThirdMedian)}; ` +
        `fds baseline ${baselineFds} peak ${figures.fds.peak} end ${endFds}`,
    );

    expect(errors.slice(0, 20), `the demo's stderr: ${demo.stderr()}`).toEqual([]);
    // The load really ran at (nearly) the fixed rate: a stalled loop would prove nothing.
    expect(figures.requests).toBeGreaterThan(figures.target * 0.5);
    expect(figures.heap.lastThirdMedian - figures.heap.firstThirdMedian).toBeLessThan(HEAP_GROWTH_BOUND);
    expect(figures.rss.lastThirdMedian - figures.rss.firstThirdMedian).toBeLessThan(RSS_GROWTH_BOUND);
    expect(figures.fds.peak).toBeLessThanOrEqual(baselineFds + FD_SLACK);
    expect(endFds).toBe(baselineFds);
    expect(demo.alive()).toBe(true);
    const { code, signal } = await demo.stop();
    expect({ code, signal, stderr: demo.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    return figures;
  } finally {
    if (demo.alive()) await demo.stop();
    await rm(cwd, { recursive: true, force: true });
  }
}
