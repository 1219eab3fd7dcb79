/**
 * CLI suite: `session-inspect` (the built `packages/cli/dist/bin.js`) spawned as a user runs it,
 * on a store of N sessions in SQLite and Redis, side by side with floors — `sqlite3` and
 * `redis-cli` doing the least work that gives the same answer. Measured: the first page of
 * `list` (at 10,000, 100,000 and N sessions, to show it does not grow with the store), the full
 * `list --ndjson`, `purge --all --yes`, and `expire --sweep` of N expired SQLite rows; wall time
 * with process start, and the peak RSS of every process (GNU time). Stores are loaded with the
 * storage suite's bulk paths in Vessel's session format (`fill.mjs`).
 *
 *   node bench/cli/index.mjs [--sessions N] [--repeat R] [--redis-url URL] [--data-dir DIR] [--keep]
 *   (the same as `node bench/run.mjs --only cli --sessions N …`)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import { createStorage } from '@vessel/core';
import { capture, shellWord } from '../common/measure.mjs';
import { formatColumns } from '../common/table.mjs';
import { checkpointSqlite, deleteRedisPrefix } from '../storage/fill.mjs';
import { HOUR_MS, NAMESPACE, NAMESPACE_RANGE, SQLITE_CLI, syncDisks } from '../storage/measure.mjs';
import { checkSessionLayout, checkSessions, growRedis, growSqlite } from './fill.mjs';
import { CLI_COLUMNS, measureCommand } from './measure.mjs';

export const description =
  'session-inspect (built CLI) on N sessions: first page, full list, purge, sweep; sqlite3 / redis-cli floors';

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPOSITORY, 'packages', 'cli', 'dist', 'bin.js');
const REDIS_FLOOR = fileURLToPath(new URL('../common/redis-scan-floor.mjs', import.meta.url));
/** Store sizes the list rows are also measured at, below N, to show what grows with the store. */
const STEPS = [10_000, 100_000];
/** The first page: what `list` shows on a terminal. */
const PAGE = 50;

/** The table the suite prints (`run.mjs` uses it instead of the storage columns). */
export function formatTable(rows) {
  return formatColumns(CLI_COLUMNS, rows);
}

const lines = (stdout) => Number(stdout.split('\n').at(-1));
const jsonField = (field) => (stdout) => JSON.parse(stdout.split('\n').at(-1))[field];

/** Floors and CLI rows of `list` on one backend at one store size; returns the rows. */
async function listRows(log, { backend, size, cli, floors, repeat, admin }) {
  const common = { backend, entries: size, repeat, admin };
  const [countFloor, readFloor] = floors;
  return [
    await measureCommand(log, { ...common, ...countFloor, check: lines, expected: size }),
    await measureCommand(log, { ...common, ...readFloor, expected: size, rate: true }),
    await measureCommand(log, {
      ...common,
      label: `list --limit ${PAGE} (first page)`,
      tool: `${cli} list --limit ${PAGE}`,
      rest: '| wc -l',
      check: lines,
      expected: PAGE + 1, // the header and the page
      compareTo: [countFloor.id],
    }),
    await measureCommand(log, {
      ...common,
      label: 'list --ndjson > /dev/null',
      tool: `${cli} list --ndjson`,
      rest: '> /dev/null',
      rate: true,
      compareTo: [readFloor.id, countFloor.id],
    }),
    await measureCommand(log, {
      ...common,
      repeat: 1,
      label: 'list --ndjson | wc -l (count check)',
      tool: `${cli} list --ndjson`,
      rest: '| wc -l',
      check: lines,
      expected: size,
      rate: true,
      compareTo: [readFloor.id, countFloor.id],
    }),
  ];
}

function sqliteFloors(file, next) {
  const cli = `${SQLITE_CLI} ${shellWord(file)}`;
  return [
    {
      id: next(),
      label: 'sqlite3 count(*) in namespace range',
      tool: `${cli} ${shellWord(`select count(*) from vessel where ${NAMESPACE_RANGE}`)}`,
    },
    {
      id: next(),
      label: 'sqlite3 select key, value, range order by key | wc -l',
      tool: `${cli} ${shellWord(`select key, value from vessel where ${NAMESPACE_RANGE} order by key`)}`,
      rest: '| wc -l',
      check: lines,
    },
  ];
}

function redisFloors(redis, next) {
  const input = { url: redis.url, pattern: `${redis.prefix}:${NAMESPACE}::*`, count: 1000, values: true };
  return [
    {
      id: next(),
      label: 'redis-cli --scan --pattern | wc -l',
      tool: `${redis.cli} --scan --pattern ${shellWord(input.pattern)}`,
      rest: '| wc -l',
    },
    {
      id: next(),
      label: '@redis/client SCAN 1000 + pipelined GET (node)',
      tool: `${shellWord(process.execPath)} ${shellWord(REDIS_FLOOR)} ${shellWord(JSON.stringify(input))}`,
      check: jsonField('entries'),
    },
  ];
}

/** The `list` rows at every store size, growing both stores step by step. */
async function listPhase(log, { sizes, sqlite, redis, seed, createdAt, repeat, rows, next, admin }) {
  let filled = 0;
  for (const size of sizes) {
    rows.push({ section: `list, ${size.toLocaleString('en-US')} sessions` });
    const fillRows = [];
    const seconds = await growSqlite(sqlite.file, { seed, from: filled, to: size, createdAt });
    fillRows.push({ operation: 'fill (bench bulk loader, not the CLI)', backend: 'sqlite', entries: size, seconds });
    if (redis) {
      const redisSeconds = await growRedis(redis.url, {
        prefix: redis.prefix,
        seed,
        from: filled,
        to: size,
        createdAt,
      });
      fillRows.push({ operation: 'fill (pipelined SET PX)', backend: 'redis', entries: size, seconds: redisSeconds });
    }
    filled = size;
    await checkpointSqlite(sqlite.file);
    await syncDisks();
    log(`filled ${size} sessions; checking they read back through SessionManager…`);
    await checkStores({ sqlite, redis, seed, entries: size, createdAt });
    rows.push(...fillRows);
    const sqliteRows = await listRows(log, {
      backend: 'sqlite',
      size,
      cli: sqlite.cli,
      floors: sqliteFloors(sqlite.file, next),
      repeat,
      admin,
    });
    rows.push(...sqliteRows);
    if (redis) {
      rows.push(
        ...(await listRows(log, {
          backend: 'redis',
          size,
          cli: redis.cliBin,
          floors: redisFloors(redis, next),
          repeat,
          admin,
        })),
      );
    }
  }
  return filled;
}

async function checkStores({ sqlite, redis, seed, entries, createdAt }) {
  for (const options of [sqlite.options, redis?.options].filter(Boolean)) {
    const storage = createStorage(options);
    try {
      await checkSessions(storage, { seed, entries, createdAt });
    } finally {
      await storage.close();
    }
  }
}

/** `purge --all --yes` on a fresh copy of the SQLite store and a refilled Redis prefix, with delete floors. */
async function purgePhase(log, { entries, sqlite, redis, seed, createdAt, repeat, rows, next, admin, countFloors }) {
  rows.push({ section: `purge --all --yes, ${entries.toLocaleString('en-US')} sessions` });
  const copyFolder = path.join(path.dirname(path.dirname(sqlite.file)), 'purge');
  const copy = path.join(copyFolder, 'vessel.sqlite');
  const freshCopy = async () => {
    await rm(copyFolder, { recursive: true, force: true });
    await mkdir(copyFolder, { recursive: true });
    await copyFile(sqlite.file, copy);
    await syncDisks();
  };
  const common = { entries, repeat, admin };
  const floorId = next();
  rows.push(
    await measureCommand(log, {
      ...common,
      id: floorId,
      label: 'sqlite3 delete in namespace range',
      backend: 'sqlite',
      prepare: freshCopy,
      tool: `${SQLITE_CLI} ${shellWord(copy)} ${shellWord(`PRAGMA synchronous = NORMAL; delete from vessel where ${NAMESPACE_RANGE}; select changes();`)}`,
      check: lines,
      expected: entries,
    }),
    await measureCommand(log, {
      ...common,
      label: 'purge --all --yes',
      backend: 'sqlite',
      prepare: freshCopy,
      tool: `${BIN_COMMAND} --cache-dir ${shellWord(copyFolder)} purge --all --yes --json`,
      check: jsonField('purged'),
      expected: entries,
      rate: true,
      compareTo: [floorId, countFloors.sqlite],
    }),
  );
  await rm(copyFolder, { recursive: true, force: true });
  if (!redis) return;
  const refill = async () => {
    await growRedis(redis.url, { prefix: redis.prefix, seed, from: 0, to: entries, createdAt });
  };
  const redisFloorId = next();
  const pattern = `${redis.prefix}:${NAMESPACE}::*`;
  rows.push(
    await measureCommand(log, {
      ...common,
      id: redisFloorId,
      label: "redis-cli --scan | sed 's/^/UNLINK /' | redis-cli --pipe",
      backend: 'redis',
      prepare: refill,
      tool: `${redis.cli} --scan --pattern ${shellWord(pattern)}`,
      rest: `| sed 's/^/UNLINK /' | ${redis.cli} --pipe`,
      // SCAN returns every key at least once, some twice (the keyspace rehashes as keys go): one
      // reply per UNLINK sent, so at least N replies means every session was deleted.
      check: (stdout) => Math.min(entries, Number(/replies: (\d+)/.exec(stdout)?.[1])),
      expected: entries,
    }),
    await measureCommand(log, {
      ...common,
      label: 'purge --all --yes',
      backend: 'redis',
      prepare: refill,
      tool: `${redis.cliBin} purge --all --yes --json`,
      check: jsonField('purged'),
      expected: entries,
      rate: true,
      compareTo: [redisFloorId, countFloors.redis],
    }),
  );
}

/** `expire --sweep` on N expired SQLite sessions, each sample on a fresh copy; floor: one DELETE. */
async function sweepPhase(log, { folder, entries, seed, repeat, rows, next, admin, countFloors }) {
  rows.push({ section: `expire --sweep, sqlite: ${entries.toLocaleString('en-US')} sessions, all expired` });
  const now = Date.now();
  const expiredFrom = now - 2 * HOUR_MS;
  const loadedFolder = path.join(folder, 'expired');
  const options = { type: 'sqlite', cacheDir: loadedFolder };
  const storage = createStorage(options);
  await storage.ping();
  await storage.close();
  const file = path.join(loadedFolder, 'vessel.sqlite');
  const seconds = await growSqlite(file, {
    seed,
    from: 0,
    to: entries,
    createdAt: expiredFrom - 2 * HOUR_MS,
    expiresAt: (index) => expiredFrom + Math.floor((index * HOUR_MS) / entries),
  });
  rows.push({ operation: 'fill (bench bulk loader, not the CLI)', backend: 'sqlite', entries, seconds });
  await checkpointSqlite(file);
  const copyFolder = path.join(folder, 'sweep');
  const copy = path.join(copyFolder, 'vessel.sqlite');
  const freshCopy = async () => {
    await rm(copyFolder, { recursive: true, force: true });
    await mkdir(copyFolder, { recursive: true });
    await copyFile(file, copy);
    await syncDisks();
  };
  const floorId = next();
  const common = { backend: 'sqlite', entries, repeat, admin, prepare: freshCopy, expected: entries };
  rows.push(
    await measureCommand(log, {
      ...common,
      id: floorId,
      label: 'sqlite3 delete where expires <= now',
      tool: `${SQLITE_CLI} ${shellWord(copy)} ${shellWord(`PRAGMA synchronous = NORMAL; delete from vessel where expires <= ${Date.now()}; select changes();`)}`,
      check: lines,
    }),
    await measureCommand(log, {
      ...common,
      label: 'expire --sweep',
      tool: `${BIN_COMMAND} --cache-dir ${shellWord(copyFolder)} expire --sweep --json`,
      check: jsonField('count'),
      rate: true,
      compareTo: [floorId, countFloors.sqlite],
    }),
  );
  await rm(loadedFolder, { recursive: true, force: true });
  await rm(copyFolder, { recursive: true, force: true });
}

const BIN_COMMAND = `${shellWord(process.execPath)} ${shellWord(BIN)}`;

/** The goal lines under the table: first page under 1 s, peak RSS under 200 MB and flat. */
function goals(rows, sizes) {
  const cliRows = rows.filter((row) => !row.section && !row.id && row.peakRssMb != null);
  const notes = [];
  for (const backend of ['sqlite', 'redis']) {
    const pages = sizes
      .map((size) =>
        cliRows.find((row) => row.backend === backend && row.entries === size && row.operation.includes('first page')),
      )
      .filter(Boolean);
    if (pages.length === 0) continue;
    const worst = Math.max(...pages.map((row) => row.seconds));
    notes.push(
      `GOAL first page < 1 s on ${backend}: ${worst < 1 ? 'met' : 'MISSED'} — ${pages.map((row) => `${row.seconds.toFixed(2)} s at ${row.entries.toLocaleString('en-US')}`).join(', ')}`,
    );
  }
  const worst = cliRows.reduce((a, b) => (b.peakRssMb > a.peakRssMb ? b : a), cliRows[0]);
  if (worst)
    notes.push(
      `GOAL peak RSS < 200 MB: ${worst.peakRssMb < 200 ? 'met' : 'MISSED'} — highest ${worst.peakRssMb.toFixed(1)} MB (${worst.operation}, ${worst.backend}, ${worst.entries.toLocaleString('en-US')} sessions)`,
    );
  for (const backend of ['sqlite', 'redis']) {
    const full = sizes
      .map((size) =>
        cliRows.find((row) => row.backend === backend && row.entries === size && row.operation.endsWith('/dev/null')),
      )
      .filter(Boolean);
    if (full.length > 1)
      notes.push(
        `peak RSS of list --ndjson on ${backend} as the store grows: ${full.map((row) => `${row.peakRssMb.toFixed(1)} MB at ${row.entries.toLocaleString('en-US')}`).join(', ')}`,
      );
  }
  return notes;
}

export async function run({ entries, repeat, dataDir, redisUrl, keep, log }) {
  const runId = `${new Date().toISOString().replaceAll(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const folder = path.join(dataDir, `cli-${runId}`);
  const seed = runId;
  const createdAt = Date.now() - 60_000;
  const sizes = [...STEPS.filter((size) => size < entries), entries];
  const rows = [];
  const notes = [];
  const cpus = os.cpus();
  let floorNumber = 0;
  const next = () => `F${++floorNumber}`;
  const facts = {
    machine: `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    node: process.version,
    commit: await capture('git', ['-C', REPOSITORY, 'rev-parse', '--short', 'HEAD']),
    cliSourceChanged: Boolean(
      await capture('git', ['-C', REPOSITORY, 'status', '--porcelain', '--', 'packages/cli/src', 'packages/core/src']),
    ),
    sqliteCli: (await capture(SQLITE_CLI, ['--version']))?.split(' ')[0] ?? null,
    redisCli: await capture('redis-cli', ['--version']),
    sizes,
    dataDir: folder,
  };
  const admin = createClient({ url: redisUrl, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  admin.on('error', () => {});
  let redis = null;
  try {
    await admin.connect();
    facts.redis = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1];
    const { hostname, port } = new URL(redisUrl);
    const prefix = `vbenchcli${randomBytes(4).toString('hex')}`;
    redis = {
      url: redisUrl,
      prefix,
      options: { type: 'redis', url: redisUrl, prefix },
      cli: `redis-cli -h ${shellWord(hostname || '127.0.0.1')} -p ${shellWord(port || '6379')}`,
      cliBin: `${BIN_COMMAND} --url ${shellWord(redisUrl)} --prefix ${shellWord(prefix)}`,
    };
    facts.redisPrefix = prefix;
  } catch (error) {
    notes.push(`redis skipped: cannot reach ${redisUrl} (${error.code ?? error.message})`);
  }
  const liveFolder = path.join(folder, 'live');
  const sqlite = {
    file: path.join(liveFolder, 'vessel.sqlite'),
    options: { type: 'sqlite', cacheDir: liveFolder },
    cli: `${BIN_COMMAND} --cache-dir ${shellWord(liveFolder)}`,
  };
  await mkdir(folder, { recursive: true });
  try {
    // The loader's bytes must be SessionManager's, on both backends.
    for (const [options, target] of [
      [sqlite.options, { type: 'sqlite', file: sqlite.file }],
      ...(redis ? [[redis.options, { type: 'redis', url: redis.url }]] : []),
    ]) {
      const storage = createStorage(options);
      try {
        const bytes = await checkSessionLayout(storage, target, { seed });
        log(`${options.type}: bulk loader writes SessionManager's bytes (${bytes}-byte records)`);
      } finally {
        await storage.close();
      }
    }
    rows.push({ section: 'start-up' });
    rows.push(
      await measureCommand(log, {
        label: 'session-inspect --help (node + modules, no store)',
        backend: '-',
        entries: 0,
        tool: `${BIN_COMMAND} --help`,
        rest: '> /dev/null',
        repeat,
        admin: redis ? admin : null,
      }),
    );
    const context = { sqlite, redis, seed, createdAt, repeat, rows, next, admin: redis ? admin : null };
    await listPhase(log, { ...context, sizes });
    const countFloors = {
      sqlite: rows.find((row) => row.id && row.backend === 'sqlite' && row.entries === entries)?.id,
      redis: rows.find((row) => row.id && row.backend === 'redis' && row.entries === entries)?.id,
    };
    await purgePhase(log, { ...context, entries, countFloors });
    if (!keep) await rm(liveFolder, { recursive: true, force: true });
    await sweepPhase(log, { ...context, folder, entries, countFloors });
  } finally {
    if (keep) {
      notes.push(`kept ${folder}${redis ? ` and redis keys ${redis.prefix}* (they expire within 2 h)` : ''}`);
    } else {
      if (redis) {
        const deleted = await deleteRedisPrefix(redisUrl, redis.prefix).catch((error) => `failed: ${error.message}`);
        log(`redis: unlinked ${deleted} keys under ${redis.prefix}*`);
      }
      await rm(folder, { recursive: true, force: true });
    }
    if (admin.isOpen) await admin.close();
  }
  notes.push(...goals(rows, sizes));
  for (const row of rows) if (row.warning) notes.push(`WARNING ${row.warning}`);
  return { rows, facts, notes };
}

// `node bench/cli/index.mjs …` is `node bench/run.mjs --only cli …`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runner = fileURLToPath(new URL('../run.mjs', import.meta.url));
  const child = spawn(process.execPath, [runner, '--only', 'cli', ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('close', (code) => process.exit(code ?? 1));
}
