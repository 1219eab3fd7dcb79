/**
 * Sessions suite: load+read and load+write requests per second through Vessel's
 * `SessionManager` (the built `@vessel/core`) on memory, SQLite and Redis, side by side in the
 * same run with the store calls express-session makes for the same requests on the same backend
 * (MemoryStore, connect-sqlite3, connect-redis) as the yardstick. It measures and reports; it
 * never fails on a slow number.
 *
 *   node bench/sessions/index.mjs [--requests N] [--rounds R] [--backends memory,sqlite,redis] …  (--help)
 *
 * Per backend: a pool of sessions is stored through each stack, then every (operation, stack)
 * cell runs a warm-up and N timed requests with a fixed number in flight, R rounds, the order of
 * the stacks alternating between rounds. The store calls of every timed request are counted, and
 * the backend is asked what it saw, so a read-only request that writes would show.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../common/load.mjs';
import { capture } from '../common/measure.mjs';
import {
  newestMtime,
  parseList,
  parseNumber,
  REPOSITORY,
  startSuite,
  versionOf,
  WHOLE,
} from '../common/suite-options.mjs';
import { BACKENDS, redisUnreachable } from './backends.mjs';
import { allStacks, benchBackend, CELLS, DISTURBED_CORES, withRatios } from './measure.mjs';
import { formatSessionsTable } from './table.mjs';

export const description = 'session reads and writes per second, Vessel vs express-session store calls';

export const DEFAULTS = { requests: 20_000, rounds: 3, pool: 1_000, concurrency: 32, warmup: 2_000 };

/**
 * The `@vessel/core` to measure: the workspace's build by default, or `corePath` (a built
 * `dist/index.js`, or the package folder holding `dist/`) to compare two builds. Resolves with the
 * module and facts that say which code it is.
 */
async function loadCore(corePath) {
  const entry = corePath
    ? (await stat(path.resolve(corePath))).isDirectory()
      ? path.join(path.resolve(corePath), 'dist', 'index.js')
      : path.resolve(corePath)
    : fileURLToPath(import.meta.resolve('@vessel/core'));
  const facts = { core: path.relative(REPOSITORY, entry), builtAt: await newestMtime(path.dirname(entry)) };
  if (!corePath) {
    // Uncommitted changes to the core's source, identified (the build may or may not include them).
    const source = await capture('git', ['-C', REPOSITORY, 'diff', 'HEAD', '--', 'packages/core/src']);
    facts.sourceDiffSha1 = source ? createHash('sha1').update(source).digest('hex').slice(0, 12) : null;
  }
  return { core: await import(pathToFileURL(entry).href), facts };
}

async function machineFacts() {
  const cpus = os.cpus();
  const packages = ['express-session', 'connect-redis', 'connect-sqlite3', 'redis', '@redis/client', 'sqlite3', 'keyv'];
  return {
    machine: `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    node: process.version,
    // The bench's own code; the core measured is this commit's build unless `--core` names another.
    repositoryCommit: await capture('git', ['-C', REPOSITORY, 'rev-parse', '--short', 'HEAD']),
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
    versions: Object.fromEntries(await Promise.all(packages.map(async (name) => [name, await versionOf(name)]))),
  };
}

/**
 * Runs the suite. `options` as `DEFAULTS` plus `backends`, `ops`, `stacks` (lists of names),
 * `redisUrl`, `dataDir` and optionally `core` (see `loadCore`). Resolves with `{ rows, facts, notes }`.
 */
export async function runSessionsBench(options) {
  const log = options.log ?? (() => {});
  const { core, facts: coreFacts } = await loadCore(options.core);
  const runId = `${new Date().toISOString().replaceAll(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const folder = path.join(options.dataDir, `sessions-${runId}`);
  const prefix = `vbench${randomBytes(4).toString('hex')}`;
  const facts = {
    ...(await machineFacts()),
    ...coreFacts,
    requests: options.requests,
    rounds: options.rounds,
    pool: options.pool,
    concurrency: options.concurrency,
    warmup: options.warmup,
    backends: {},
  };
  const rows = [];
  const notes = [];
  await mkdir(folder, { recursive: true });
  try {
    for (const name of options.backends) {
      if (name === 'redis') {
        const reason = await redisUnreachable(options.redisUrl);
        if (reason) {
          notes.push(`redis skipped: cannot reach ${options.redisUrl} (${reason})`);
          continue;
        }
      }
      const result = await benchBackend(name, { core, options, folder, prefix, log });
      rows.push(...result.rows);
      facts.backends[name] = result.facts;
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  for (const row of rows) {
    if (row.otherCoresMax > DISTURBED_CORES) {
      notes.push(
        `WARNING ${row.backend} ${row.op} ${row.stack}: other processes used up to ${row.otherCoresMax.toFixed(2)} cores during a kept sample; rerun on a quiet machine`,
      );
    }
  }
  return { rows: withRatios(rows), facts, notes };
}

/**
 * The entry point `bench/run.mjs` expects of a suite (`--entries` is the number of requests per
 * cell, `--repeat` the rounds). Rows come in `table.mjs`' shape: each yardstick row is a floor
 * (`Y1`, `Y2`, …) and its "vs floor" column is Vessel's time over the yardstick's (>1: slower).
 */
export async function run({ entries, entriesGiven, repeat, dataDir, redisUrl, log }) {
  const result = await runSessionsBench({
    ...DEFAULTS,
    requests: entriesGiven ? entries : DEFAULTS.requests,
    rounds: repeat,
    dataDir,
    redisUrl,
    log,
    backends: Object.keys(BACKENDS),
    ops: Object.keys(CELLS),
    stacks: allStacks(),
  });
  const ids = new Map(result.rows.filter((row) => row.stack !== 'vessel').map((row, index) => [row, `Y${index + 1}`]));
  const rows = result.rows.map((row) => ({
    id: ids.get(row),
    operation: `${row.op} ${row.stack}`,
    backend: row.backend,
    entries: row.measuredRequests / row.samples.length,
    seconds: median(row.samples.map((sample) => sample.seconds)),
    samples: row.samples.map((sample) => sample.seconds),
    peakRssMb: null,
    compareTo:
      row.stack === 'vessel'
        ? result.rows
            .filter((peer) => ids.has(peer) && peer.backend === row.backend && peer.op === row.op)
            .map((peer) => ids.get(peer))
        : undefined,
  }));
  return { rows, facts: result.facts, notes: result.notes };
}

const USAGE = `usage: node bench/sessions/index.mjs [options]
  --requests N      timed requests per (backend, op, stack) and round (default ${DEFAULTS.requests})
  --rounds R        rounds; ops/s is the median, latency from the median round (default ${DEFAULTS.rounds})
  --concurrency C   requests in flight (default ${DEFAULTS.concurrency})
  --pool P          stored sessions per stack (default ${DEFAULTS.pool})
  --warmup W        untimed requests before each timed run (default ${DEFAULTS.warmup})
  --backends LIST   ${Object.keys(BACKENDS).join(',')} (default all)
  --ops LIST        ${Object.keys(CELLS).join(',')} (default all)
  --stacks LIST     ${allStacks().join(',')} (default all; "vessel" alone for profiling)
  --redis-url URL   default redis://127.0.0.1:6379
  --data-dir DIR    where the temporary SQLite files go (default .bench-data/)
  --core PATH       measure another build of @vessel/core (its dist/index.js, or the package folder)
  --label NAME      added to the results file name (sessions-<date>[-n<N>]-<NAME>.json) and recorded
  --no-save         print only; do not write bench/results/sessions-<date>.json`;

function parseOptions(argv) {
  const text = { type: 'string' };
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: text,
      rounds: text,
      concurrency: text,
      pool: text,
      warmup: text,
      backends: text,
      ops: text,
      stacks: text,
      'redis-url': text,
      'data-dir': text,
      core: text,
      label: text,
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  return {
    requests: parseNumber(values.requests, DEFAULTS.requests, '--requests', WHOLE),
    rounds: parseNumber(values.rounds, DEFAULTS.rounds, '--rounds', WHOLE),
    concurrency: parseNumber(values.concurrency, DEFAULTS.concurrency, '--concurrency', WHOLE),
    pool: parseNumber(values.pool, DEFAULTS.pool, '--pool', WHOLE),
    warmup: parseNumber(values.warmup, DEFAULTS.warmup, '--warmup', { integer: true }),
    backends: values.backends ? parseList(values.backends, Object.keys(BACKENDS), '--backends') : Object.keys(BACKENDS),
    ops: values.ops ? parseList(values.ops, Object.keys(CELLS), '--ops') : Object.keys(CELLS),
    stacks: values.stacks ? parseList(values.stacks, allStacks(), '--stacks') : allStacks(),
    redisUrl: values['redis-url'] ?? 'redis://127.0.0.1:6379',
    dataDir: path.resolve(values['data-dir'] ?? path.join(REPOSITORY, '.bench-data')),
    core: values.core,
    label: values.label,
    save: !values['no-save'],
  };
}

async function main() {
  const started = startSuite('sessions', parseOptions, USAGE);
  if (!started) return;
  const { options, startedAt, log } = started;
  const { rows, facts, notes } = await runSessionsBench({ ...options, log });
  console.log(
    `\nsessions — N = ${options.requests.toLocaleString('en-US')} per cell, median of ${options.rounds}, ${options.concurrency} in flight, pool ${options.pool}, ${startedAt.toISOString()}`,
  );
  console.log(`${facts.machine}, node ${facts.node}, core ${facts.core} built ${facts.builtAt}`);
  console.log(formatSessionsTable(rows));
  for (const note of notes) console.log(`  ${note}`);
  if (!options.save) return;
  const size = options.requests === DEFAULTS.requests ? '' : `-n${options.requests}`;
  const label = options.label ? `-${options.label.replaceAll(/[^\w.-]/g, '_')}` : '';
  const file = path.join(
    REPOSITORY,
    'bench',
    'results',
    `sessions-${startedAt.toISOString().slice(0, 10)}${size}${label}.json`,
  );
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ suite: 'sessions', startedAt, options: { ...options, dataDir: undefined }, facts, rows, notes }, null, 2)}\n`,
  );
  console.log(`  results: ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
