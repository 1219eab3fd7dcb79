/**
 * The cache suite's results: the throughput table (one row per backend, operation, concurrency and
 * stack, with each row's ops/s as a fraction of the floors' and Vessel's as a multiple of each
 * peer's), the stampede table, and the goals checked against the numbers.
 */
import { formatColumns } from '../common/table.mjs';

/** Vessel memory gets at least this many times cacheable's. */
const MEMORY_GOAL = 5;
/** Vessel Redis gets at concurrency 64 within this fraction of raw `@redis/client`'s. */
const REDIS_GOAL = 0.8;

function formatCount(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

function formatSpread(values) {
  if (!values || values.length < 2) return '-';
  return `${formatCount(Math.min(...values))}..${formatCount(Math.max(...values))}`;
}

function formatRatios(ratios) {
  return (ratios ?? []).map(({ to, ratio }) => `${ratio.toFixed(2)}x ${to}`).join(', ');
}

function sameCell(a, b) {
  return a.backend === b.backend && a.op === b.op && a.concurrency === b.concurrency;
}

/**
 * Adds `vsFloor` (ops/s ÷ each floor's of the same cell; floors compare with the floors listed
 * before them) and, on Vessel rows, `vsPeers` (Vessel's ops/s ÷ each peer's).
 */
export function withCacheRatios(rows) {
  return rows.map((row, index) => {
    const floors = rows.filter(
      (other, otherIndex) =>
        other.kind === 'floor' && other !== row && sameCell(other, row) && (row.kind !== 'floor' || otherIndex < index),
    );
    const ratio = (other) => ({ to: other.stack, ratio: row.opsPerSecond / other.opsPerSecond });
    const peers = row.kind === 'vessel' ? rows.filter((other) => other.kind === 'peer' && sameCell(other, row)) : [];
    return { ...row, vsFloor: floors.map(ratio), vsPeers: peers.map(ratio) };
  });
}

const COLUMNS = [
  { title: 'backend', value: (row) => row.backend },
  { title: 'op', value: (row) => row.op },
  { title: 'in flight', value: (row) => String(row.concurrency), right: true },
  { title: 'stack', value: (row) => `${row.stack}${row.disturbed ? ' *' : ''}` },
  { title: 'ops/s', value: (row) => formatCount(row.opsPerSecond), right: true },
  { title: 'min..max ops/s', value: (row) => formatSpread(row.roundsOpsPerSecond), right: true },
  {
    title: 'Node µs/op',
    value: (row) => (row.cpuMicrosPerOp == null ? '-' : row.cpuMicrosPerOp.toFixed(1)),
    right: true,
  },
  {
    title: 'Redis µs/op',
    value: (row) => (row.serverMicrosPerOp == null ? '-' : row.serverMicrosPerOp.toFixed(1)),
    right: true,
  },
  { title: 'get returns', value: (row) => (row.op === 'get' ? (row.returns ?? '-') : '') },
  { title: 'vs floor', value: (row) => formatRatios(row.vsFloor) },
  { title: 'Vessel vs peer', value: (row) => formatRatios(row.vsPeers) },
];

/** The throughput table; a heading before each (backend, operation). */
export function formatCacheTable(rows) {
  const withHeadings = [];
  let previous = null;
  for (const row of rows) {
    const heading = `${row.backend} ${row.op}`;
    if (heading !== previous) withHeadings.push({ section: heading });
    previous = heading;
    withHeadings.push(row);
  }
  return formatColumns(COLUMNS, withHeadings);
}

function callsPerRound(results) {
  return results.map((result) => result.creatorCalls).join(', ');
}

function served(results) {
  const got = results.reduce((sum, result) => sum + result.gotValue, 0);
  const asked = results.reduce((sum, result) => sum + result.callers, 0);
  const errors = [...new Set(results.flatMap((result) => result.errors))];
  return `${got}/${asked}${errors.length > 0 ? ` (${errors[0].slice(0, 60)})` : ''}`;
}

/**
 * The stampede table: per stack, the creator calls of each round in-process and across processes,
 * and how many callers got the value back.
 */
export function formatStampedeTable({ inProcess, crossProcess, callers, processes, callersEach }) {
  const stacks = [];
  for (const result of [...inProcess, ...crossProcess]) {
    if (!stacks.some((stack) => stack.backend === result.backend && stack.name === result.name))
      stacks.push({ backend: result.backend, name: result.name });
  }
  const of = (results, stack) =>
    results.filter((result) => result.backend === stack.backend && result.name === stack.name);
  const rows = stacks.map((stack) => ({ ...stack, local: of(inProcess, stack), shared: of(crossProcess, stack) }));
  return formatColumns(
    [
      { title: 'backend', value: (row) => row.backend },
      { title: 'stack', value: (row) => row.name },
      {
        title: `creator calls, ${callers} callers in 1 process`,
        value: (row) => (row.local.length > 0 ? callsPerRound(row.local) : '-'),
      },
      { title: 'served', value: (row) => (row.local.length > 0 ? served(row.local) : '-') },
      {
        title: `creator calls, ${processes} processes x ${callersEach}`,
        value: (row) => (row.shared.length > 0 ? callsPerRound(row.shared) : '-'),
      },
      { title: 'served ', value: (row) => (row.shared.length > 0 ? served(row.shared) : '-') },
    ],
    rows,
  );
}

function find(rows, backend, op, concurrency, stack) {
  return rows.find(
    (row) => row.backend === backend && row.op === op && row.concurrency === concurrency && row.stack === stack,
  );
}

/** The goals, each as one line: the ratio measured and whether it is met. */
export function goalLines(rows, stampedeResults) {
  const lines = [];
  const concurrencies = [...new Set(rows.map((row) => row.concurrency))];
  for (const concurrency of concurrencies) {
    const vessel = find(rows, 'memory', 'get', concurrency, 'vessel');
    const cacheable = find(rows, 'memory', 'get', concurrency, 'cacheable');
    if (vessel && cacheable) {
      const ratio = vessel.opsPerSecond / cacheable.opsPerSecond;
      const noClone = find(rows, 'memory', 'get', concurrency, 'cacheable no clone');
      const alsoNoClone = noClone
        ? `; ${(vessel.opsPerSecond / noClone.opsPerSecond).toFixed(2)}x cacheable with useClone: false`
        : '';
      lines.push(
        `memory get, ${concurrency} in flight: Vessel ${ratio.toFixed(2)}x cacheable (goal >= ${MEMORY_GOAL}x): ${ratio >= MEMORY_GOAL ? 'met' : 'NOT met'}${alsoNoClone}`,
      );
    }
  }
  const vessel = find(rows, 'redis', 'get', 64, 'vessel');
  const raw = find(rows, 'redis', 'get', 64, 'raw');
  if (vessel && raw) {
    const ratio = vessel.opsPerSecond / raw.opsPerSecond;
    const pipeline = find(rows, 'redis', 'get', 64, 'raw pipeline');
    const alsoPipeline = pipeline
      ? `; ${(vessel.opsPerSecond / pipeline.opsPerSecond).toFixed(2)}x the explicit pipeline`
      : '';
    lines.push(
      `redis get, 64 in flight: Vessel ${ratio.toFixed(2)}x raw @redis/client GET + JSON.parse (goal >= ${REDIS_GOAL}x): ${ratio >= REDIS_GOAL ? 'met' : 'NOT met'}${alsoPipeline}`,
    );
  }
  for (const result of stampedeResults ?? []) {
    if (result.name !== 'vessel') continue;
    lines.push(
      `stampede ${result.backend} vessel (${result.setting}): creator ran ${result.calls.join(', ')} time(s) (goal 1): ${result.calls.every((calls) => calls === 1) ? 'met' : 'NOT met'}`,
    );
  }
  return lines;
}
