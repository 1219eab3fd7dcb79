/**
 * The plain-text results table every suite prints: one row per measurement, floors (the
 * backend's own tools, or a peer) tagged `F1`, `F2`, … and each Vessel row's time given as a
 * multiple of the floors it is compared with. Times are medians when an operation was measured
 * more than once; `min..max` shows the spread.
 */

const COLUMNS = [
  { title: 'operation', value: (row) => (row.id ? `${row.id} ${row.operation}` : row.operation) },
  { title: 'backend', value: (row) => row.backend },
  { title: 'entries', value: (row) => formatCount(row.entries), right: true },
  { title: 'time s', value: (row) => row.seconds.toFixed(2), right: true },
  { title: 'min..max s', value: (row) => formatSpread(row.samples), right: true },
  { title: 'entries/s', value: (row) => formatCount(Math.round(row.entries / row.seconds)), right: true },
  { title: 'peak RSS MB', value: (row) => formatMb(row.peakRssMb), right: true },
  { title: 'RSS at start MB', value: (row) => formatMb(row.rssBeforeMb), right: true },
  {
    title: 'vs floor',
    value: (row) => (row.ratios ?? []).map(({ id, ratio }) => `${ratio.toFixed(2)}x ${id}`).join(', '),
  },
];

function formatSpread(samples) {
  if (!samples || samples.length < 2) return '-';
  return `${Math.min(...samples).toFixed(2)}..${Math.max(...samples).toFixed(2)}`;
}

function formatMb(value) {
  return value == null ? '-' : value.toFixed(1);
}

function formatCount(value) {
  return Number.isFinite(value) ? value.toLocaleString('en-US') : '-';
}

/**
 * Adds `ratios` (time / floor time) to every row that names floors in `compareTo`; floors are
 * the rows with an `id`.
 */
export function withRatios(rows) {
  const floors = new Map(rows.filter((row) => row.id).map((row) => [row.id, row]));
  return rows.map((row) => ({
    ...row,
    ratios: (row.compareTo ?? [])
      .filter((id) => floors.has(id))
      .map((id) => ({ id, ratio: row.seconds / floors.get(id).seconds })),
  }));
}

/** Formats rows as an aligned text table; `section` rows (`{ section: 'title' }`) become headings. */
export function formatTable(rows) {
  return formatColumns(COLUMNS, rows);
}

/**
 * Formats `rows` as an aligned text table of `columns` (`{ title, value: (row) => string, right }`,
 * `right` for right-aligned numbers); `section` rows (`{ section: 'title' }`) become headings.
 * Suites with columns of their own use this with theirs.
 */
export function formatColumns(columns, rows) {
  const cells = rows.map((row) => (row.section ? row : columns.map((column) => column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...cells.filter(Array.isArray).map((line) => line[index].length)),
  );
  const line = (values) =>
    values
      .map((value, index) => (columns[index].right ? value.padStart(widths[index]) : value.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const out = [line(columns.map((column) => column.title)), rule];
  for (const cell of cells) out.push(Array.isArray(cell) ? line(cell) : `${cell.section}:`);
  return out.join('\n');
}
