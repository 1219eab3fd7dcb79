/**
 * The sessions suite's results table: one row per (backend, operation, stack) with throughput,
 * latency, this process' CPU per request (SQLite's threads included, the Redis server not), the
 * store calls per request as the stack's counters saw them, what the backend saw, and for Vessel
 * rows the throughput ratio to each yardstick (>1: Vessel is faster).
 */

const COLUMNS = [
  { title: 'backend', value: (row) => row.backend },
  { title: 'op', value: (row) => row.op },
  { title: 'stack', value: (row) => row.stack },
  { title: 'ops/s', value: (row) => formatCount(row.opsPerSecond), right: true },
  { title: 'min..max ops/s', value: (row) => formatSpread(row.roundsOpsPerSecond), right: true },
  { title: 'p50 ms', value: (row) => row.p50Ms.toFixed(2), right: true },
  { title: 'p99 ms', value: (row) => row.p99Ms.toFixed(2), right: true },
  { title: 'CPU µs/req', value: (row) => row.cpuMicrosPerRequest.toFixed(0), right: true },
  { title: 'store calls / request', value: (row) => formatCalls(row.storeCallsPerRequest) },
  { title: 'backend saw', value: (row) => formatBackend(row.backendSaw, row.measuredRequests) },
  { title: 'Vessel/yardstick', value: (row) => (row.ratios ?? []).map(formatRatio).join(', ') },
];

function formatCount(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

function formatSpread(values) {
  if (!values || values.length < 2) return '-';
  return `${formatCount(Math.min(...values))}..${formatCount(Math.max(...values))}`;
}

function perRequest(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** `get 1, touch 1`: calls per request, zero counts left out (writes marked `*`). */
export function formatCalls(calls) {
  const parts = Object.entries(calls)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${perRequest(count)}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function formatBackend(saw, requests) {
  if (!saw) return '-';
  if (saw.commands) {
    const parts = Object.entries(saw.commands).map(
      ([name, calls]) => `${name.toUpperCase()} ${perRequest(calls / requests)}`,
    );
    return parts.length > 0 ? `${parts.join(', ')} /req` : 'no commands';
  }
  if ('committed' in saw) return saw.committed ? 'commits' : 'no commit';
  return '-';
}

function formatRatio({ to, ratio }) {
  return `${ratio.toFixed(2)}x ${to}`;
}

/** Formats rows as an aligned text table. */
export function formatSessionsTable(rows) {
  const cells = rows.map((row) => COLUMNS.map((column) => column.value(row)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.title.length, ...cells.map((line) => line[index].length)),
  );
  const line = (values) =>
    values
      .map((value, index) => (COLUMNS[index].right ? value.padStart(widths[index]) : value.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  return [
    line(COLUMNS.map((column) => column.title)),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(line),
  ].join('\n');
}
