/**
 * The HTTP suite's results table and goal lines: one row per (workload, stack), with the
 * median requests/s over the rounds, the latency of the median round, what the server process
 * spent per request, what Redis saw, and each Vessel row's (and express-session's dictionary
 * rows') throughput divided by plain express-session's on the same backend and by the floor's
 * (>1: faster).
 */
import { median } from '../common/load.mjs';
import { formatColumns } from '../common/table.mjs';
import { formatCalls } from '../sessions/table.mjs';

function count(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

function spread(values) {
  if (!values || values.length < 2) return '-';
  return `${count(Math.min(...values))}..${count(Math.max(...values))}`;
}

function ratio(row, to) {
  const found = (row.ratios ?? []).find((candidate) => candidate.to === to);
  return found ? `${found.ratio.toFixed(2)}x` : '';
}

const COLUMNS = [
  { title: 'workload', value: (row) => row.workload },
  { title: 'stack', value: (row) => row.stack },
  { title: 'req/s', value: (row) => count(row.opsPerSecond), right: true },
  { title: 'min..max req/s', value: (row) => spread(row.roundsOpsPerSecond), right: true },
  { title: 'p50 ms', value: (row) => row.p50Ms.toFixed(1), right: true },
  { title: 'p99 ms', value: (row) => row.p99Ms.toFixed(1), right: true },
  { title: 'server CPU µs/req', value: (row) => row.serverCpuMicrosPerRequest.toFixed(0), right: true },
  { title: 'server loop busy', value: (row) => `${Math.round(row.serverLoopBusy * 100)}%`, right: true },
  { title: 'Redis saw /req', value: (row) => (row.redisPerRequest ? formatCalls(row.redisPerRequest) : '-') },
  { title: 'vs express-session', value: (row) => ratio(row, 'express-session'), right: true },
  { title: 'vs floor', value: (row) => ratio(row, 'floor'), right: true },
];

/** The aligned text table of the suite's rows (its own shape, see `index.mjs`). */
export function formatHttpTable(rows) {
  return formatColumns(COLUMNS, rows);
}

/** The ratios of the rounds, each of a cell over its peer in the same round: range and median. */
function roundByRound(rounds) {
  if (!rounds || rounds.length < 2) return '';
  return `; round by round ${Math.min(...rounds).toFixed(2)}..${Math.max(...rounds).toFixed(2)}x, median ${median(rounds).toFixed(2)}x`;
}

/**
 * One line per goal of the issue: Vessel (defaults, and the extra rows) against express-session
 * on the same backend for read and write (≥ 1.2×), lazy Vessel against the floor on the
 * untouched route (≥ 0.95×), judged on the ratio of the medians; the ratios round by round
 * follow. Resolves with `{ lines, goals }`.
 */
export function goalLines(rows, workloads) {
  const goals = [];
  for (const row of rows) {
    const goal = workloads[row.workload]?.goal;
    if (!goal || row.kind !== 'vessel') continue;
    if (goal.stacks && !goal.stacks.includes(row.stack)) continue;
    const found = (row.ratios ?? []).find((candidate) => candidate.to === goal.to);
    if (!found) continue;
    goals.push({
      workload: row.workload,
      stack: row.stack,
      to: goal.to,
      ratio: found.ratio,
      rounds: found.rounds,
      goal: goal.ratio,
      met: found.ratio >= goal.ratio,
    });
  }
  const lines = goals.map(
    (goal) =>
      `GOAL ${goal.workload} ${goal.stack}: ${goal.ratio.toFixed(2)}x ${goal.to} (goal >= ${goal.goal.toFixed(2)}x) ${goal.met ? 'met' : 'NOT MET'}${roundByRound(goal.rounds)}`,
  );
  return { lines, goals };
}
