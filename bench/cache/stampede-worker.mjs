/**
 * One process of the cross-process stampede (started by `stampede.mjs`):
 *
 *   node bench/cache/stampede-worker.mjs '<JSON input>'
 *
 * Opens every stack named in the input on the shared Redis prefix, waits at a barrier in Redis
 * until every process is ready, then at fixed instants after the agreed start fires its callers
 * at one cold key per (stack, round). Prints one JSON line: the results of this process.
 */
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { valueFor } from './load.mjs';
import { STACKS, stackPrefix } from './stacks.mjs';
import { stampede } from './stampede.mjs';

/** Time between two (stack, round) slots, ms: a slot's creator (50 ms) is long done by the next. */
const SLOT_MS = 250;
/** How long after the last process reaches the barrier the first slot starts, ms. */
const START_DELAY_MS = 300;
/** Longest wait at the barrier, ms. */
const BARRIER_TIMEOUT_MS = 30_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Every process increments the counter; the last sets the start time, the others wait for it. */
async function barrier(client, runPrefix, processes) {
  const counter = `${runPrefix}-mp-barrier:count`;
  const start = `${runPrefix}-mp-barrier:start`;
  const arrived = await client.incr(counter);
  await client.pExpire(counter, 600_000);
  if (arrived === processes) await client.set(start, String(Date.now() + START_DELAY_MS), { PX: 600_000 });
  const deadline = Date.now() + BARRIER_TIMEOUT_MS;
  for (;;) {
    const startAt = await client.get(start);
    if (startAt) return Number(startAt);
    if (Date.now() > deadline) throw new Error(`only some of ${processes} processes reached the barrier`);
    await sleep(5);
  }
}

async function main() {
  const input = JSON.parse(process.argv[2]);
  const { stacks, processes, callersEach, rounds, creatorMs, redisUrl, runPrefix, coreEntry } = input;
  const core = coreEntry ? await import(pathToFileURL(coreEntry).href) : null;
  const opened = [];
  for (const { backend, name } of stacks) {
    const definition = STACKS[backend].find((stack) => stack.name === name);
    // `-mp`: keys of their own, apart from the in-process run's.
    const prefix = stackPrefix(`${runPrefix}-mp`, backend, name);
    opened.push({ backend, name, stack: await definition.open({ core, redisUrl, prefix }) });
  }
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  const value = valueFor(0);
  try {
    const startAt = await barrier(client, runPrefix, processes);
    const pending = [];
    let slot = 0;
    for (let round = 0; round < rounds; round++) {
      for (const { backend, name, stack } of opened) {
        const at = startAt + slot++ * SLOT_MS;
        await sleep(at - Date.now());
        const startedAt = Date.now();
        // Not awaited: a slow slot must not shift the next one's start in this process only.
        pending.push(
          stampede(stack, { key: `stampede-mp:${round}`, callers: callersEach, creatorMs, value }).then((result) => ({
            ...result,
            backend,
            name,
            round,
            startedAt,
          })),
        );
      }
    }
    const results = await Promise.all(pending);
    console.log(JSON.stringify({ processIndex: input.processIndex, results }));
  } finally {
    await client.close();
    for (const { stack } of opened) await stack.close();
  }
}

await main();
