/**
 * The stampede: many callers ask for one cold key at once through the stack's own get-or-create
 * API (Vessel `get(key, { createfunc })`, cache-manager `wrap`, cacheable and bentocache
 * `getOrSet`), and the creator takes 50 ms. The number that matters is how often the creator
 * ran. Two settings: every caller in this process, and the callers spread over several processes
 * sharing one Redis (only a lock held in Redis can keep that to one call).
 */

import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { runNodeChild } from '../common/measure.mjs';

const WORKER = fileURLToPath(new URL('./stampede-worker.mjs', import.meta.url));
/** Cold keys per stack (rounds of the stampede). */
export const STAMPEDE_ROUNDS = 3;

/**
 * `callers` concurrent `getOrSet(key, creator)` on `stack`; the creator counts its calls, waits
 * `creatorMs` and returns `value`. Resolves with the calls, how many callers got `value` back,
 * the errors, and how long the last caller waited (ms).
 */
export async function stampede(stack, { key, callers, creatorMs, value }) {
  let creatorCalls = 0;
  const creator = async () => {
    creatorCalls++;
    await new Promise((resolve) => setTimeout(resolve, creatorMs));
    return value;
  };
  const started = performance.now();
  const outcomes = await Promise.allSettled(Array.from({ length: callers }, () => stack.getOrSet(key, creator)));
  const errors = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String(outcome.reason));
  return {
    creatorCalls,
    gotValue: outcomes.filter((outcome) => outcome.status === 'fulfilled' && isDeepStrictEqual(outcome.value, value))
      .length,
    callers,
    errors: [...new Set(errors)].slice(0, 3),
    waitedMs: performance.now() - started,
  };
}

/**
 * The stampede across `processes` child processes of `callersEach` callers, on every stack in
 * `stacks` (`[{ backend, name }]`), `rounds` keys each. The children meet at a barrier in Redis,
 * then fire each (stack, round) at the same wall-clock instant. Resolves with one result per
 * (stack, round): creator calls and callers served, summed over the processes.
 */
export async function crossProcessStampede({
  stacks,
  processes,
  callersEach,
  rounds,
  creatorMs,
  redisUrl,
  runPrefix,
  coreEntry,
}) {
  const input = { stacks, processes, callersEach, rounds, creatorMs, redisUrl, runPrefix, coreEntry };
  const children = await Promise.all(
    Array.from({ length: processes }, (_, index) => runNodeChild(WORKER, { ...input, processIndex: index })),
  );
  const results = [];
  for (const { backend, name } of stacks) {
    for (let round = 0; round < rounds; round++) {
      const parts = children.map((child) =>
        child.results.find((result) => result.backend === backend && result.name === name && result.round === round),
      );
      results.push({
        backend,
        name,
        round,
        creatorCalls: parts.reduce((sum, part) => sum + part.creatorCalls, 0),
        gotValue: parts.reduce((sum, part) => sum + part.gotValue, 0),
        callers: parts.reduce((sum, part) => sum + part.callers, 0),
        errors: [...new Set(parts.flatMap((part) => part.errors))].slice(0, 3),
        waitedMs: Math.max(...parts.map((part) => part.waitedMs)),
        startSpreadMs:
          Math.max(...parts.map((part) => part.startedAt)) - Math.min(...parts.map((part) => part.startedAt)),
      });
    }
  }
  return results;
}

/** In-process stampede on every opened stack with a get-or-create API, `rounds` cold keys each. */
export async function inProcessStampede(backend, opened, { options, data }) {
  const results = [];
  for (const { definition, stack } of opened) {
    if (!stack.getOrSet) continue;
    for (let round = 0; round < STAMPEDE_ROUNDS; round++) {
      const result = await stampede(stack, {
        key: `stampede:${round}`,
        callers: options.callers,
        creatorMs: options.creatorMs,
        value: data.values[0],
      });
      results.push({ backend, name: definition.name, round, ...result });
    }
  }
  return results;
}

/** Per (backend, stack, setting): the creator calls of each round. */
export function summarizeStampede(inProcess, crossProcess, options) {
  const summary = [];
  const settings = [
    [inProcess, `${options.callers} callers in 1 process`],
    [crossProcess, `${options.processes} processes x ${Math.ceil(options.callers / options.processes)}`],
  ];
  for (const [results, setting] of settings) {
    for (const result of results) {
      let entry = summary.find(
        (item) => item.backend === result.backend && item.name === result.name && item.setting === setting,
      );
      if (!entry) {
        entry = { backend: result.backend, name: result.name, setting, calls: [] };
        summary.push(entry);
      }
      entry.calls.push(result.creatorCalls);
    }
  }
  return summary;
}
