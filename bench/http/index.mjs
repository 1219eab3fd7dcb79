/**
 * HTTP suite: requests per second through real Express 5, Fastify 5, Hono 4 (on
 * `@hono/node-server`) and Koa 3 apps, driven by autocannon, side by side in one run: per
 * framework, no session middleware (the floor), its incumbent session library (express-session,
 * @fastify/session, hono-sessions, koa-session) on the backends it offers, and the framework's
 * Vessel adapter (the built package) on memory, SQLite and Redis. It measures and reports; it
 * never fails on a slow number (it does fail on a non-2xx response or a session that did not
 * persist).
 *
 *   node bench/http/index.mjs [--seconds S] [--rounds R] [--workloads read,write,untouched] …  (--help)
 *
 * Every stack is a server child process of its own (`server.mjs`), seeded over HTTP with a
 * pool of read sessions and one counter session per connection; autocannon runs in this process
 * (`load.mjs`). Per round, every (workload, stack) cell is one timed run, the order of the
 * stacks alternating between rounds; the table shows the median round (`table.mjs`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { median, quietMoment } from '../common/load.mjs';
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
import { redisProbe, redisUnreachable, unlinkPrefix } from '../sessions/backends.mjs';
import { DISTURBED_CORES } from '../sessions/measure.mjs';
import { peek, runLoad, seed, startServer } from './load.mjs';
import { FRAMEWORKS, floorOf, isIncumbent, STACKS, slugOf, stackNamed, WORKLOADS, yardstickOf } from './stacks.mjs';
import { formatHttpTable, goalLines } from './table.mjs';

export const description =
  "Express, Fastify, Hono and Koa requests per second (autocannon): the Vessel adapters vs each framework's incumbent session library and no session middleware";

export const DEFAULTS = {
  seconds: 4,
  warmup: 1,
  rounds: 3,
  connections: 32,
  pool: 1_000,
  attempts: 2,
  retrySeconds: 40,
};

/** Longest wait for a quiet second before measuring a disturbed cell again, s. */
const QUIET_WAIT_SECONDS = 10;
/** Pause after a warm-up run, so the requests it left in flight finish before the timed run, ms. */
const SETTLE_MS = 300;

/** The machine, versions, and which build of the packages is measured (uncommitted changes identified). */
async function runFacts(options) {
  const cpus = os.cpus();
  const packages = [
    'express',
    'express-session',
    'fastify',
    '@fastify/session',
    '@fastify/cookie',
    'hono',
    '@hono/node-server',
    'hono-sessions',
    'koa',
    'koa-session',
    'connect-redis',
    'redis',
    'autocannon',
  ];
  const sources = Object.keys(FRAMEWORKS).map((framework) => `packages/${framework}/src`);
  const diff = await capture('git', ['-C', REPOSITORY, 'diff', 'HEAD', '--', ...sources, 'packages/core/src']);
  return {
    machine: `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    node: process.version,
    repositoryCommit: await capture('git', ['-C', REPOSITORY, 'rev-parse', '--short', 'HEAD']),
    // The build measured may include uncommitted changes to the packages' sources: this names them.
    packagesSourceDiffSha1: diff ? createHash('sha1').update(diff).digest('hex').slice(0, 12) : null,
    dirtySources: (await capture('git', ['-C', REPOSITORY, 'status', '--short', '--', ...sources, 'packages/core/src']))
      ?.split('\n')
      .filter(Boolean),
    expressBuiltAt: await newestMtime(path.join(REPOSITORY, 'packages', 'express', 'dist')),
    fastifyBuiltAt: await newestMtime(path.join(REPOSITORY, 'packages', 'fastify', 'dist')),
    honoBuiltAt: await newestMtime(path.join(REPOSITORY, 'packages', 'hono', 'dist')),
    koaBuiltAt: await newestMtime(path.join(REPOSITORY, 'packages', 'koa', 'dist')),
    coreBuiltAt: await newestMtime(path.join(REPOSITORY, 'packages', 'core', 'dist')),
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
    versions: Object.fromEntries(await Promise.all(packages.map(async (name) => [name, await versionOf(name)]))),
    options: { ...options, log: undefined, dataDir: undefined },
  };
}

/**
 * Measures until a sample was not disturbed by other processes, at most `attempts` times and
 * while `budget.seconds` (shared by the whole run, so a busy machine cannot stretch it much)
 * lasts; every attempt is returned (the write check counts all their requests), the last stands.
 */
async function undisturbed(measure, attempts, budget, onRetry) {
  const all = [];
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const sample = await measure();
    if (attempt > 1) budget.seconds -= (Date.now() - started) / 1000;
    sample.attempts = attempt;
    all.push(sample);
    if (!(sample.otherCores > DISTURBED_CORES) || attempt >= attempts || budget.seconds <= 0) return all;
    onRetry(sample.otherCores, attempt + 1);
    const waited = Date.now();
    await quietMoment({ maxCores: DISTURBED_CORES, maxWaitSeconds: Math.min(QUIET_WAIT_SECONDS, budget.seconds) });
    budget.seconds -= (Date.now() - waited) / 1000;
  }
}

function addInto(total, part) {
  for (const [name, value] of Object.entries(part ?? {})) total[name] = (total[name] ?? 0) + value;
  return total;
}

/** One cell's samples → one row: median requests/s; latency and per-request costs from the median round. */
function summarize(workload, stack, samples) {
  const opsPerSecond = median(samples.map((sample) => sample.opsPerSecond));
  const middle = [...samples].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor((samples.length - 1) / 2)];
  const requests = samples.reduce((sum, sample) => sum + sample.requests, 0);
  const redis = samples.some((sample) => sample.redisCommands)
    ? samples.reduce((total, sample) => addInto(total, sample.redisCommands), {})
    : null;
  return {
    workload,
    stack: stack.name,
    framework: stack.framework,
    kind: stack.kind,
    backend: stack.backend,
    label: stack.label,
    opsPerSecond,
    roundsOpsPerSecond: samples.map((sample) => sample.opsPerSecond),
    p50Ms: middle.p50Ms,
    p99Ms: middle.p99Ms,
    serverCpuMicrosPerRequest: middle.serverCpuMicrosPerRequest,
    serverLoopBusy: middle.serverLoopBusy,
    clientCores: middle.clientCores,
    redisCores: middle.redisCores,
    redisPerRequest: redis
      ? Object.fromEntries(Object.entries(redis).map(([name, calls]) => [name.toUpperCase(), calls / requests]))
      : null,
    otherCoresMax: Math.max(...samples.map((sample) => sample.otherCores ?? 0)),
    measuredRequests: requests,
    samples: samples.map(({ counters: _counters, redisCommands: _commands, ...sample }) => sample),
  };
}

/**
 * `row`'s requests/s over `peer`'s: of the medians (`ratio`), and round by round (`rounds`): two
 * cells of one round ran less than a minute apart, so a drift of the machine's speed between
 * rounds moves both.
 */
function ratioOver(row, peer) {
  const rounds = row.roundsOpsPerSecond.map((rate, index) => rate / peer.roundsOpsPerSecond[index]);
  return { ratio: row.opsPerSecond / peer.opsPerSecond, rounds };
}

/**
 * Vessel rows (and the incumbents' `yardstick: false` rows) get their throughput over their
 * framework's plain incumbent's (same backend, same workload; `to: 'incumbent'`, `peer` its
 * stack) and over their framework's floor's (same workload), as `comparisons` (not `ratios`,
 * which `bench/run.mjs` fills with its own time ratios).
 */
function withRatios(rows) {
  const rowOf = (stack, workload) =>
    stack && rows.find((other) => other.workload === workload && other.stack === stack.name);
  return rows.map((row) => {
    const stack = stackNamed(row.stack);
    if (row.kind !== 'vessel' && stack.yardstick !== false) return row;
    const comparisons = [];
    const peer = rowOf(yardstickOf(stack), row.workload);
    if (peer) comparisons.push({ to: 'incumbent', peer: peer.stack, ...ratioOver(row, peer) });
    const floor = rowOf(floorOf(stack), row.workload);
    if (floor) comparisons.push({ to: 'floor', peer: floor.stack, ...ratioOver(row, floor) });
    return { ...row, comparisons };
  });
}

/**
 * Runs the suite. `options` as `DEFAULTS` plus `workloads`, `stacks` (lists of names),
 * `redisUrl`, `dataDir`, `profile` (a folder: servers run under `--cpu-prof`) and `log`.
 * Resolves with `{ rows, facts, notes }`.
 */
export async function runHttpBench(options) {
  const log = options.log ?? (() => {});
  const notes = [];
  const facts = await runFacts(options);
  const runId = `${new Date().toISOString().replaceAll(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const folder = path.join(options.dataDir, `http-${runId}`);
  const prefix = `vbench${randomBytes(4).toString('hex')}`;

  let wanted = new Set(options.stacks);
  const redisDown = await redisUnreachable(options.redisUrl);
  if (redisDown) {
    notes.push(`redis stacks skipped: cannot reach ${options.redisUrl} (${redisDown})`);
    wanted = new Set([...wanted].filter((name) => stackNamed(name).backend !== 'redis'));
  }
  const cells = options.workloads.map((workload) => ({
    workload,
    stacks: WORKLOADS[workload].stacks.filter((name) => wanted.has(name)).map(stackNamed),
  }));
  const used = STACKS.filter((stack) => cells.some((cell) => cell.stacks.includes(stack)));

  const admin = redisDown ? null : createClient({ url: options.redisUrl, socket: { reconnectStrategy: false } });
  admin?.on('error', () => {});
  await admin?.connect();
  if (admin) facts.redis = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown';
  const probe = admin ? redisProbe(admin) : undefined;

  const servers = new Map();
  const cookies = new Map();
  const samples = new Map();
  /** 2xx write responses and runs per stack, warm-ups and repeated attempts included. */
  const writesSent = new Map();
  /** Seconds the run may spend waiting for quiet and measuring disturbed cells again. */
  const retryBudget = { seconds: options.retrySeconds };
  await mkdir(folder, { recursive: true });
  if (options.profile) await mkdir(options.profile, { recursive: true });
  try {
    for (const stack of used) {
      const config = {
        ...stack,
        redisUrl: options.redisUrl,
        // connect-redis appends the session id to its prefix as it is: the separator goes here.
        prefix: `${prefix}-${slugOf(stack)}${isIncumbent(stack) ? ':' : ''}`,
        cacheDir: path.join(folder, slugOf(stack)),
      };
      const execArgv = options.profile
        ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`, `--cpu-prof-name=${slugOf(stack)}.cpuprofile`]
        : [];
      const started = Date.now();
      const server = await startServer(config, { execArgv });
      servers.set(stack, server);
      if (stack.kind !== 'floor') {
        const seeded = await seed(server, { pool: options.pool, counters: options.connections });
        if (new Set(seeded.read).size !== options.pool)
          throw new Error(`${stack.name}: seeding gave duplicate cookies`);
        cookies.set(stack, seeded);
      }
      log(
        `${stack.name}: server up and ${stack.kind === 'floor' ? 'no sessions' : `${options.pool} + ${options.connections} sessions`} stored in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    // A floor has no sessions: it gets the cookies of its framework's Vessel memory stack (or of
    // any stack), so its requests carry the same bytes as the lazy rows'.
    const anySeeded = [...cookies.values()][0];
    for (const stack of used) {
      if (cookies.has(stack)) continue;
      const vesselMemory = [...cookies.keys()].find(
        (other) => other.framework === stack.framework && other.kind === 'vessel' && other.backend === 'memory',
      );
      cookies.set(stack, cookies.get(vesselMemory) ?? anySeeded ?? { read: [''], write: [''] });
    }

    for (let round = 0; round < options.rounds; round++) {
      for (const { workload, stacks } of cells) {
        const { route, cookies: mode } = WORKLOADS[workload];
        for (const stack of round % 2 === 0 ? stacks : [...stacks].reverse()) {
          const server = servers.get(stack);
          const own = cookies.get(stack);
          // Cookie-only sessions' data is the cookie: a write's connection sends its latest one.
          const follow = mode === 'counter' && stack.backend === 'cookie';
          const load = async (seconds) => {
            const sample = await runLoad({
              server,
              route,
              cookies: mode === 'counter' ? own.write : own.read,
              mode,
              connections: options.connections,
              seconds,
              probe: stack.backend === 'redis' ? probe : undefined,
              follow,
            });
            if (follow) own.write = sample.heldCookies;
            return sample;
          };
          const attempts = [];
          if (round === 0 && options.warmup > 0) {
            attempts.push({ ...(await load(options.warmup)), warmup: true });
            // autocannon stops with requests in flight; their saves finish before the timed run
            // starts, or they would race the same sessions' next requests (lost updates).
            await sleep(SETTLE_MS);
          }
          attempts.push(
            ...(await undisturbed(
              () => load(options.seconds),
              options.attempts,
              retryBudget,
              (other, attempt) =>
                log(
                  `${workload} ${stack.name}: ${other.toFixed(2)} cores busy elsewhere, measuring again (${attempt})`,
                ),
            )),
          );
          if (workload === 'write') {
            const sent = writesSent.get(stack) ?? { sent: 0, runs: 0 };
            sent.sent += attempts.reduce((sum, run) => sum + run.requests, 0);
            sent.runs += attempts.length;
            writesSent.set(stack, sent);
          }
          const missing = attempts.reduce((sum, run) => sum + (run.counters.readMissing ?? 0), 0);
          if (missing > 0) throw new Error(`${workload} ${stack.name}: ${missing} reads found no session user`);
          const sample = attempts.at(-1);
          sample.round = round + 1;
          const key = `${workload}\u0000${stack.name}`;
          if (!samples.has(key)) samples.set(key, { workload, stack, list: [] });
          samples.get(key).list.push(sample);
          log(
            `${workload} ${stack.name} round ${round + 1}/${options.rounds}: ${Math.round(sample.opsPerSecond)} req/s, server ${Math.round(sample.serverCores * 100)}% CPU, client ${Math.round(sample.clientCores * 100)}%, other ${sample.otherCores === null ? '?' : sample.otherCores.toFixed(2)} cores`,
          );
        }
      }
    }

    // Persistence: the write sessions' counters, read back through the store, add up to the write
    // requests the server handled; autocannon counts the 2xx answers it received before each run
    // stopped, so up to one request per connection and run may be handled but not counted.
    // Cookie-only sessions are read back from the cookies the connections hold, which carry the
    // answers autocannon received: their counters add up to those.
    facts.writeCheck = {};
    for (const [stack, { sent, runs }] of writesSent) {
      const server = servers.get(stack);
      const handled = (await server.stats()).counters.write;
      const answers = await peek(server, cookies.get(stack).write);
      const stored = answers.reduce((sum, answer) => sum + (answer.count ?? 0), 0);
      const inFlight = handled - sent;
      const expected = stack.backend === 'cookie' ? sent : handled;
      const ok = stored === expected && inFlight >= 0 && inFlight <= runs * options.connections;
      facts.writeCheck[stack.name] = { sent, handled, stored, sessions: answers.length, runs };
      const line =
        stack.backend === 'cookie'
          ? `write check ${stack.name}: ${answers.length} counters in the cookies held sum to ${stored.toLocaleString('en-US')} = ${sent.toLocaleString('en-US')} 2xx counted by autocannon (${handled.toLocaleString('en-US')} writes handled, ${inFlight} answered after runs stopped)`
          : `write check ${stack.name}: ${answers.length} counters read back sum to ${stored.toLocaleString('en-US')} = ${handled.toLocaleString('en-US')} writes handled (${sent.toLocaleString('en-US')} 2xx counted by autocannon + ${inFlight} in flight when runs stopped)`;
      notes.push(ok ? line : `WARNING ${line}: MISMATCH`);
    }
    // The read pool, read back after every workload: still there, unchanged.
    facts.readCheck = {};
    for (const stack of used) {
      if (stack.kind === 'floor') continue;
      const sampleCookies = cookies.get(stack).read.filter((_, index) => index % 97 === 0);
      const answers = await peek(servers.get(stack), sampleCookies);
      const intact = answers.filter((answer, index) => answer.id === 100_000 + index * 97).length;
      facts.readCheck[stack.name] = { checked: answers.length, intact };
      if (intact !== answers.length)
        notes.push(
          `WARNING read check ${stack.name}: ${answers.length - intact} of ${answers.length} pool sessions lost`,
        );
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.close()));
    if (admin) {
      const unlinked = await unlinkPrefix(admin, prefix);
      log(`unlinked ${unlinked} Redis keys under ${prefix}*`);
      await admin.close();
    }
    await rm(folder, { recursive: true, force: true });
  }

  const rows = withRatios([...samples.values()].map(({ workload, stack, list }) => summarize(workload, stack, list)));
  for (const row of rows) {
    if (row.otherCoresMax > DISTURBED_CORES)
      notes.push(
        `WARNING ${row.workload} ${row.stack}: other processes used up to ${row.otherCoresMax.toFixed(2)} cores during a kept sample; rerun on a quiet machine`,
      );
  }
  const { lines, goals } = goalLines(rows, WORKLOADS);
  facts.goals = goals;
  notes.unshift(...lines);
  if (options.profile) notes.push(`CPU profiles of the servers: ${options.profile}`);
  return { rows, facts, notes };
}

/** Requests a row's `time s` stands for in `bench/run.mjs`' common table: time = this many requests / (req/s). */
const NOMINAL_REQUESTS = 10_000;

/**
 * The entry point `bench/run.mjs` expects (`--repeat` is the rounds; the suite is time-bounded,
 * so `--entries` does not apply). Rows come in `table.mjs`' shape: `time s` is the time of
 * 10,000 requests at the row's rate, incumbent rows are yardsticks `Y1`, `Y2`, … and the floors
 * `F1`, `F2`, …, so "vs floor" is Vessel's time over its framework's floor's and incumbent's
 * (>1: slower). The suite's own table (`formatTable`) shows the full rows.
 */
export async function run({ repeat, dataDir, redisUrl, log }) {
  const result = await runHttpBench({
    ...DEFAULTS,
    rounds: repeat,
    dataDir,
    redisUrl,
    log,
    workloads: Object.keys(WORKLOADS),
    stacks: STACKS.map((stack) => stack.name),
  });
  let yardsticks = 0;
  let floors = 0;
  const ids = new Map(
    result.rows
      .filter((row) => row.kind !== 'vessel')
      .map((row) => [row, row.kind === 'floor' ? `F${++floors}` : `Y${++yardsticks}`]),
  );
  const rows = result.rows.map((row) => ({
    ...row,
    id: ids.get(row),
    operation: `${row.workload} ${row.stack}`,
    entries: NOMINAL_REQUESTS,
    seconds: NOMINAL_REQUESTS / row.opsPerSecond,
    samples: row.roundsOpsPerSecond.map((rate) => NOMINAL_REQUESTS / rate),
    peakRssMb: null,
    compareTo:
      row.kind === 'vessel'
        ? (row.comparisons ?? [])
            .map(({ peer }) =>
              ids.get(result.rows.find((other) => other.workload === row.workload && other.stack === peer)),
            )
            .filter(Boolean)
        : undefined,
  }));
  return { rows, facts: result.facts, notes: result.notes };
}

/** The suite's own table, for runners that let a suite format its rows. */
export function formatTable(rows) {
  return formatHttpTable(rows.filter((row) => !row.section));
}

const USAGE = `usage: node bench/http/index.mjs [options]
  --seconds S       timed seconds per cell and round (default ${DEFAULTS.seconds})
  --warmup S        untimed seconds before each cell's first round (default ${DEFAULTS.warmup}; 0 for none)
  --rounds R        rounds; req/s is the median, latency from the median round (default ${DEFAULTS.rounds})
  --connections C   autocannon connections (default ${DEFAULTS.connections}); also the number of write sessions
  --pool P          read sessions stored per stack (default ${DEFAULTS.pool})
  --attempts A      timed runs of a cell disturbed by other processes before it is kept and flagged (default ${DEFAULTS.attempts})
  --retry-seconds T at most T seconds per run spent waiting for quiet and measuring again (default ${DEFAULTS.retrySeconds})
  --workloads LIST  ${Object.keys(WORKLOADS).join(',')} (default all)
  --stacks LIST     stack names, comma-separated (default all): ${STACKS.map((stack) => stack.name).join(', ')}
  --redis-url URL   default redis://127.0.0.1:6379
  --data-dir DIR    where the temporary SQLite folders go (default .bench-data/)
  --profile DIR     run every server under node --cpu-prof, profiles written to DIR as <stack>.cpuprofile
  --label NAME      added to the results file name (http-<date>[-<NAME>].json)
  --no-save         print only; do not write bench/results/http-<date>.json`;

function parseOptions(argv) {
  const text = { type: 'string' };
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: text,
      warmup: text,
      rounds: text,
      connections: text,
      pool: text,
      attempts: text,
      'retry-seconds': text,
      workloads: text,
      stacks: text,
      'redis-url': text,
      'data-dir': text,
      profile: text,
      label: text,
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  const stackNames = STACKS.map((stack) => stack.name);
  return {
    seconds: parseNumber(values.seconds, DEFAULTS.seconds, '--seconds', { min: 0.5 }),
    warmup: parseNumber(values.warmup, DEFAULTS.warmup, '--warmup'),
    rounds: parseNumber(values.rounds, DEFAULTS.rounds, '--rounds', WHOLE),
    connections: parseNumber(values.connections, DEFAULTS.connections, '--connections', WHOLE),
    pool: parseNumber(values.pool, DEFAULTS.pool, '--pool', WHOLE),
    attempts: parseNumber(values.attempts, DEFAULTS.attempts, '--attempts', WHOLE),
    retrySeconds: parseNumber(values['retry-seconds'], DEFAULTS.retrySeconds, '--retry-seconds', { integer: true }),
    workloads: values.workloads
      ? parseList(values.workloads, Object.keys(WORKLOADS), '--workloads')
      : Object.keys(WORKLOADS),
    stacks: values.stacks ? parseList(values.stacks, stackNames, '--stacks') : stackNames,
    redisUrl: values['redis-url'] ?? 'redis://127.0.0.1:6379',
    dataDir: path.resolve(values['data-dir'] ?? path.join(REPOSITORY, '.bench-data')),
    profile: values.profile ? path.resolve(values.profile) : undefined,
    label: values.label,
    save: !values['no-save'],
  };
}

async function main() {
  const started = startSuite('http', parseOptions, USAGE);
  if (!started) return;
  const { options, startedAt, log } = started;
  const { rows, facts, notes } = await runHttpBench({ ...options, log });
  console.log(
    `\nhttp — ${options.seconds} s per cell after a ${options.warmup} s warm-up, median of ${options.rounds} rounds, ${options.connections} connections, pool ${options.pool}, ${startedAt.toISOString()}`,
  );
  console.log(`${facts.machine}, node ${facts.node}, commit ${facts.repositoryCommit}, redis ${facts.redis ?? '-'}`);
  console.log(formatHttpTable(rows));
  for (const note of notes) console.log(`  ${note}`);
  if (!options.save) return;
  const label = options.label ? `-${options.label.replaceAll(/[^\w.-]/g, '_')}` : '';
  const file = path.join(REPOSITORY, 'bench', 'results', `http-${startedAt.toISOString().slice(0, 10)}${label}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ suite: 'http', startedAt, options: { ...options, dataDir: undefined }, facts, rows, notes }, null, 2)}\n`,
  );
  console.log(`  results: ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
