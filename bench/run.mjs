/**
 * `npm run bench` (after `npm run build`): runs the benchmark suites against the built packages
 * and prints one results table per suite; writes `bench/results/<suite>-<date>.json`.
 *
 *   node bench/run.mjs [--only storage[,…]] [--entries N] [--repeat R] [--data-dir DIR] [--redis-url URL] [--keep]
 *
 * Benchmarks measure and report; they never fail on a slow number.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, withRatios } from './common/table.mjs';

/** Every suite, in run order. Adding one is one line: its name and its module. */
const SUITES = {
  storage: () => import('./storage/index.mjs'),
  sessions: () => import('./sessions/index.mjs'),
  cache: () => import('./cache/index.mjs'),
  cli: () => import('./cli/index.mjs'),
  http: () => import('./http/index.mjs'),
};

const DEFAULT_ENTRIES = 1_000_000;
const DEFAULT_REPEAT = 3;
const benchDir = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: node bench/run.mjs [options]
  --only NAMES      comma-separated suites to run (${Object.keys(SUITES).join(', ')}); default all
  --entries N       entries per measurement (default ${DEFAULT_ENTRIES.toLocaleString('en-US')}; e.g. 20000 for a quick check)
  --sessions N      the same as --entries (the cli suite's sessions in the store)
  --repeat R        measure each operation R times and report the median (default ${DEFAULT_REPEAT})
  --data-dir DIR    where temporary databases go (default .bench-data/ in the repository)
  --redis-url URL   Redis server to use (default redis://127.0.0.1:6379)
  --keep            keep the temporary databases and Redis keys afterwards`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      entries: { type: 'string' },
      sessions: { type: 'string' },
      repeat: { type: 'string' },
      'data-dir': { type: 'string' },
      'redis-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  values.entries ??= values.sessions;
  const entries = values.entries === undefined ? DEFAULT_ENTRIES : Number(values.entries.replaceAll(/[_,]/g, ''));
  if (!Number.isSafeInteger(entries) || entries < 1)
    throw new UsageError(`--entries must be a whole number >= 1, got ${values.entries}`);
  const repeat = values.repeat === undefined ? DEFAULT_REPEAT : Number(values.repeat);
  if (!Number.isSafeInteger(repeat) || repeat < 1)
    throw new UsageError(`--repeat must be a whole number >= 1, got ${values.repeat}`);
  const only = values.only
    ? values.only
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    : Object.keys(SUITES);
  const unknown = only.filter((name) => !Object.hasOwn(SUITES, name));
  if (unknown.length > 0)
    throw new UsageError(`unknown suite ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  return {
    suites: only,
    entries,
    // Suites whose natural size differs (sessions: requests per cell) use their own default unless asked.
    entriesGiven: values.entries !== undefined,
    repeat,
    dataDir: path.resolve(values['data-dir'] ?? path.join(benchDir, '..', '.bench-data')),
    redisUrl: values['redis-url'] ?? 'redis://127.0.0.1:6379',
    keep: values.keep,
  };
}

class UsageError extends Error {}

/** `bench/results/<suite>-<YYYY-MM-DD>.json`, with `-n<N>` when N is not the default. */
function resultFile(suite, date, entries) {
  const size = entries === DEFAULT_ENTRIES ? '' : `-n${entries}`;
  return path.join(benchDir, 'results', `${suite}-${date.toISOString().slice(0, 10)}${size}.json`);
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  for (const name of options.suites) {
    const suite = await SUITES[name]();
    const startedAt = new Date();
    console.error(`[bench] ${name}: ${suite.description} (N = ${options.entries.toLocaleString('en-US')})`);
    const { rows, facts, notes } = await suite.run({
      ...options,
      log: (message) => console.error(`[bench] ${name} +${((Date.now() - startedAt) / 1000).toFixed(1)}s ${message}`),
    });
    const measured = withRatios(rows);
    console.log(
      `\n${name} — N = ${options.entries.toLocaleString('en-US')}, median of ${options.repeat}, ${startedAt.toISOString()}`,
    );
    // A suite with columns of its own (the cli suite) formats its rows itself.
    console.log(suite.formatTable ? suite.formatTable(measured) : formatTable(measured));
    for (const note of notes) console.log(`  ${note}`);
    const file = resultFile(name, startedAt, options.entries);
    await mkdir(path.dirname(file), { recursive: true });
    const rowsOnly = measured.filter((row) => !row.section);
    await writeFile(
      file,
      `${JSON.stringify({ suite: name, startedAt, entries: options.entries, repeat: options.repeat, facts, rows: rowsOnly, notes }, null, 2)}\n`,
    );
    console.log(`  results: ${path.relative(process.cwd(), file)}`);
  }
}

await main();
