import type { ArgumentsCamelCase, Argv } from 'yargs';
import { runContext, withStore } from '../context.js';
import type { GlobalArgs } from '../flags.js';
import { formatBytes, formatCount, formatRelative, formatTime } from '../human.js';
import { type Io, keyValueTable, write } from '../output.js';
import { Progress } from '../progress.js';
import { toSessionView } from '../session-view.js';
import type { SessionStore } from '../store.js';
import { terminalJson } from '../terminal-text.js';

/** Histogram buckets by upper bound (ms), the last one open-ended. */
const SPANS: readonly [string, number][] = [
  ['< 1m', 60_000],
  ['1m - 1h', 3_600_000],
  ['1h - 1d', 86_400_000],
  ['1d - 7d', 7 * 86_400_000],
  ['7d - 30d', 30 * 86_400_000],
  ['>= 30d', Number.POSITIVE_INFINITY],
];

/** Sizes kept exactly up to this many sessions; beyond, percentiles come from log buckets (within 5%). */
const EXACT_SIZES = 100_000;
/** Log buckets per doubling of size. */
const STEPS = 16;

/** One labelled bar of a histogram. */
export interface Bucket {
  readonly label: string;
  readonly count: number;
}

/** What `stats` reports. */
export interface StatsReport {
  readonly store: string;
  /** Records in the namespace, including expired-but-unswept and corrupt ones. */
  readonly records: number;
  readonly live: number;
  /** Past their expiry, not swept yet (`expire --sweep` removes them). */
  readonly expired: number;
  readonly corrupt: number;
  readonly totalBytes: number;
  /** Bytes per record: p50, p90, p99, max; `approximate` beyond 100,000 records. */
  readonly sizes: { p50: number; p90: number; p99: number; max: number; approximate: boolean };
  /** By time since creation. */
  readonly age: readonly Bucket[];
  /** By time until expiry: `expired`, the spans, `never`. */
  readonly expiry: readonly Bucket[];
  readonly oldest: { id: string; created: string } | null;
  readonly newest: { id: string; created: string } | null;
}

function spanIndex(ms: number): number {
  return SPANS.findIndex(([, bound]) => ms < bound);
}

/** Collects sizes: exact while few, log-bucketed always, so memory stays flat at any count. */
class SizeDistribution {
  #exact: number[] | undefined = [];
  readonly #buckets = new Map<number, number>();
  count = 0;
  max = 0;

  add(size: number): void {
    this.count++;
    if (size > this.max) this.max = size;
    const bucket = size <= 1 ? 0 : Math.ceil(Math.log2(size) * STEPS);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    if (this.#exact) {
      this.#exact.push(size);
      if (this.#exact.length > EXACT_SIZES) this.#exact = undefined;
    }
  }

  get approximate(): boolean {
    return this.#exact === undefined;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    if (this.#exact) return [...this.#exact].sort((a, b) => a - b)[rank - 1] ?? 0;
    let seen = 0;
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(bucket) ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.round(2 ** (bucket / STEPS)));
    }
    return this.max;
  }
}

/** Reads every session record once and summarises them; memory stays flat at any store size. */
export async function collectStats(store: SessionStore, io: Io): Promise<StatsReport> {
  const now = Date.now();
  const sizes = new SizeDistribution();
  const age = SPANS.map(() => 0);
  const expiry = [0, ...SPANS.map(() => 0), 0];
  let live = 0;
  let expired = 0;
  let corrupt = 0;
  let totalBytes = 0;
  let oldest: { id: string; created: number } | null = null;
  let newest: { id: string; created: number } | null = null;
  const total = await store.sessions.count({ includeExpired: true });
  const progress = new Progress(io.err, 'read', total);
  for await (const entry of store.sessions.scan({ includeExpired: true })) {
    const view = toSessionView(entry, store.formats);
    sizes.add(view.size);
    totalBytes += view.size;
    if (view.expires !== null && view.expires <= now) {
      expired++;
      expiry[0] = (expiry[0] ?? 0) + 1;
    } else {
      live++;
      const slot = view.expires === null ? expiry.length - 1 : 1 + spanIndex(view.expires - now);
      expiry[slot] = (expiry[slot] ?? 0) + 1;
    }
    if (view.corrupt !== undefined || view.created === null) corrupt++;
    else {
      const slot = spanIndex(Math.max(0, now - view.created));
      age[slot] = (age[slot] ?? 0) + 1;
      if (!oldest || view.created < oldest.created) oldest = { id: view.id, created: view.created };
      if (!newest || view.created > newest.created) newest = { id: view.id, created: view.created };
    }
    progress.update(sizes.count, sizes.count);
  }
  await progress.done();
  const iso = (found: { id: string; created: number } | null) =>
    found && { id: found.id, created: new Date(found.created).toISOString() };
  return {
    store: store.storage.location,
    records: sizes.count,
    live,
    expired,
    corrupt,
    totalBytes,
    sizes: {
      p50: sizes.percentile(50),
      p90: sizes.percentile(90),
      p99: sizes.percentile(99),
      max: sizes.max,
      approximate: sizes.approximate,
    },
    age: SPANS.map(([label], index) => ({ label, count: age[index] ?? 0 })),
    expiry: [
      { label: 'expired', count: expiry[0] ?? 0 },
      ...SPANS.map(([label], index) => ({ label: `in ${label}`, count: expiry[index + 1] ?? 0 })),
      { label: 'never', count: expiry[expiry.length - 1] ?? 0 },
    ],
    oldest: iso(oldest),
    newest: iso(newest),
  };
}

/** A small horizontal bar chart: `label  ████████   1,234`. */
export function barChart(buckets: readonly Bucket[], width = 30): string[] {
  const most = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const labelWidth = Math.max(...buckets.map((bucket) => bucket.label.length));
  return buckets.map(({ label, count }) => {
    const bar = '█'.repeat(Math.round((count / most) * width)) || (count > 0 ? '▏' : '');
    return `  ${label.padEnd(labelWidth)}  ${bar.padEnd(width)}  ${formatCount(count)}`;
  });
}

/** Prints a `StatsReport` for people. */
export async function printStats(report: StatsReport, io: Io): Promise<void> {
  const now = Date.now();
  const approx = report.sizes.approximate ? '≈' : '';
  const born = (found: { id: string; created: string } | null) =>
    found
      ? `${found.id}  ${formatTime(Date.parse(found.created))} UTC (${formatRelative(Date.parse(found.created), now)})`
      : '-';
  const rows: [string, string][] = [
    ['store', report.store],
    [
      'sessions',
      `${formatCount(report.records)} (${formatCount(report.live)} live, ${formatCount(report.expired)} expired, ${formatCount(report.corrupt)} corrupt)`,
    ],
    ['total size', formatBytes(report.totalBytes)],
    [
      'size p50 / p90 / p99 / max',
      `${approx}${formatBytes(report.sizes.p50)} / ${approx}${formatBytes(report.sizes.p90)} / ${approx}${formatBytes(report.sizes.p99)} / ${formatBytes(report.sizes.max)}`,
    ],
    ['oldest', born(report.oldest)],
    ['newest', born(report.newest)],
  ];
  const lines = [
    keyValueTable(rows, io.out),
    '',
    'age (since created)',
    ...barChart(report.age),
    '',
    'expires',
    ...barChart(report.expiry),
  ];
  await write(io.out, `${lines.join('\n')}\n`);
}

/** The yargs command: `stats` takes only the global flags. */
export const command = 'stats';
/** The line `--help` shows for `stats`. */
export const describe = 'counts, sizes and percentiles, age and expiry histograms';

/** `stats`' examples (it has no flags of its own). */
export function builder(argv: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return argv.example('$0 stats', 'a summary of every session').example('$0 stats --json', 'the same as JSON');
}

/** Collects the statistics in one scan, then prints them as tables and charts, or as JSON. */
export async function handler(args: ArgumentsCamelCase<GlobalArgs>): Promise<void> {
  const { io } = runContext(args);
  const report = await withStore(args, (store) => collectStats(store, io));
  if (args.json) await write(io.out, `${terminalJson(report, 2)}\n`);
  else await printStats(report, io);
}
