/**
 * The HTTP suite's results table and goal lines: a section per framework, one row per
 * (workload, stack), with the median requests/s over the rounds, the latency of the median
 * round, what the server process spent per request, what Redis saw, and each Vessel row's (and
 * the incumbents' contrast rows') throughput divided by its framework's incumbent's on the
 * same backend and by its framework's floor's (>1: faster).
 */
import { median } from '../common/load.mjs';
import { formatColumns } from '../common/table.mjs';
import { formatCalls } from '../sessions/table.mjs';
import { FRAMEWORKS, stackNamed } from './stacks.mjs';

function count(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

function spread(values) {
  if (!values || values.length < 2) return '-';
  return `${count(Math.min(...values))}..${count(Math.max(...values))}`;
}

function ratio(row, to) {
  const found = (row.comparisons ?? []).find((candidate) => candidate.to === to);
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
  { title: 'vs incumbent', value: (row) => ratio(row, 'incumbent'), right: true },
  { title: 'vs floor', value: (row) => ratio(row, 'floor'), right: true },
];

/**
 * The aligned text table of the suite's rows (its own shape, see `index.mjs`): a section per
 * framework, naming its incumbent and its Vessel adapter.
 */
export function formatHttpTable(rows) {
  const sections = Object.entries(FRAMEWORKS).flatMap(([framework, { incumbent, adapter }]) => {
    const own = rows.filter((row) => (row.framework ?? 'express') === framework);
    return own.length > 0 ? [{ section: `${framework}: ${adapter} vs ${incumbent} and the floor` }, ...own] : [];
  });
  return formatColumns(COLUMNS, sections);
}

/** The ratios of the rounds, each of a cell over its peer in the same round: range and median. */
function roundByRound(rounds) {
  if (!rounds || rounds.length < 2) return '';
  return `; round by round ${Math.min(...rounds).toFixed(2)}..${Math.max(...rounds).toFixed(2)}x, median ${median(rounds).toFixed(2)}x`;
}

/**
 * One line per goal of the issue: Vessel (defaults, and the extra rows) against its framework's
 * incumbent on the same backend for read and write (≥ 1.2×, memory and Redis), lazy Vessel
 * against its framework's floor on the untouched route (≥ 0.95×), judged on the ratio of the
 * medians; the ratios round by round follow. Resolves with `{ lines, goals }`.
 */
export function goalLines(rows, workloads) {
  const goals = [];
  for (const row of rows) {
    const goal = workloads[row.workload]?.goal;
    if (!goal || row.kind !== 'vessel') continue;
    if (goal.backends && !goal.backends.includes(row.backend)) continue;
    if (goal.lazy && !stackNamed(row.stack).lazy) continue;
    const found = (row.comparisons ?? []).find((candidate) => candidate.to === goal.to);
    if (!found) continue;
    goals.push({
      workload: row.workload,
      stack: row.stack,
      to: goal.to,
      peer: found.peer,
      ratio: found.ratio,
      rounds: found.rounds,
      goal: goal.ratio,
      met: found.ratio >= goal.ratio,
    });
  }
  const lines = goals.map(
    (goal) =>
      `GOAL ${goal.workload} ${goal.stack}: ${goal.ratio.toFixed(2)}x ${goal.peer} (goal >= ${goal.goal.toFixed(2)}x) ${goal.met ? 'met' : 'NOT MET'}${roundByRound(goal.rounds)}`,
  );
  return { lines, goals };
}
