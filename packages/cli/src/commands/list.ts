import type { ArgumentsCamelCase, Argv } from 'yargs';
import { runContext, withStore } from '../context.js';
import { type GlobalArgs, type SelectionArgs, selectionFrom, selectionOptions } from '../flags.js';
import { formatBytes, formatRelative, formatTime, sessions as nSessions, UsageError } from '../human.js';
import { SHORT_ID } from '../ids.js';
import { ChunkedWriter, type Io, StreamedTable, write } from '../output.js';
import { type Selection, selects } from '../query.js';
import type { SessionView } from '../session-view.js';
import { toSessionView } from '../session-view.js';
import type { SessionStore } from '../store.js';
import { terminalJson } from '../terminal-text.js';
import { TopN } from '../top-n.js';
import { lookup, preview, toJsonValue } from '../values.js';

/** Orders `list --sort` knows. */
export const SORT_KEYS = ['created', 'accessed', 'expires', 'size'] as const;
/** One of `SORT_KEYS`. */
export type SortKey = (typeof SORT_KEYS)[number];

/** How `list` prints sessions. */
export type ListFormat = 'table' | 'json' | 'ndjson';

/** Options of `list`. */
export interface ListOptions {
  readonly selection: Selection;
  /** Sessions shown at most; `undefined` for all. */
  readonly limit: number | undefined;
  readonly sort: SortKey | undefined;
  /** Flips the sort order. */
  readonly reverse: boolean;
  /** Data keys shown as columns (table) next to the metadata. */
  readonly show: readonly string[];
  readonly fullIds: boolean;
  readonly format: ListFormat;
}

/** Sessions a terminal listing shows unless `--limit` says otherwise; also the bound of `--sort`. */
export const DEFAULT_PAGE = 50;

/** Missing values (corrupt records, never-expiring sessions) sort last in either direction. */
function byNumber(pick: (view: SessionView) => number | null, descending: boolean) {
  return (a: SessionView, b: SessionView): number => {
    const x = pick(a);
    const y = pick(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return descending ? y - x : x - y;
  };
}

/**
 * The order of `--sort KEY`: newest created and most recently accessed first, soonest expiry
 * first, biggest first; `--reverse` flips it. Ties go by id so output is stable.
 */
export function sortOrder(key: SortKey, reverse: boolean): (a: SessionView, b: SessionView) => number {
  const compare = {
    created: byNumber((view) => view.created, !reverse),
    accessed: byNumber((view) => view.accessed, !reverse),
    expires: byNumber((view) => view.expires, reverse),
    size: byNumber((view) => view.size, !reverse),
  }[key];
  return (a, b) => compare(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A session as `--json`/`--ndjson` print it: times as ISO strings, data in its JSON form. */
export function sessionJson(view: SessionView): Record<string, unknown> {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  const base = { id: view.id, created: iso(view.created), accessed: iso(view.accessed), expires: iso(view.expires) };
  if (view.corrupt !== undefined) return { ...base, size: view.size, corrupt: view.corrupt };
  if (view.encrypted) return { ...base, size: view.size, encrypted: true };
  return { ...base, size: view.size, keys: Object.keys(view.data), data: toJsonValue(view.data) };
}

function tableRow(view: SessionView, options: ListOptions, now: number): string[] {
  const id = options.fullIds ? view.id : view.id.slice(0, SHORT_ID);
  const shown = options.show.map((key) => {
    const value = lookup(view.data, key);
    return value === undefined ? '' : preview(value, 32);
  });
  return [
    id,
    formatTime(view.created),
    view.accessed === null ? '-' : formatRelative(view.accessed, now),
    formatRelative(view.expires, now),
    formatBytes(view.size),
    view.corrupt !== undefined ? 'CORRUPT' : view.encrypted ? 'ENCRYPTED' : String(Object.keys(view.data).length),
    ...shown,
  ];
}

/** Prints sessions as they stream from the store; sorted listings hold only the first `limit`. */
export async function list(store: SessionStore, options: ListOptions, io: Io): Promise<void> {
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0))
    throw new UsageError(`--limit: expected a whole number >= 0, got ${options.limit}`);
  const now = Date.now();
  const { selection, limit, format } = options;
  const sink = createSink(options, io, now);
  let shown = 0;
  let corrupt = 0;
  let more = false;
  const scan = store.sessions.scan({ includeExpired: Boolean(selection.expiredOnly) });
  if (options.sort) {
    const top = new TopN<SessionView>(limit ?? DEFAULT_PAGE, sortOrder(options.sort, options.reverse));
    for await (const entry of scan) {
      const view = toSessionView(entry, store.formats);
      if (selects(selection, view, now)) top.push(view);
    }
    for (const view of top.sorted()) {
      if (view.corrupt !== undefined) corrupt++;
      await sink.row(view);
      shown++;
    }
    more = top.seen > shown;
    await sink.end(more);
    if (more)
      await write(
        io.err,
        `${nSessions(shown)} of ${top.seen.toLocaleString('en-US')} shown, by ${options.sort}; --limit N for more\n`,
      );
  } else {
    for await (const entry of scan) {
      const view = toSessionView(entry, store.formats);
      if (!selects(selection, view, now)) continue;
      if (limit !== undefined && shown >= limit) {
        more = true;
        break;
      }
      if (view.corrupt !== undefined) corrupt++;
      await sink.row(view);
      shown++;
    }
    await sink.end(more);
    if (more)
      await write(io.err, `${nSessions(shown)} shown and more exist: --limit N shows more, --limit 0 all of them\n`);
  }
  if (format === 'table' && shown === 0) await write(io.err, 'no sessions match\n');
  if (format === 'table' && corrupt > 0)
    await write(
      io.err,
      `${corrupt} corrupt record${corrupt === 1 ? '' : 's'}: \`inspect ID\` shows why, \`purge --corrupt\` removes them\n`,
    );
}

interface Sink {
  row(view: SessionView): Promise<void>;
  end(more: boolean): Promise<void>;
}

function createSink(options: ListOptions, io: Io, now: number): Sink {
  if (options.format === 'ndjson') {
    const out = new ChunkedWriter(io.out);
    return {
      row: (view) => out.write(`${terminalJson(sessionJson(view))}\n`),
      end: () => out.flush(),
    };
  }
  if (options.format === 'json') {
    // One JSON document, written as it streams: `{"sessions":[…],"more":false}`.
    const out = new ChunkedWriter(io.out);
    let first = true;
    return {
      async row(view) {
        await out.write(`${first ? '{"sessions":[\n' : ',\n'}${terminalJson(sessionJson(view))}`);
        first = false;
      },
      async end(more) {
        await out.write(`${first ? '{"sessions":[' : '\n'}],"more":${more}}\n`);
        await out.flush();
      },
    };
  }
  const head = ['id', 'created (UTC)', 'last access', 'expires', 'size', 'keys', ...options.show];
  const align = head.map((_, column): 'left' | 'right' => (column === 4 || column === 5 ? 'right' : 'left'));
  const table = new StreamedTable(head, align, io.out);
  return {
    row: (view) => table.push(tableRow(view, options, now)),
    end: () => table.flush(),
  };
}

/** `list`'s arguments. */
interface ListArgs extends GlobalArgs, SelectionArgs {
  limit?: number | undefined;
  sort?: SortKey | undefined;
  reverse: boolean;
  expired: boolean;
  show?: string[] | undefined;
  'full-ids': boolean;
  ndjson: boolean;
}

/** The yargs command: `list` takes no positional arguments. */
export const command = 'list';
/** The line `--help` shows for `list`. */
export const describe = 'table of sessions: id, created, last access, expiry, size, keys';

/** Declares `list`'s flags; the selection flags are `selectionOptions'` (data criterion `--filter`). */
export function builder(argv: Argv<GlobalArgs>): Argv<ListArgs> {
  const ordered = argv
    .option('limit', {
      type: 'number',
      describe: `sessions shown at most; 0 for all (default ${DEFAULT_PAGE} on a terminal or with --sort, else all)`,
    })
    .option('sort', { choices: SORT_KEYS, describe: 'newest created/accessed, soonest expiry or biggest first' })
    .option('reverse', { type: 'boolean', default: false, describe: 'flip the --sort order' });
  return selectionOptions(ordered, { dataFlag: 'filter', narrows: true })
    .option('expired', { type: 'boolean', default: false, describe: 'only expired sessions not swept yet' })
    .option('show', { type: 'string', array: true, describe: 'data keys to show as columns (KEY,KEY)' })
    .option('full-ids', {
      type: 'boolean',
      default: false,
      describe: 'whole ids instead of the first 12 characters',
    })
    .option('ndjson', { type: 'boolean', default: false, describe: 'one JSON line per session, streamed' })
    .example('$0 list', 'the first 50 sessions as a table')
    .example('$0 list --sort accessed --show user,role', 'most recently used first, with two data keys')
    .example('$0 list --filter user=ada --json', 'every session of user ada, as one JSON document')
    .example('$0 list --ndjson --limit 0 > sessions.ndjson', 'export every session, one per line');
}

/** `--show a,b --show c` → `['a', 'b', 'c']`. */
function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((key) => key.trim())
    .filter(Boolean);
}

/**
 * Lists the live sessions the flags select (`--expired`: only the expired ones). The page is
 * `DEFAULT_PAGE` on a terminal or with `--sort`, everything otherwise; `--limit 0` is everything.
 */
export async function handler(args: ArgumentsCamelCase<ListArgs>): Promise<void> {
  const { io } = runContext(args);
  if (args.json && args.ndjson) throw new UsageError('give --json or --ndjson, not both');
  const selection = { ...selectionFrom(args).selection, liveOnly: !args.expired };
  const limit = args.limit === 0 ? undefined : (args.limit ?? (io.interactive || args.sort ? DEFAULT_PAGE : undefined));
  await withStore(args, (store) =>
    list(
      store,
      {
        selection,
        limit,
        sort: args.sort,
        reverse: args.reverse,
        show: commaList(args.show),
        fullIds: args.fullIds,
        format: args.ndjson ? 'ndjson' : args.json ? 'json' : 'table',
      },
      io,
    ),
  );
}
