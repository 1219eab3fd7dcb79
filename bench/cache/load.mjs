/**
 * The data set and the load loop of the cache suite: 10,000 keys with 1 KiB JSON values, and a
 * loop that runs one operation for a fixed time with a fixed number in flight. Time-bounded rather
 * than count-bounded because the stacks differ by three orders of magnitude (a `Map` does ~10M
 * gets/s here, Redis at concurrency 1 ~20k), and every sample should take about as long.
 */
import { performance } from 'node:perf_hooks';
import { machineBusySeconds, processCpuSeconds, seededRandom } from '../common/load.mjs';

/** Bytes of JSON each value serializes to. */
export const VALUE_BYTES = 1024;
/** The pick sequence is this long and wraps around (a power of two, for the mask). */
const PICKS = 1 << 16;
/** Operations between two looks at the clock (the clock costs as much as a `Map` get). */
const CLOCK_EVERY = 64;
/** `USER_HZ`, the unit of `/proc/stat`. */

/** The key of entry `index`: `item:00042`. Each stack adds its own namespace. */
export function keyFor(index) {
  return `item:${String(index).padStart(5, '0')}`;
}

/**
 * The value of entry `index`: a product-like record whose JSON is exactly `VALUE_BYTES` long
 * (plain JSON types only, so every stack stores the same thing).
 */
export function valueFor(index) {
  const value = {
    id: index,
    sku: `SKU-${String(index).padStart(6, '0')}`,
    name: `Product ${index} (bench edition)`,
    price: { amount: 1000 + ((index * 37) % 9000), currency: 'EUR' },
    inStock: index % 3 !== 0,
    tags: ['bench', 'cache', `group-${index % 16}`, `shelf-${index % 97}`],
    dimensions: { width: 10 + (index % 40), height: 5 + (index % 25), depth: 2 + (index % 10), unit: 'cm' },
    updatedAt: new Date(Date.UTC(2026, 10, 1) + index * 60_000).toISOString(),
    ratings: [index % 5, (index + 1) % 5, (index + 2) % 5, (index + 3) % 5],
    description: '',
  };
  const room = VALUE_BYTES - JSON.stringify(value).length;
  if (room < 0) throw new Error(`value ${index} is ${VALUE_BYTES - room} bytes before padding`);
  const words = 'a cache entry of one kibibyte with a few fields and a long description to fill it up ';
  value.description = words.repeat(Math.ceil(room / words.length)).slice(0, room);
  return value;
}

/** `count` keys and values, built once per run. */
export function dataSet(count) {
  const keys = Array.from({ length: count }, (_, index) => keyFor(index));
  const values = keys.map((_, index) => valueFor(index));
  return { keys, values };
}

/** A wrapping sequence of indexes into `count` entries, uniformly at random from `seed`. */
export function pickSequence(count, seed) {
  const random = seededRandom(seed);
  const picks = new Uint32Array(PICKS);
  for (let index = 0; index < PICKS; index++) picks[index] = Math.floor(random() * count);
  return picks;
}

/**
 * Runs `call(index)` (resolving with the result of one operation on entry `index`) for `seconds`
 * with `concurrency` calls in flight, entries taken in turn from `picks`. With `batch` > 1, each
 * call is `call(indexes)` for `batch` entries at once (an explicit pipeline), and one call in
 * flight. Gets count the results that were `undefined` as `misses`; a call that throws fails the
 * run. Resolves with the operations, the wall time, ops/s, this process' CPU per operation (µs)
 * and `busyCores`: the whole machine's CPU use meanwhile, this process' own left out.
 */
export async function runFor({ seconds, concurrency, call, picks, countMisses, batch = 1 }) {
  const mask = picks.length - 1;
  let cursor = 0;
  let operations = 0;
  let misses = 0;
  let stop = false;
  const deadline = performance.now() + seconds * 1000;
  async function single() {
    while (!stop) {
      const result = await call(picks[cursor++ & mask]);
      if (countMisses && result === undefined) misses++;
      if (++operations % CLOCK_EVERY === 0 && performance.now() >= deadline) stop = true;
    }
  }
  async function batched() {
    const indexes = new Array(batch);
    while (!stop) {
      for (let slot = 0; slot < batch; slot++) indexes[slot] = picks[cursor++ & mask];
      const results = await call(indexes);
      if (countMisses) for (const result of results) if (result === undefined) misses++;
      operations += batch;
      if (performance.now() >= deadline) stop = true;
    }
  }
  const machineBefore = machineBusySeconds();
  const cpuBefore = processCpuSeconds();
  const started = process.hrtime.bigint();
  await Promise.all(batch > 1 ? [batched()] : Array.from({ length: concurrency }, single));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = processCpuSeconds() - cpuBefore;
  const machineAfter = machineBusySeconds();
  return {
    operations,
    seconds: elapsed,
    opsPerSecond: operations / elapsed,
    misses,
    cpuMicrosPerOp: (cpuSeconds * 1e6) / operations,
    busyCores: machineBefore === null ? null : Math.max(0, machineAfter - machineBefore - cpuSeconds) / elapsed,
  };
}

/** Runs `call` over every entry once, `concurrency` at a time (filling a stack; not timed). */
export async function forEachEntry(count, concurrency, call) {
  let next = 0;
  async function worker() {
    while (next < count) await call(next++);
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
