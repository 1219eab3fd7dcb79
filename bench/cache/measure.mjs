/**
 * The throughput part of the cache suite, per backend: open every stack, fill it through its own
 * `set` and check it reads back what was set, then for every (operation, concurrency, stack) cell
 * a warm-up and `rounds` timed samples, the stacks' order alternating between rounds; finally
 * each stack clears its own keys, and what it left behind is counted.
 */
import { isDeepStrictEqual } from 'node:util';
import { median, quietMoment } from '../common/load.mjs';
import { forEachEntry, pickSequence, runFor } from './load.mjs';
import { countMatching, STACKS, stackPrefix } from './stacks.mjs';

/** Other processes' CPU (Redis server excluded) above which a sample is measured once more, cores. */
export const DISTURBED_CORES = 0.3;
/** Longest wait for a quiet moment before measuring a disturbed sample again, s. */
const QUIET_WAIT_SECONDS = 3;
/** Waits for quiet moments, all together, after which disturbed samples are only flagged, s. */
export const QUIET_BUDGET_SECONDS = 20;
/** Entries written at a time while filling a stack. */
const FILL_CONCURRENCY = 64;
/** Gets compared with the stored value after filling, per stack. */
const VERIFIED_ENTRIES = 200;

/** CPU seconds the Redis server has used so far (`INFO cpu`). */
async function redisCpuSeconds(admin) {
  const info = await admin.info('cpu');
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * Opens, fills and checks every selected stack of `backend`. A stack that fails its check is
 * left out with a note rather than measured wrong.
 */
export async function openStacks(backend, context) {
  const { options, core, data, runPrefix, notes, log } = context;
  const opened = [];
  for (const definition of STACKS[backend]) {
    if (!options.stacks.includes(definition.name)) continue;
    if (definition.kind === 'vessel' && !core) continue;
    const prefix = stackPrefix(runPrefix, backend, definition.name);
    const stack = await definition.open({ core, redisUrl: options.redisUrl, prefix });
    const started = Date.now();
    await forEachEntry(data.keys.length, FILL_CONCURRENCY, (index) => stack.set(data.keys[index], data.values[index]));
    const problem = await verify(stack, data);
    log(
      `${backend} ${definition.name}: ${data.keys.length} entries set in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (problem) {
      notes.push(`${backend} ${definition.name} left out: ${problem}`);
      await stack.close();
      continue;
    }
    opened.push({ definition, stack, prefix, returns: await returnsWhat(stack, data) });
  }
  return opened;
}

/** Reads entries back: each must be a hit equal to the value set. Resolves with a problem, or null. */
async function verify(stack, data) {
  const step = Math.max(1, Math.floor(data.keys.length / VERIFIED_ENTRIES));
  for (let index = 0; index < data.keys.length; index += step) {
    const got = await stack.get(data.keys[index]);
    if (!isDeepStrictEqual(got, data.values[index]))
      return `get(${data.keys[index]}) returned ${JSON.stringify(got)?.slice(0, 80)} instead of the value set`;
  }
  return null;
}

/** Does a get hand out the same object every time (shared with the cache) or a new one? */
async function returnsWhat(stack, data) {
  const first = await stack.get(data.keys[0]);
  const second = await stack.get(data.keys[0]);
  if (first !== second) return 'a copy';
  return first === data.values[0] ? "the caller's object" : 'one shared object';
}

/** The function one timed call makes, for `op` on `stack` (a batch of entries when `batch` > 1). */
function callOf(stack, op, data, batch) {
  const { keys, values } = data;
  if (batch > 1) {
    return op === 'get'
      ? (indexes) => stack.getBatch(indexes.map((index) => keys[index]))
      : (indexes) => stack.setBatch(indexes.map((index) => [keys[index], values[index]]));
  }
  return op === 'get' ? (index) => stack.get(keys[index]) : (index) => stack.set(keys[index], values[index]);
}

/**
 * One sample of one cell, after a warm-up when it is the cell's first (`warm`); measured once more
 * (after a quiet moment and another warm-up) when other processes used more than `DISTURBED_CORES`
 * meanwhile, and flagged if it still was disturbed.
 */
async function sampleCell(cell, { options, admin, picks, quiet, warm }) {
  const run = (seconds) =>
    runFor({
      seconds,
      concurrency: cell.concurrency,
      call: cell.call,
      picks,
      countMisses: cell.op === 'get',
      batch: cell.batch,
    });
  let sample;
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (warm || attempt > 1) await run(options.warmup);
    const serverBefore = admin && cell.usesRedis ? await redisCpuSeconds(admin) : null;
    sample = await run(options.seconds);
    sample.serverCores = serverBefore === null ? 0 : ((await redisCpuSeconds(admin)) - serverBefore) / sample.seconds;
    sample.otherCores = sample.busyCores === null ? null : Math.max(0, sample.busyCores - sample.serverCores);
    sample.attempts = attempt;
    if (!(sample.otherCores > DISTURBED_CORES) || attempt === 2 || quiet.secondsLeft <= 0) break;
    const waitStarted = Date.now();
    await quietMoment({ maxCores: DISTURBED_CORES, maxWaitSeconds: Math.min(QUIET_WAIT_SECONDS, quiet.secondsLeft) });
    quiet.secondsLeft -= (Date.now() - waitStarted) / 1000;
  }
  return sample;
}

/** Throughput cells of `backend`: every (op, concurrency, stack), `rounds` samples each. */
export async function measureBackend(backend, opened, context) {
  const { options, data, log } = context;
  const rows = [];
  for (const op of options.ops) {
    for (const concurrency of options.concurrency) {
      const cells = opened
        .filter(({ definition }) => !definition.pipelined || concurrency > 1)
        .map(({ definition, stack, returns }) => {
          const batch = definition.pipelined ? concurrency : 1;
          return {
            backend,
            op,
            concurrency,
            definition,
            returns,
            batch,
            usesRedis: backend !== 'memory',
            call: callOf(stack, op, data, batch),
            samples: [],
          };
        });
      for (let round = 0; round < options.rounds; round++) {
        // The same keys in the same order for every stack; the stacks' order alternates.
        const picks = pickSequence(data.keys.length, round + 1);
        for (const cell of round % 2 === 0 ? cells : [...cells].reverse()) {
          const sample = await sampleCell(cell, { ...context, picks, warm: round === 0 });
          if (sample.misses > 0)
            throw new Error(`${backend} ${cell.definition.name}: ${sample.misses} misses among the gets of hits`);
          cell.samples.push(sample);
        }
      }
      for (const cell of cells) {
        rows.push(summarize(cell));
        log(`${backend} ${op} c${concurrency} ${cell.definition.name}: ${Math.round(rows.at(-1).opsPerSecond)} ops/s`);
      }
    }
  }
  return rows;
}

/** A cell's samples → one row: the median ops/s, and the CPU per op of the median sample. */
function summarize(cell) {
  const { definition, samples } = cell;
  const opsPerSecond = median(samples.map((sample) => sample.opsPerSecond));
  const middle = [...samples].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor((samples.length - 1) / 2)];
  return {
    backend: cell.backend,
    op: cell.op,
    concurrency: cell.concurrency,
    stack: definition.name,
    kind: definition.kind,
    label: definition.label,
    returns: cell.op === 'get' ? cell.returns : undefined,
    opsPerSecond,
    roundsOpsPerSecond: samples.map((sample) => sample.opsPerSecond),
    cpuMicrosPerOp: middle.cpuMicrosPerOp,
    serverMicrosPerOp: cell.usesRedis ? (middle.serverCores * 1e6) / middle.opsPerSecond : null,
    otherCoresMax: Math.max(...samples.map((sample) => sample.otherCores ?? 0)),
    disturbed: samples.some((sample) => sample.otherCores > DISTURBED_CORES),
    samples,
  };
}

/** Clears every stack through its own API, counts what it left under its prefix, closes it. */
export async function closeStacks(backend, opened, { admin, notes }) {
  const leftovers = {};
  for (const { definition, stack, prefix } of opened) {
    await stack.clear();
    if (admin && backend !== 'memory') {
      const left = await countMatching(admin, `${prefix}:*`);
      leftovers[definition.name] = left;
      if (left > 0) notes.push(`${backend} ${definition.name}: its clear() left ${left} keys under ${prefix}:*`);
    }
    await stack.close();
  }
  return leftovers;
}
