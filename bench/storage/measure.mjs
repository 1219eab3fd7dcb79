/**
 * How the storage suite measures: Vessel operations in a child process (`worker.mjs`),
 * floors as shell pipelines or raw-client scripts, each `repeat` times; plus the shared setup
 * (bulk-loaded SQLite stores) and constants of the suite.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStorage } from '@vessel/core';
import { capture, repeated, runNodeChild, timePipeline } from '../common/measure.mjs';
import { fillSqlite } from './fill.mjs';

/** The namespace every measurement uses. */
export const NAMESPACE = 'session';
/** `scan({ pageSize })` for Vessel and SCAN COUNT for the raw Redis floor. */
export const PAGE_SIZE = 1000;
export const HOUR_MS = 60 * 60 * 1000;
/** Redis TTL of the loaded entries: long enough for the run, short enough that a crashed run cleans up after itself. */
export const REDIS_TTL_MS = 2 * HOUR_MS;
export const SQLITE_CLI = 'sqlite3';
/** Vessel's key range of the namespace in SQL (`<prefix>:<namespace>::` up to `<prefix>:<namespace>:;`). */
export const NAMESPACE_RANGE = `key >= 'vessel:${NAMESPACE}::' AND key < 'vessel:${NAMESPACE}:;'`;

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

/** Seconds since `start` (a `process.hrtime.bigint()`). */
export const elapsedSince = (start) => Number(process.hrtime.bigint() - start) / 1e9;

/** Warns when a measurement did not see the expected number of entries in every sample. */
function checkEntries(row, expected, what) {
  const wrong = row.allEntries.filter((entries) => entries !== expected);
  if (wrong.length > 0) row.warning = `${what} saw ${wrong.join(', ')} entries, expected ${expected}`;
}

/** Runs one Vessel operation in a child, `repeat` times, and turns the reports into a table row. */
export async function measureVessel(log, { operation, label, backend, storage, compareTo, expected, repeat, prepare }) {
  log(`${label} on ${backend} (child process, ${repeat}x)…`);
  const input = { storage, namespace: NAMESPACE, operation, pageSize: PAGE_SIZE };
  const result = await repeated(repeat, () => runNodeChild(WORKER, input), prepare);
  const { entries, seconds, samples, allEntries, peakRssMb, rssBeforeMb, ...detail } = result;
  const row = {
    operation: label,
    backend,
    entries,
    seconds,
    samples,
    allEntries,
    peakRssMb,
    rssBeforeMb,
    compareTo,
    detail,
  };
  checkEntries(row, expected, `${label} on ${backend}`);
  if (result.corrupt) row.warning = `${label} on ${backend}: ${result.corrupt} entries did not decode`;
  return row;
}

/**
 * Measures a floor `repeat` times: a shell pipeline (`tool` + `rest`, its last output line a
 * count) or a node script (`script` + `input`, reporting like the worker). The count must equal
 * `expected`.
 */
export async function measureFloor(
  log,
  { id, label, backend, expected, tool, rest = '', script, input, repeat, prepare },
) {
  log(`${id} ${label} (${repeat}x)…`);
  const once = script
    ? () => runNodeChild(script, input)
    : async () => {
        const { seconds, peakRssMb, stdout } = await timePipeline(tool, rest);
        return { entries: Number(stdout.split('\n').at(-1)), seconds, peakRssMb };
      };
  const { entries, seconds, samples, allEntries, peakRssMb, rssBeforeMb } = await repeated(repeat, once, prepare);
  const command = script
    ? `node ${path.relative(process.cwd(), script)} '${JSON.stringify(input)}'`
    : `${tool} ${rest}`.trim();
  const row = {
    id,
    operation: `floor: ${label}`,
    backend,
    entries,
    seconds,
    samples,
    allEntries,
    peakRssMb,
    rssBeforeMb,
    command,
  };
  checkEntries(row, expected, id);
  return row;
}

/** Creates a Vessel SQLite store in `folder` (schema by `ping`) and bulk-loads `entries` rows. */
export async function loadSqlite(folder, { entries, seed, createdAt, expiresAt, checkWith }) {
  const options = { type: 'sqlite', cacheDir: folder };
  const file = path.join(folder, 'vessel.sqlite');
  const storage = createStorage(options);
  try {
    await storage.ping();
    if (checkWith) await checkWith(storage, file);
  } finally {
    await storage.close();
  }
  const start = process.hrtime.bigint();
  await fillSqlite(file, { prefix: 'vessel', namespace: NAMESPACE, seed, entries, createdAt, expiresAt });
  return { options, file, seconds: elapsedSince(start) };
}

/** Flushes dirty pages (a fresh copy, a fill) so write-back does not run during a measurement. */
export async function syncDisks() {
  await capture('sync', []);
}
