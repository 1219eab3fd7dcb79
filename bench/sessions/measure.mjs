/**
 * One backend of the sessions suite: store the pool through both stacks, then for every
 * (operation, stack) cell a warm-up and N timed requests per round, the stacks' order alternating
 * between rounds; the store calls of the timed requests are counted and the backend's probe asked
 * what it saw. Rows come out summed up over the rounds, with Vessel's throughput ratios.
 */
import path from 'node:path';
import { drive, median, pickSequence, quietMoment } from '../common/load.mjs';
import { BACKENDS } from './backends.mjs';
import { isWriteCall, STORE_CALLS } from './stacks.mjs';

const YARDSTICK = 'express-session';
/** CPU used by other processes (besides the Redis server) above which a sample is disturbed, cores. */
export const DISTURBED_CORES = 0.25;
/** Samples taken of a cell before a disturbed one is kept anyway (and flagged). */
const DISTURBED_ATTEMPTS = 4;
/** Longest wait for a quiet moment before measuring a disturbed cell again, s. */
const QUIET_WAIT_SECONDS = 90;

/** What each operation runs, per stack; the first yardstick listed is the one ratios lead with. */
export const CELLS = {
  read: [
    { stack: 'vessel', side: 'vessel', request: (stack) => (header) => stack.read(header) },
    { stack: YARDSTICK, side: 'yardstick', request: (stack) => (header) => stack.read(header) },
    { stack: `${YARDSTICK} get only`, side: 'yardstick', request: (stack) => (header) => stack.readGetOnly(header) },
  ],
  write: [
    { stack: 'vessel', side: 'vessel', request: (stack) => (header, index) => stack.write(header, index) },
    { stack: YARDSTICK, side: 'yardstick', request: (stack) => (header, index) => stack.write(header, index) },
  ],
};

function callsDelta(before, after) {
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name] - before[name]]));
}

function nonZero(calls) {
  return Object.fromEntries(Object.entries(calls).filter(([, count]) => count > 0));
}

function addInto(total, part) {
  for (const [name, value] of Object.entries(part)) total[name] = (total[name] ?? 0) + value;
  return total;
}

/** One cell: `rounds` samples → one row (median throughput; latency from the median round). */
function summarize({ backend, op, cell, yardstickLabel, samples }) {
  const measuredRequests = samples.reduce((sum, sample) => sum + sample.requests, 0);
  const calls = samples.reduce((total, sample) => addInto(total, sample.calls), {});
  const opsPerSecond = median(samples.map((sample) => sample.opsPerSecond));
  const middle = [...samples].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor((samples.length - 1) / 2)];
  const saws = samples.map((sample) => sample.saw).filter(Boolean);
  const backendSaw =
    saws.length === 0
      ? null
      : saws[0].commands
        ? { commands: saws.reduce((total, saw) => addInto(total, saw.commands), {}) }
        : { committed: saws.some((saw) => saw.committed) };
  return {
    backend,
    op,
    stack: cell.stack,
    store: cell.side === 'vessel' ? `vessel ${backend} storage` : yardstickLabel,
    calls: STORE_CALLS[cell.stack][op],
    opsPerSecond,
    roundsOpsPerSecond: samples.map((sample) => sample.opsPerSecond),
    p50Ms: middle.p50Ms,
    p99Ms: middle.p99Ms,
    cpuMicrosPerRequest: middle.cpuMicrosPerRequest,
    serverCores: middle.serverCores,
    otherCoresMax: Math.max(...samples.map((sample) => sample.otherCores ?? 0)),
    measuredRequests,
    storeCalls: calls,
    storeCallsPerRequest: Object.fromEntries(Object.entries(calls).map(([name, n]) => [name, n / measuredRequests])),
    storeWrites: Object.entries(calls).reduce((sum, [name, n]) => sum + (isWriteCall(name) ? n : 0), 0),
    backendSaw,
    samples: samples.map(({ calls: _calls, ...sample }) => sample),
  };
}

/** Adds to Vessel rows the throughput ratio to each yardstick row of the same backend and op. */
export function withRatios(rows) {
  return rows.map((row) => {
    if (row.stack !== 'vessel') return row;
    const peers = rows.filter((peer) => peer.backend === row.backend && peer.op === row.op && peer.stack !== 'vessel');
    return { ...row, ratios: peers.map((peer) => ({ to: peer.stack, ratio: row.opsPerSecond / peer.opsPerSecond })) };
  });
}

/** One timed run of a cell after its warm-up; the sample carries the calls and what the backend saw. */
async function measureCell({ stack, request, cookies, probe, warmPicks, picks, options }) {
  const { requests, concurrency, warmup } = options;
  await drive({ requests: warmup, concurrency, request: (index) => request(cookies[warmPicks[index]], index) });
  const callsBefore = stack.counts();
  const probeBefore = await probe?.snapshot();
  const result = await drive({ requests, concurrency, request: (index) => request(cookies[picks[index]], index) });
  const probeAfter = await probe?.snapshot();
  const saw = probe?.delta(probeBefore, probeAfter);
  const sample = { ...result, calls: callsDelta(callsBefore, stack.counts()), saw };
  if (saw?.serverCpuSeconds !== undefined) {
    // The Redis server's CPU is part of the work measured, not a disturbance.
    sample.serverCores = saw.serverCpuSeconds / result.seconds;
    if (result.otherCores !== null) sample.otherCores = Math.max(0, result.otherCores - sample.serverCores);
  }
  return sample;
}

/**
 * Measures until a sample was not disturbed by other processes (the machine may be shared), at
 * most `DISTURBED_ATTEMPTS` times, waiting for a quiet moment before each new attempt; the last
 * sample stands either way and says how many attempts it took.
 */
async function undisturbed(measure, onRetry) {
  for (let attempt = 1; ; attempt++) {
    const sample = await measure();
    sample.attempts = attempt;
    if (!(sample.otherCores > DISTURBED_CORES) || attempt === DISTURBED_ATTEMPTS) return sample;
    onRetry(sample.otherCores, attempt + 1);
    await quietMoment({ maxCores: DISTURBED_CORES, maxWaitSeconds: QUIET_WAIT_SECONDS });
  }
}

/**
 * Measures backend `name` with `core` (the `@vessel/core` module) on both stacks; cleans up its
 * files and keys whatever happens. Resolves with the rows and the backend's facts.
 */
export async function benchBackend(name, { core, options, folder, prefix, log }) {
  const { requests, rounds, pool, warmup, ops, stacks, redisUrl } = options;
  const opened = await BACKENDS[name]({ core, folder: path.join(folder, name), redisUrl, prefix });
  const sides = { vessel: opened.vessel, yardstick: opened.yardstick };
  const headers = {};
  const rows = [];
  let probes = {};
  try {
    for (const [side, stack] of Object.entries(sides)) {
      const started = Date.now();
      headers[side] = await stack.seed(pool);
      log(`${name}: ${pool} sessions stored through ${side} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    probes = await opened.probes();
    const facts = {
      ...opened.facts,
      yardstick: opened.yardstickLabel,
      recordBytes: { vessel: await sides.vessel.recordBytes(), yardstick: await sides.yardstick.recordBytes() },
    };
    // Every store call of each phase, warm-ups and repeated attempts included.
    facts.callsByPhase = {};
    for (const op of ops) {
      const phaseStart = Object.fromEntries(Object.entries(sides).map(([side, stack]) => [side, stack.counts()]));
      const cells = CELLS[op].filter((cell) => stacks.some((wanted) => cell.stack === wanted));
      const samples = new Map(cells.map((cell) => [cell, []]));
      for (let round = 0; round < rounds; round++) {
        // Same sessions in the same order for every stack; a new sequence each round.
        const warmPicks = pickSequence(warmup, pool, 2 * round + 1);
        const picks = pickSequence(requests, pool, 2 * round + 2);
        for (const cell of round % 2 === 0 ? cells : [...cells].reverse()) {
          const stack = sides[cell.side];
          const cookies = headers[cell.side];
          const measure = () =>
            measureCell({
              stack,
              request: cell.request(stack),
              cookies,
              probe: probes[cell.side],
              warmPicks,
              picks,
              options,
            });
          const sample = await undisturbed(measure, (other, attempt) =>
            log(`${name} ${op} ${cell.stack}: ${other.toFixed(2)} cores busy elsewhere, measuring again (${attempt})`),
          );
          sample.round = round + 1;
          samples.get(cell).push(sample);
          log(`${name} ${op} ${cell.stack} round ${round + 1}/${rounds}: ${Math.round(sample.opsPerSecond)} ops/s`);
        }
      }
      facts.callsByPhase[op] = Object.fromEntries(
        Object.entries(sides).map(([side, stack]) => [side, nonZero(callsDelta(phaseStart[side], stack.counts()))]),
      );
      for (const cell of cells)
        rows.push(
          summarize({ backend: name, op, cell, yardstickLabel: opened.yardstickLabel, samples: samples.get(cell) }),
        );
    }
    return { rows, facts };
  } finally {
    for (const probe of new Set(Object.values(probes))) await probe.close();
    await Promise.all(Object.values(sides).map((stack) => stack.close()));
    const cleaned = await opened.cleanup();
    if (cleaned.redisKeysUnlinked !== undefined)
      log(`${name}: unlinked ${cleaned.redisKeysUnlinked} keys under ${prefix}*`);
  }
}

/** Every stack name, in table order. */
export function allStacks() {
  return [...new Set(Object.values(CELLS).flatMap((cells) => cells.map((cell) => cell.stack)))];
}
