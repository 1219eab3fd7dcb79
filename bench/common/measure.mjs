/**
 * How benchmarks measure: every Vessel operation runs in a child process of its own, so its
 * peak RSS (`process.resourceUsage().maxRSS`) counts only that operation, never the fill; the
 * floors run as shell pipelines with the backend's own tool wrapped in `/usr/bin/time` for its
 * peak RSS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** Quotes `text` as one word for `bash -c`. */
export function shellWord(text) {
  return `'${String(text).replaceAll("'", `'\\''`)}'`;
}

/** Runs a command to completion; resolves with its stdout, rejects with its stderr on failure. */
function run(command, args, { stdin = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(new Error(`${command} ${args.join(' ').slice(0, 200)} exited with ${signal ?? code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Runs `node <script> <input as JSON>` and returns the JSON object the child prints as its last
 * line of stdout (the child measures its own wall time and peak RSS).
 */
export async function runNodeChild(script, input) {
  const stdout = await run(process.execPath, [script, JSON.stringify(input)]);
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(lastLine);
  } catch {
    throw new Error(`${path.basename(script)} printed no result line; stdout was: ${stdout.slice(-500)}`);
  }
}

/**
 * Times a shell pipeline wall-clock. `tool` is the command whose peak RSS is reported (the
 * backend's CLI); `rest` is what its output is piped through (e.g. `| wc -l`).
 * Resolves with `{ seconds, peakRssMb, cpuSeconds, stdout }`: `peakRssMb` and `cpuSeconds` (the
 * tool's user + system CPU time) are null without GNU time.
 */
export async function timePipeline(tool, rest = '') {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'vessel-bench-time-'));
  const rssFile = path.join(folder, 'rss');
  const wrapped = existsSync(GNU_TIME) ? `${GNU_TIME} -f '%M %U %S' -o ${shellWord(rssFile)} ${tool}` : tool;
  try {
    const start = process.hrtime.bigint();
    const stdout = await run('bash', ['-o', 'pipefail', '-c', `${wrapped} ${rest}`]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const [rssKib, user, system] = existsSync(rssFile)
      ? (await readFile(rssFile, 'utf8')).trim().split('\n').at(-1).split(' ').map(Number)
      : [];
    return {
      seconds,
      peakRssMb: Number.isFinite(rssKib) ? rssKib / 1024 : null,
      cpuSeconds: Number.isFinite(user + system) ? user + system : null,
      stdout: stdout.trim(),
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Runs a command and returns its trimmed stdout (for versions and facts about the machine). */
export async function capture(command, args) {
  try {
    return (await run(command, args)).trim();
  } catch {
    return null;
  }
}

/**
 * Measures `repeat` times — `prepare` (untimed) then `once`, which resolves with at least
 * `{ seconds, peakRssMb }` — and sums the samples up: the median time, the highest peak RSS,
 * every time in `samples`, other fields from the median sample.
 */
export async function repeated(repeat, once, prepare) {
  const samples = [];
  for (let index = 0; index < repeat; index++) {
    if (prepare) await prepare();
    samples.push(await once());
  }
  const times = samples.map((sample) => sample.seconds).sort((a, b) => a - b);
  const middle = Math.floor((times.length - 1) / 2);
  const seconds = times.length % 2 === 1 ? times[middle] : (times[middle] + times[middle + 1]) / 2;
  const medianSample = samples.find((sample) => sample.seconds === times[middle]);
  const rss = samples.map((sample) => sample.peakRssMb).filter((value) => value != null);
  return {
    ...medianSample,
    seconds,
    peakRssMb: rss.length > 0 ? Math.max(...rss) : null,
    samples: samples.map((sample) => sample.seconds),
    allEntries: samples.map((sample) => sample.entries),
  };
}
