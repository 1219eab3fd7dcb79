/**
 * What every suite's entry point shares: reading its command-line lists and numbers, and the
 * facts that say which packages and build a run measured.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/** The benchmarks' own folder: its package.json holds the peer libraries they compare against. */
export const BENCH = fileURLToPath(new URL('..', import.meta.url));

/**
 * The installed version of package `name`, or null: from `bench/node_modules` (the peers), else
 * from the workspace's `node_modules` (what the Vessel packages themselves use).
 */
export async function versionOf(name) {
  for (const folder of [BENCH, REPOSITORY]) {
    try {
      return JSON.parse(await readFile(path.join(folder, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {}
  }
  return null;
}

/** The newest modification time of the files under `folder` (when a build last wrote). */
export async function newestMtime(folder) {
  const files = (await readdir(folder, { recursive: true })).map((file) => path.join(folder, file));
  const times = await Promise.all(files.map(async (file) => (await stat(file)).mtimeMs));
  return new Date(Math.max(...times)).toISOString();
}

/** A comma-separated list of names, each of which must be one of `known`. */
export function parseList(value, known, option) {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`${option}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return names;
}

/** `parseNumber` options for counts and sizes: whole numbers of at least 1. */
export const WHOLE = Object.freeze({ min: 1, integer: true });

/** A number option (`_` and `,` allowed as separators) of at least `min`; `fallback` when absent. */
export function parseNumber(value, fallback, option, { min = 0, integer = false } = {}) {
  if (value === undefined) return fallback;
  const number = Number(value.replaceAll(/[_,]/g, ''));
  if (!Number.isFinite(number) || number < min || (integer && !Number.isSafeInteger(number)))
    throw new Error(`${option} must be ${integer ? 'a whole number' : 'a number'} >= ${min}, got ${value}`);
  return number;
}

/**
 * A suite run from the command line: its options from `parseOptions(argv)` (a bad one prints the
 * error and `usage` and exits 2; `--help` prints `usage` and gives `undefined`), when it started,
 * and a `[bench] <suite> +Ns message` logger on stderr.
 */
export function startSuite(suite, parseOptions, usage, argv = process.argv.slice(2)) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(usage);
    return undefined;
  }
  const startedAt = new Date();
  const log = (message) =>
    console.error(`[bench] ${suite} +${((Date.now() - startedAt) / 1000).toFixed(1)}s ${message}`);
  return { options, startedAt, log };
}
