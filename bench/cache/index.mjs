/**
 * Cache suite: get-hit and set operations per second through Vessel's `CacheManager` (the built
 * `@vessel/core`) side by side, in one run, with cache-manager 7, cacheable 2 and bentocache 1 on
 * the same backend and the same keys (10,000 keys, 1 KiB JSON values), at concurrency 1 and 64,
 * on memory, on Redis, and on Redis with an in-process tier in front; next to the floors (a `Map`;
 * `@redis/client` alone, auto-pipelined and explicitly pipelined; `redis-benchmark`). Then the
 * stampede: how often each stack's creator runs when many callers ask for one cold key at once.
 * It measures and reports; it never fails on a slow number.
 *
 *   node bench/cache/index.mjs [--seconds S] [--rounds R] [--backends memory,redis,redis+local] …  (--help)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { parseList, parseNumber, REPOSITORY, startSuite, WHOLE } from '../common/suite-options.mjs';
import { jsonCosts, loadCore, runFacts } from './facts.mjs';
import { dataSet, VALUE_BYTES } from './load.mjs';
import { closeStacks, DISTURBED_CORES, measureBackend, openStacks, QUIET_BUDGET_SECONDS } from './measure.mjs';
import { measureRedisBenchmark } from './redis-benchmark.mjs';
import { BACKENDS, STACKS, unlinkMatching } from './stacks.mjs';
import { crossProcessStampede, inProcessStampede, STAMPEDE_ROUNDS, summarizeStampede } from './stampede.mjs';
import { formatCacheTable, formatStampedeTable, goalLines, withCacheRatios } from './table.mjs';

export const description = 'cache get/set ops/s and stampede: Vessel vs cache-manager, cacheable, bentocache, floors';

export const DEFAULTS = {
  keys: 10_000,
  seconds: 0.2,
  warmup: 0.1,
  rounds: 5,
  concurrency: [1, 64],
  callers: 200,
  processes: 4,
  creatorMs: 50,
};

const OPS = ['get', 'set'];

/**
 * Runs the suite. `options` as `DEFAULTS` plus `backends`, `ops`, `stacks`, `redisUrl`, `core`,
 * `stampede` (false to skip it) and `redisBenchmark` (false to skip it). Resolves with
 * `{ rows, stampede, goals, facts, notes }`.
 */
export async function runCacheBench(options) {
  const log = options.log ?? (() => {});
  const notes = [];
  const { core, entry: coreEntry, missing, facts: coreFacts } = await loadCore(options.core);
  if (missing) notes.push(`Vessel rows left out: ${missing} (build packages/core with its cache first)`);
  const runPrefix = `vbench${randomBytes(4).toString('hex')}`;
  let admin = null;
  if (options.backends.some((backend) => backend !== 'memory')) {
    const client = createClient({ url: options.redisUrl, socket: { connectTimeout: 3000, reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      admin = client;
    } catch (error) {
      notes.push(`redis rows skipped: cannot reach ${options.redisUrl} (${error.code ?? error.message})`);
    }
  }
  const data = dataSet(options.keys);
  const facts = {
    ...(await runFacts(options, admin)),
    ...coreFacts,
    runPrefix,
    json: jsonCosts(data.values[0]),
    stacks: {},
    leftovers: {},
  };
  const quiet = { secondsLeft: QUIET_BUDGET_SECONDS };
  const context = { options, core, data, runPrefix, admin, notes, log, quiet };
  const rows = [];
  const inProcess = [];
  let crossProcess = [];
  try {
    for (const backend of options.backends) {
      if (backend !== 'memory' && !admin) continue;
      const opened = await openStacks(backend, context);
      try {
        for (const { definition, stack } of opened)
          facts.stacks[`${backend} ${definition.name}`] = { label: definition.label, ...stack.facts };
        rows.push(...(await measureBackend(backend, opened, context)));
        if (options.stampede) inProcess.push(...(await inProcessStampede(backend, opened, context)));
      } finally {
        facts.leftovers[backend] = await closeStacks(backend, opened, context);
      }
      if (backend === 'redis' && options.redisBenchmark && facts.redisBenchmark)
        rows.push(...(await measureRedisBenchmark(context)));
    }
    facts.quietWaitSeconds = QUIET_BUDGET_SECONDS - quiet.secondsLeft;
    if (options.stampede && admin && options.processes > 1) {
      const stacks = options.backends
        .filter((backend) => backend !== 'memory')
        .flatMap((backend) =>
          STACKS[backend]
            .filter((definition) => definition.kind !== 'floor' && options.stacks.includes(definition.name))
            .filter((definition) => definition.kind !== 'vessel' || core)
            .map((definition) => ({ backend, name: definition.name })),
        );
      log(`stampede across ${options.processes} processes: ${stacks.length} stacks`);
      crossProcess = await crossProcessStampede({
        stacks,
        processes: options.processes,
        callersEach: Math.ceil(options.callers / options.processes),
        rounds: STAMPEDE_ROUNDS,
        creatorMs: options.creatorMs,
        redisUrl: options.redisUrl,
        runPrefix,
        coreEntry,
      });
    }
  } finally {
    if (admin) {
      facts.unlinkedAtEnd = await unlinkMatching(admin, `${runPrefix}*`);
      await admin.close();
    }
  }
  const disturbed = rows.filter((row) => row.disturbed);
  if (disturbed.length > 0) {
    const most = Math.max(...disturbed.map((row) => row.otherCoresMax));
    notes.push(
      `* ${disturbed.length} of ${rows.length} rows: other processes used more than ${DISTURBED_CORES} cores (up to ${most.toFixed(2)}) during a sample, even after measuring again`,
    );
  }
  const measured = sortRows(withCacheRatios(rows), options);
  const stampedeSummary = summarizeStampede(inProcess, crossProcess, options);
  return {
    rows: measured,
    stampede: { inProcess, crossProcess, ...stampedeSettings(options) },
    goals: goalLines(measured, stampedeSummary),
    facts,
    notes,
  };
}

function stampedeSettings(options) {
  return {
    callers: options.callers,
    processes: options.processes,
    callersEach: Math.ceil(options.callers / options.processes),
    creatorMs: options.creatorMs,
  };
}

/** Table order: backend, op, concurrency as run; within a cell floors, then Vessel, then peers. */
function sortRows(rows, options) {
  const order = (row) => [
    options.backends.indexOf(row.backend),
    OPS.indexOf(row.op),
    options.concurrency.indexOf(row.concurrency),
    { floor: 0, vessel: 1, peer: 2 }[row.kind],
  ];
  return [...rows].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let index = 0; index < x.length; index++) if (x[index] !== y[index]) return x[index] - y[index];
    return 0;
  });
}

/**
 * The entry point `bench/run.mjs` expects (`--entries` is the number of keys, `--repeat` the
 * rounds). Rows come in `table.mjs`' shape: "time" is how long 100,000 operations take at the
 * median rate (entries/s is ops/s), floors get ids (`F1`, …) and every other row is compared
 * with the floors of its cell.
 */
export async function run({ entries, entriesGiven, repeat, redisUrl, log }) {
  const result = await runCacheBench({
    ...DEFAULTS,
    keys: entriesGiven ? entries : DEFAULTS.keys,
    rounds: repeat,
    redisUrl,
    log,
    backends: BACKENDS,
    ops: OPS,
    stacks: allStacks(),
    stampede: true,
    redisBenchmark: true,
  });
  const operations = 100_000;
  const floorIds = new Map(
    result.rows.filter((row) => row.kind === 'floor').map((row, index) => [row, `F${index + 1}`]),
  );
  const rows = result.rows.map((row) => ({
    id: floorIds.get(row),
    operation: `${row.op} c${row.concurrency} ${row.stack}`,
    backend: row.backend,
    entries: operations,
    seconds: operations / row.opsPerSecond,
    samples: row.roundsOpsPerSecond.map((opsPerSecond) => operations / opsPerSecond),
    peakRssMb: null,
    compareTo: floorIds.has(row)
      ? undefined
      : [...floorIds]
          .filter(
            ([floor]) =>
              floor !== row &&
              floor.backend === row.backend &&
              floor.op === row.op &&
              floor.concurrency === row.concurrency,
          )
          .map(([, id]) => id),
  }));
  const stampedeTable = formatStampedeTable(result.stampede).split('\n');
  const notes = [...result.goals, 'stampede, creator calls per round:', ...stampedeTable, ...result.notes];
  return { rows, facts: { ...result.facts, cacheRows: result.rows, stampede: result.stampede }, notes };
}

/** Every stack name, in table order. */
export function allStacks() {
  return [...new Set(Object.values(STACKS).flatMap((stacks) => stacks.map((stack) => stack.name)))];
}

const USAGE = `usage: node bench/cache/index.mjs [options]
  --seconds S        timed seconds per sample (default ${DEFAULTS.seconds})
  --warmup S         untimed seconds before the first sample of each cell (default ${DEFAULTS.warmup})
  --rounds R         samples per cell; the table shows the median (default ${DEFAULTS.rounds})
  --keys N           entries per stack, 1 KiB each (default ${DEFAULTS.keys})
  --concurrency L    operations in flight, comma-separated (default ${DEFAULTS.concurrency.join(',')})
  --backends LIST    ${BACKENDS.join(',')} (default all)
  --ops LIST         ${OPS.join(',')} (default all)
  --stacks LIST      ${allStacks().join(',')} (default all)
  --callers N        stampede callers (default ${DEFAULTS.callers}; across processes N / --processes each)
  --processes P      processes of the cross-process stampede; 1 skips it (default ${DEFAULTS.processes})
  --no-stampede      skip the stampede
  --no-redis-benchmark  skip the redis-benchmark rows
  --redis-url URL    default redis://127.0.0.1:6379
  --core PATH        measure another build of @vessel/core (its dist/index.js, or the package folder)
  --label NAME       added to the results file name (cache-<date>[-NAME].json)
  --no-save          print only; do not write bench/results/cache-<date>.json`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      keys: { type: 'string' },
      concurrency: { type: 'string' },
      backends: { type: 'string' },
      ops: { type: 'string' },
      stacks: { type: 'string' },
      callers: { type: 'string' },
      processes: { type: 'string' },
      'no-stampede': { type: 'boolean', default: false },
      'no-redis-benchmark': { type: 'boolean', default: false },
      'redis-url': { type: 'string' },
      core: { type: 'string' },
      label: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    help: values.help,
    seconds: parseNumber(values.seconds, DEFAULTS.seconds, '--seconds', { min: 0.01 }),
    warmup: parseNumber(values.warmup, DEFAULTS.warmup, '--warmup'),
    rounds: parseNumber(values.rounds, DEFAULTS.rounds, '--rounds', WHOLE),
    keys: parseNumber(values.keys, DEFAULTS.keys, '--keys', WHOLE),
    concurrency: values.concurrency
      ? values.concurrency.split(',').map((part) => parseNumber(part, 1, '--concurrency', WHOLE))
      : DEFAULTS.concurrency,
    backends: values.backends ? parseList(values.backends, BACKENDS, '--backends') : BACKENDS,
    ops: values.ops ? parseList(values.ops, OPS, '--ops') : OPS,
    stacks: values.stacks ? parseList(values.stacks, allStacks(), '--stacks') : allStacks(),
    callers: parseNumber(values.callers, DEFAULTS.callers, '--callers', WHOLE),
    processes: parseNumber(values.processes, DEFAULTS.processes, '--processes', WHOLE),
    creatorMs: DEFAULTS.creatorMs,
    stampede: !values['no-stampede'],
    redisBenchmark: !values['no-redis-benchmark'],
    redisUrl: values['redis-url'] ?? 'redis://127.0.0.1:6379',
    core: values.core,
    label: values.label,
    save: !values['no-save'],
  };
}

async function main() {
  const started = startSuite('cache', parseOptions, USAGE);
  if (!started) return;
  const { options, startedAt, log } = started;
  const result = await runCacheBench({ ...options, log });
  const { facts } = result;
  console.log(
    `\ncache — ${options.keys.toLocaleString('en-US')} keys of ${VALUE_BYTES} B JSON, median of ${options.rounds} samples of ${options.seconds} s, ${startedAt.toISOString()}`,
  );
  console.log(
    `${facts.machine}, node ${facts.node}, redis ${facts.redis}, core ${facts.core ?? '-'} built ${facts.builtAt ?? '-'} (js sha1 ${facts.coreJsSha1 ?? '-'})`,
  );
  console.log(
    `one value: JSON.parse ${facts.json.parseMicros.toFixed(1)} µs, JSON.stringify ${facts.json.stringifyMicros.toFixed(1)} µs`,
  );
  console.log(formatCacheTable(result.rows));
  if (result.stampede.inProcess.length + result.stampede.crossProcess.length > 0) {
    console.log(`\nstampede — one cold key, creator takes ${options.creatorMs} ms; creator calls per round:`);
    console.log(formatStampedeTable(result.stampede));
  }
  console.log('');
  for (const line of [...result.goals, ...result.notes]) console.log(`  ${line}`);
  if (!options.save) return;
  const label = options.label ? `-${options.label.replaceAll(/[^\w.-]/g, '_')}` : '';
  const file = path.join(REPOSITORY, 'bench', 'results', `cache-${startedAt.toISOString().slice(0, 10)}${label}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ suite: 'cache', startedAt, options: { ...options, help: undefined }, ...result }, null, 2)}\n`,
  );
  console.log(`  results: ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
