/**
 * The outer floor of the Redis rows: `redis-benchmark` (C, hiredis, nothing decoded) running the
 * same `GET` / `SET … PX` on 1 KiB values, at the same concurrency, as the Node stacks.
 *
 * `-t get,set -d 1024` would write `key:__rand_int__` into the shared database, outside the run's
 * prefix, so the commands are given explicitly — same command, same payload size — on keys
 * `<prefix>:<12 digits>`, which `-r` fills in; the GETs read keys the suite wrote beforehand,
 * so every one is a hit.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { median } from '../common/load.mjs';
import { capture } from '../common/measure.mjs';
import { stackPrefix, TTL_SECONDS, unlinkMatching } from './stacks.mjs';

/** A run longer than this is stuck (a sample is meant to take well under a second), ms. */
const RUN_TIMEOUT_MS = 60_000;

/** The key pattern `redis-benchmark -r` fills in, and the keys it produces (`%012d`). */
export function benchmarkKey(prefix, index) {
  return `${prefix}:${String(index).padStart(12, '0')}`;
}

function connectionArgs(redisUrl) {
  const url = new URL(redisUrl);
  const args = ['-h', url.hostname, '-p', url.port || '6379'];
  if (url.password) args.push('-a', decodeURIComponent(url.password), '--no-auth-warning');
  if (url.username) args.push('--user', decodeURIComponent(url.username));
  const db = url.pathname.slice(1);
  if (db) args.push('--dbnum', db);
  return args;
}

/**
 * Parses `--csv` output: a header line, then one line per test. The test's name is the command
 * with its arguments, quotes unescaped (a JSON value breaks the quoting), so the numbers are read
 * from the end of the line, where they never contain a comma.
 */
function parseCsv(text) {
  const [header, ...lines] = text.trim().split('\n');
  const names = header.split(',').map((name) => name.replaceAll('"', ''));
  return lines.map((line) => {
    const numbers = line.split(',').slice(1 - names.length);
    return Object.fromEntries(numbers.map((value, index) => [names[index + 1], value.replaceAll('"', '')]));
  });
}

/** Is `redis-benchmark` on the PATH? Its version line, or null. */
export function redisBenchmarkVersion() {
  return capture('redis-benchmark', ['--version']);
}

/**
 * One `redis-benchmark` run of `requests` `op`s (`get` or `set`) with `clients` connections, each
 * with `pipeline` requests in flight (`-P`), over `keys` keys. Resolves with ops/s as
 * redis-benchmark reports it, its wall time and mean latency.
 */
export async function redisBenchmark({ redisUrl, prefix, op, clients, pipeline = 1, requests, keys, value, ttlMs }) {
  if (!Number.isSafeInteger(requests) || requests < 1) throw new Error(`redis-benchmark -n ${requests}: not a count`);
  const key = `${prefix}:__rand_int__`;
  const command = op === 'get' ? ['GET', key] : ['SET', key, JSON.stringify(value), 'PX', String(ttlMs)];
  const args = [
    ...connectionArgs(redisUrl),
    '-c',
    String(clients),
    '-P',
    String(pipeline),
    '-n',
    String(requests),
    '-r',
    String(keys),
    '--csv',
    ...command,
  ];
  const started = process.hrtime.bigint();
  const { stdout } = await promisify(execFile)('redis-benchmark', args, { timeout: RUN_TIMEOUT_MS });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const row = parseCsv(stdout)[0];
  if (!(Number(row?.rps) > 0))
    throw new Error(`redis-benchmark ${op} -c ${clients} -P ${pipeline} printed no result: ${stdout}`);
  return {
    operations: requests,
    opsPerSecond: Number(row.rps),
    seconds,
    meanLatencyMs: Number(row.avg_latency_ms),
  };
}

/**
 * `redis-benchmark` rows: GET / SET at each concurrency as that many connections (`-c`), and at
 * concurrency > 1 also as one connection with that many pipelined (`-c 1 -P`), which is what
 * node-redis does with concurrent commands. Over keys of its own, written first.
 */
export async function measureRedisBenchmark(context) {
  const { options, data, runPrefix, admin, log } = context;
  const prefix = stackPrefix(runPrefix, 'redis', 'redis-benchmark');
  const fill = admin.multi();
  for (let index = 0; index < data.keys.length; index++)
    fill.set(benchmarkKey(prefix, index), JSON.stringify(data.values[index]), { PX: TTL_SECONDS * 1000 });
  await fill.execAsPipeline();
  const variants = options.concurrency.flatMap((concurrency) => [
    { concurrency, clients: concurrency, pipeline: 1, stack: 'redis-benchmark' },
    ...(concurrency > 1
      ? [{ concurrency, clients: 1, pipeline: concurrency, stack: `redis-benchmark -P ${concurrency}` }]
      : []),
  ]);
  const rows = [];
  for (const op of options.ops) {
    for (const { concurrency, clients, pipeline, stack } of variants) {
      const common = {
        redisUrl: options.redisUrl,
        prefix,
        op,
        clients,
        pipeline,
        keys: data.keys.length,
        value: data.values[0],
        ttlMs: TTL_SECONDS * 1000,
      };
      // The warm-up run also sizes the timed runs to about `seconds` each.
      const warm = await redisBenchmark({ ...common, requests: 2000 });
      const requests = Math.max(2000, Math.round(warm.opsPerSecond * options.seconds));
      const samples = [];
      for (let round = 0; round < options.rounds; round++) samples.push(await redisBenchmark({ ...common, requests }));
      rows.push({
        backend: 'redis',
        op,
        concurrency,
        stack,
        kind: 'floor',
        label: `redis-benchmark -c ${clients} -P ${pipeline} ${op.toUpperCase()} (C client; replies not decoded)`,
        opsPerSecond: median(samples.map((sample) => sample.opsPerSecond)),
        roundsOpsPerSecond: samples.map((sample) => sample.opsPerSecond),
        cpuMicrosPerOp: null,
        samples,
      });
      log(`redis ${op} c${concurrency} ${stack}: ${Math.round(rows.at(-1).opsPerSecond)} ops/s`);
    }
  }
  await unlinkMatching(admin, `${prefix}:*`);
  return rows;
}
