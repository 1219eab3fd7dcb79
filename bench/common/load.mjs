/**
 * The load loop of the sessions suite: `requests` calls of one request function with a fixed
 * number in flight, each timed on its own, summed up as throughput and latency percentiles.
 * Both stacks are driven by the same loop with the same sequence of sessions.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** `USER_HZ`: the unit of `/proc/stat`, 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Runs shorter than this (s) get no `otherCores`: the tick counts would be mostly rounding. */
const MIN_JUDGED_SECONDS = 0.5;

/** A seeded generator of floats in [0, 1) (mulberry32), so both stacks see the same sessions. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` indexes into a pool of `poolSize`, uniformly at random from `seed`. */
export function pickSequence(count, poolSize, seed) {
  const random = seededRandom(seed);
  const picks = new Uint32Array(count);
  for (let index = 0; index < count; index++) picks[index] = Math.floor(random() * poolSize);
  return picks;
}

/** Busy CPU seconds of the whole machine so far (`/proc/stat`), or null off Linux. */
export function machineBusySeconds() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** This process' CPU seconds so far, its threads (SQLite's work in libuv's pool) included. */
export function processCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Waits until the rest of the machine used at most `maxCores` over one second (this process is
 * idle meanwhile), or `maxWaitSeconds` passed. Resolves with the last second's figure.
 */
export async function quietMoment({ maxCores, maxWaitSeconds }) {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  for (;;) {
    const machineBefore = machineBusySeconds();
    const cpuBefore = processCpuSeconds();
    await sleep(1000);
    if (machineBefore === null) return null;
    const other = machineBusySeconds() - machineBefore - (processCpuSeconds() - cpuBefore);
    if (other <= maxCores || Date.now() >= deadline) return other;
  }
}

/** The value at fraction `p` of sorted `values` (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * Runs `request(index)` for index 0…requests-1 with `concurrency` requests in flight (each
 * worker starts its next request as soon as its previous one settles). Resolves with the wall
 * time, throughput, the p50/p99 of per-request latency (ms), this process' CPU time per request
 * (µs) and `otherCores`: how many cores' worth of CPU the rest of the machine used meanwhile
 * (the Redis server, and anything else running — a sign of a disturbed measurement). A failed
 * request fails the run: a benchmark that silently measures errors measures nothing.
 */
export async function drive({ requests, concurrency, request }) {
  const latenciesMs = new Float64Array(requests);
  let next = 0;
  async function worker() {
    while (next < requests) {
      const index = next++;
      const started = process.hrtime.bigint();
      await request(index);
      latenciesMs[index] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  }
  const machineBefore = machineBusySeconds();
  const cpuBefore = processCpuSeconds();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = processCpuSeconds() - cpuBefore;
  const machineAfter = machineBusySeconds();
  latenciesMs.sort();
  return {
    requests,
    seconds,
    opsPerSecond: requests / seconds,
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
    cpuMicrosPerRequest: (cpuSeconds * 1e6) / requests,
    // /proc/stat counts in 10 ms ticks: too coarse to judge a shorter run.
    otherCores:
      machineBefore === null || seconds < MIN_JUDGED_SECONDS
        ? null
        : Math.max(0, machineAfter - machineBefore - cpuSeconds) / seconds,
  };
}

/** The median of `numbers` (mean of the middle two for an even count). */
export function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor((sorted.length - 1) / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle] + sorted[middle + 1]) / 2;
}
