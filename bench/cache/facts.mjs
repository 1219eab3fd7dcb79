/**
 * What a cache-suite run records about itself: which build of `@vessel/core` it measured (with a
 * SHA-1 of its JavaScript, since the build may come from uncommitted work), the machine, the
 * versions of every peer and of Redis, and what decoding one value costs at least.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { capture } from '../common/measure.mjs';
import { REPOSITORY, versionOf } from '../common/suite-options.mjs';
import { VALUE_BYTES } from './load.mjs';
import { redisBenchmarkVersion } from './redis-benchmark.mjs';
import { TTL_SECONDS } from './stacks.mjs';

const PEERS = ['cache-manager', 'cacheable', 'bentocache', 'keyv', '@keyv/redis', '@redis/client', 'ioredis'];

/**
 * The `@vessel/core` to measure — the workspace build, or `corePath` (a `dist/index.js` or the
 * package folder) — and facts saying which build it is. A build without `CacheManager` is
 * returned with `missing` set: the Vessel rows are then left out and the table says why.
 */
export async function loadCore(corePath) {
  const entry = corePath
    ? (await stat(path.resolve(corePath))).isDirectory()
      ? path.join(path.resolve(corePath), 'dist', 'index.js')
      : path.resolve(corePath)
    : fileURLToPath(import.meta.resolve('@vessel/core'));
  let core;
  try {
    core = await import(pathToFileURL(entry).href);
  } catch (error) {
    return { core: null, entry: null, missing: `cannot import ${entry}: ${error.message}`, facts: {} };
  }
  const folder = path.dirname(entry);
  const files = (await readdir(folder, { recursive: true }))
    .filter((file) => file.endsWith('.js'))
    .sort()
    .map((file) => path.join(folder, file));
  const builtAt = new Date(Math.max(...(await Promise.all(files.map(async (file) => (await stat(file)).mtimeMs)))));
  // The measured code itself, identified: the build may come from uncommitted work.
  const hash = createHash('sha1');
  for (const file of files) hash.update(path.relative(folder, file)).update(await readFile(file));
  const facts = {
    core: path.relative(REPOSITORY, entry),
    builtAt: builtAt.toISOString(),
    coreJsSha1: hash.digest('hex').slice(0, 12),
  };
  if (typeof core.CacheManager !== 'function')
    return { core: null, entry: null, missing: `${facts.core} exports no CacheManager`, facts };
  return { core, entry, missing: null, facts };
}

/** One JSON.parse and one JSON.stringify of a value, µs: the decoding every stack pays at least. */
export function jsonCosts(value) {
  const text = JSON.stringify(value);
  const time = (work) => {
    for (let index = 0; index < 20_000; index++) work();
    const started = process.hrtime.bigint();
    for (let index = 0; index < 50_000; index++) work();
    return Number(process.hrtime.bigint() - started) / 1e3 / 50_000;
  };
  return { parseMicros: time(() => JSON.parse(text)), stringifyMicros: time(() => JSON.stringify(value)) };
}

/** Facts about the run: machine, versions, the commit, the Redis server, the settings. */
export async function runFacts(options, admin) {
  const cpus = os.cpus();
  return {
    machine: `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    node: process.version,
    repositoryCommit: await capture('git', ['-C', REPOSITORY, 'rev-parse', '--short', 'HEAD']),
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
    versions: Object.fromEntries(await Promise.all(PEERS.map(async (name) => [name, await versionOf(name)]))),
    redis: admin ? (/redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown') : null,
    redisBenchmark: await redisBenchmarkVersion(),
    keys: options.keys,
    valueBytes: VALUE_BYTES,
    ttlSeconds: TTL_SECONDS,
    secondsPerSample: options.seconds,
    warmupSeconds: options.warmup,
    rounds: options.rounds,
  };
}
