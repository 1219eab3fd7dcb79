/**
 * How the CLI suite measures: every command, `session-inspect` or a floor, runs as a shell
 * pipeline (`timePipeline`: wall time with process start, the tool's peak RSS and CPU from GNU
 * `time`), `repeat` times. Each sample also records how busy the rest of the machine was: the
 * machine's busy CPU time (`/proc/stat`) minus the measured tool's and redis-server's, over the
 * wall time — other people's work on this shared machine shows up there, not in the times.
 */
import { readFile } from 'node:fs/promises';
import { repeated, timePipeline } from '../common/measure.mjs';

/** `USER_HZ`: the unit of `/proc/stat`. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Samples shorter than this (s) get no `otherCores`: the tick counts would be mostly rounding. */
const MIN_JUDGED_SECONDS = 0.5;

/** Busy CPU seconds of the whole machine so far, or null off Linux. */
async function machineBusySeconds() {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds redis-server used so far (`INFO cpu`), or 0 without a client. */
async function redisCpuSeconds(admin) {
  if (!admin) return 0;
  const info = await admin.info('cpu');
  const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * Runs one pipeline sample and adds `otherCores`: cores kept busy by anything but the measured
 * tool and redis-server during the sample (the pipeline's `wc`, `bash` and the rest of the machine).
 */
async function sample(tool, rest, admin) {
  const busyBefore = await machineBusySeconds();
  const redisBefore = await redisCpuSeconds(admin);
  const result = await timePipeline(tool, rest);
  const busyAfter = await machineBusySeconds();
  const redisUsed = (await redisCpuSeconds(admin)) - redisBefore;
  const otherCores =
    busyBefore === null || result.cpuSeconds === null || result.seconds < MIN_JUDGED_SECONDS
      ? null
      : Math.max(0, (busyAfter - busyBefore - result.cpuSeconds - redisUsed) / result.seconds);
  return { ...result, otherCores };
}

/**
 * Measures `tool` + `rest` `repeat` times (`prepare` untimed before each) and returns a table row.
 * `check(stdout)` turns the output into the count it must equal `expected` (a mismatch is a
 * warning, as in the storage suite). `entries` is the store size the row is about; `rate` marks
 * rows that go through every session (their sessions/s is meaningful).
 */
export async function measureCommand(
  log,
  { id, label, backend, entries, tool, rest = '', check, expected, repeat, prepare, compareTo, rate = false, admin },
) {
  log(`${id ? `${id} ` : ''}${label} on ${backend}, ${entries.toLocaleString('en-US')} sessions (${repeat}x)…`);
  const result = await repeated(
    repeat,
    async () => {
      const measured = await sample(tool, rest, admin);
      return { ...measured, entries: check ? check(measured.stdout) : undefined };
    },
    prepare,
  );
  const { seconds, samples, allEntries, peakRssMb, stdout } = result;
  const row = {
    ...(id ? { id, operation: `floor: ${label}` } : { operation: label }),
    backend,
    entries,
    seconds,
    samples,
    peakRssMb,
    cpuSeconds: result.cpuSeconds,
    otherCores: result.otherCores,
    rate,
    compareTo,
    command: `${tool} ${rest}`.trim(),
    lastOutput: stdout.slice(-300),
  };
  if (check) {
    const wrong = allEntries.filter((count) => count !== expected);
    if (wrong.length > 0)
      row.warning = `${id ?? label} on ${backend}: got ${wrong.join(', ')}, expected ${expected}; output: ${stdout.slice(-200)}`;
  }
  return row;
}

/** The CLI suite's table columns (for `formatColumns`). */
export const CLI_COLUMNS = [
  { title: 'operation', value: (row) => (row.id ? `${row.id} ${row.operation}` : row.operation) },
  { title: 'backend', value: (row) => row.backend },
  { title: 'sessions', value: (row) => row.entries.toLocaleString('en-US'), right: true },
  { title: 'time s', value: (row) => row.seconds.toFixed(2), right: true },
  {
    title: 'min..max s',
    value: (row) =>
      row.samples?.length > 1 ? `${Math.min(...row.samples).toFixed(2)}..${Math.max(...row.samples).toFixed(2)}` : '-',
    right: true,
  },
  {
    title: 'sessions/s',
    value: (row) => (row.rate ? Math.round(row.entries / row.seconds).toLocaleString('en-US') : '-'),
    right: true,
  },
  { title: 'peak RSS MB', value: (row) => (row.peakRssMb == null ? '-' : row.peakRssMb.toFixed(1)), right: true },
  { title: 'other load', value: (row) => (row.otherCores == null ? '-' : row.otherCores.toFixed(2)), right: true },
  {
    title: 'vs floor',
    value: (row) => (row.ratios ?? []).map(({ id, ratio }) => `${ratio.toFixed(2)}x ${id}`).join(', '),
  },
];
