/**
 * Sweep scenarios of the storage suite, SQLite only (Redis expires keys itself): every row
 * expired, and the usual case of a few expired rows among many live ones.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { shellWord } from '../common/measure.mjs';
import { checkpointSqlite } from './fill.mjs';
import { HOUR_MS, loadSqlite, measureFloor, measureVessel, REDIS_TTL_MS, SQLITE_CLI, syncDisks } from './measure.mjs';

/** In the mixed scenario, every 11th row (by insertion) is expired: N live rows + N/10 expired ones. */
const MIXED_EXPIRED_EVERY = 11;

/** Runs both sweep scenarios for `entries` rows, under `folder`. */
export async function sweepPhase(log, { folder, entries, seed, repeat, rows, keep }) {
  const common = { seed, repeat, rows, keep };
  await sweepScenario(log, {
    ...common,
    folder: path.join(folder, 'sweep-all'),
    id: 'F7',
    total: entries,
    isExpired: () => true,
  });
  await sweepScenario(log, {
    ...common,
    folder: path.join(folder, 'sweep-mixed'),
    id: 'F8',
    total: entries + Math.round(entries / 10),
    isExpired: (index) => index % MIXED_EXPIRED_EVERY === 0,
  });
}

/**
 * One sweep scenario: loads `total` rows where `isExpired(index)` picks the expired ones (their
 * expiry grows with insertion order, as sessions that expire in the order they were created) and
 * checkpoints the file. Each sample then runs on a fresh copy of it, synced to disk before the
 * clock starts: the floor DELETE with the sqlite3 CLI, and `sweep()` through Vessel.
 */
async function sweepScenario(log, { folder, id, total, isExpired, seed, repeat, rows, keep }) {
  const now = Date.now();
  const expiredFrom = now - 2 * HOUR_MS;
  const expected = countWhere(total, isExpired);
  const share = expected === total ? 'all' : `${expected.toLocaleString('en-US')} of them`;
  rows.push({ section: `sweep, sqlite: ${total.toLocaleString('en-US')} rows, ${share} expired` });
  log(`loading ${total} rows (${expected} expired) for sweep…`);
  const loaded = await loadSqlite(path.join(folder, 'loaded'), {
    entries: total,
    seed,
    createdAt: expiredFrom - HOUR_MS,
    expiresAt: (index) =>
      isExpired(index) ? expiredFrom + Math.floor((index * HOUR_MS) / total) : now + REDIS_TTL_MS + index,
  });
  rows.push({ operation: 'fill (bulk insert)', backend: 'sqlite', entries: total, seconds: loaded.seconds });
  await checkpointSqlite(loaded.file);
  const freshCopy = (target) => async () => {
    await rm(path.dirname(target), { recursive: true, force: true });
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(loaded.file, target);
    await syncDisks();
  };
  const floorFile = path.join(folder, 'floor', 'vessel.sqlite');
  const vesselFolder = path.join(folder, 'vessel');
  rows.push(
    await measureFloor(log, {
      id,
      label: 'sqlite3 delete where expires <= now',
      backend: 'sqlite',
      expected,
      repeat,
      prepare: freshCopy(floorFile),
      // Vessel's connection uses synchronous = NORMAL too, so only the statements differ.
      tool: `${SQLITE_CLI} ${shellWord(floorFile)} ${shellWord(`PRAGMA synchronous = NORMAL; delete from vessel where expires <= ${Date.now()}; select changes();`)}`,
    }),
    await measureVessel(log, {
      backend: 'sqlite',
      storage: { type: 'sqlite', cacheDir: vesselFolder },
      operation: 'sweep',
      label: 'sweep()',
      compareTo: [id],
      expected,
      repeat,
      prepare: freshCopy(path.join(vesselFolder, 'vessel.sqlite')),
    }),
  );
  if (!keep) await rm(folder, { recursive: true, force: true });
}

function countWhere(total, predicate) {
  let count = 0;
  for (let index = 0; index < total; index++) if (predicate(index)) count += 1;
  return count;
}
