import { StorageUnavailableError, VesselError } from '@vessel/core';
import yargs, { type Argv } from 'yargs';
import { expire, expireSummary } from './commands/expire.js';
import { info } from './commands/info.js';
import { inspect } from './commands/inspect.js';
import { DEFAULT_PAGE, list, SORT_KEYS, type SortKey } from './commands/list.js';
import { purge, purgeSummary } from './commands/purge.js';
import { collectStats, printStats } from './commands/stats.js';
import { durationFlag, UsageError } from './human.js';
import { type Io, processIo, write } from './output.js';
import { describeSelection, parseFilters, type Selection } from './query.js';
import { openSessionStore, type SessionStore, type StoreFlags } from './store.js';
import { terminalJson, terminalLines, terminalText } from './terminal-text.js';

export type { StoreInfo } from './commands/info.js';

/** Exit codes: 0 done, 1 failure (unreachable store, unknown id, declined prompt), 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

interface GlobalArgs {
  config?: string;
  url?: string;
  type?: string;
  cacheDir?: string;
  prefix?: string;
  schema?: string;
  json?: boolean;
}

function storeFlags(args: GlobalArgs): StoreFlags {
  return {
    config: args.config,
    url: args.url,
    type: args.type as StoreFlags['type'],
    cacheDir: args.cacheDir,
    prefix: args.prefix,
    schema: args.schema,
  };
}

/** Opens the session store, runs `work`, and always closes the store. */
async function withStore<Result>(args: GlobalArgs, work: (store: SessionStore) => Promise<Result>): Promise<Result> {
  const store = await openSessionStore(storeFlags(args));
  try {
    return await work(store);
  } finally {
    await store.storage.close();
  }
}

/** `--show a,b --show c` → `['a', 'b', 'c']`. */
function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((key) => key.trim())
    .filter(Boolean);
}

/** The selection flags shared by `list` and `purge`. */
function selectionFrom(args: {
  olderThan?: string;
  idleLongerThan?: string;
  filter?: string[];
  where?: string[];
  corrupt?: boolean;
  expired?: boolean;
}): { selection: Selection; described: string } {
  const selection: Selection = {
    filters: [...parseFilters('--filter', args.filter), ...parseFilters('--where', args.where)],
    olderThanMs: args.olderThan === undefined ? undefined : durationFlag('--older-than', args.olderThan),
    idleLongerThanMs:
      args.idleLongerThan === undefined ? undefined : durationFlag('--idle-longer-than', args.idleLongerThan),
    corruptOnly: Boolean(args.corrupt),
    expiredOnly: Boolean(args.expired),
  };
  return {
    selection,
    described: describeSelection(selection, { olderThan: args.olderThan, idle: args.idleLongerThan }),
  };
}

/** The one line printed for an error, with what to try where there is something to try. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof StorageUnavailableError)
    return `${message} (is it running and reachable? check --url, or the config file that named it)`;
  if (error instanceof VesselError) return message;
  return `${message} (unexpected; --debug shows the stack trace)`;
}

function exitCodeOf(error: unknown): number {
  return error instanceof VesselError && error.code === 'VESSEL_USAGE' ? EXIT.usage : EXIT.failure;
}

function globalOptions(parser: Argv): Argv<GlobalArgs & { debug: boolean; json: boolean }> {
  return parser
    .option('config', { type: 'string', describe: 'application config file (.ini or .json)', global: true })
    .option('url', {
      type: 'string',
      describe: 'store URL (redis://, rediss://, postgres://, sqlite://)',
      global: true,
    })
    .option('type', {
      type: 'string',
      choices: ['sqlite', 'file', 'redis', 'postgres'],
      describe: 'storage backend',
      global: true,
    })
    .option('cache-dir', { type: 'string', describe: 'folder of the sqlite/file store', global: true })
    .option('prefix', { type: 'string', describe: 'key prefix (default: vessel)', global: true })
    .option('schema', { type: 'string', describe: 'PostgreSQL schema (default: public)', global: true })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces', global: true }) as Argv<
    GlobalArgs & { debug: boolean; json: boolean }
  >;
}

/**
 * Runs `session-inspect` with `argv` (without node and script) and returns the exit code.
 * Errors are one line on stderr; `--debug` adds the stack.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  // Ids are base64url and may start with "-": after `--` they are ids, never flags.
  const separator = argv.indexOf('--');
  const trailingIds = separator < 0 ? [] : argv.slice(separator + 1);
  const flagsAndIds = separator < 0 ? [...argv] : argv.slice(0, separator);
  const idsOf = (given: readonly unknown[] | undefined) => [...(given ?? []).map(String), ...trailingIds];
  const parser = globalOptions(yargs(flagsAndIds))
    .scriptName('session-inspect')
    .usage('$0 [--config FILE] [--url URL | --type T --cache-dir DIR] [--prefix P] <command>')
    .command(
      'info',
      'where the store is and how many sessions it holds',
      (cmd) => cmd.example('$0 info', 'the store the app in this folder uses'),
      async (args) => {
        await withStore(args, (store) => info(store, args.json, io));
      },
    )
    .command(
      'list',
      'table of sessions: id, created, last access, expiry, size, keys',
      (cmd) =>
        cmd
          .option('limit', {
            type: 'number',
            describe: `sessions shown at most; 0 for all (default ${DEFAULT_PAGE} on a terminal or with --sort, else all)`,
          })
          .option('sort', { choices: SORT_KEYS, describe: 'newest created/accessed, soonest expiry or biggest first' })
          .option('reverse', { type: 'boolean', default: false, describe: 'flip the --sort order' })
          .option('filter', {
            type: 'string',
            array: true,
            describe: 'only sessions whose data KEY=VALUE (or has KEY); dotted KEY steps in',
          })
          .option('older-than', { type: 'string', describe: 'only sessions created longer ago than DUR (30m, 2h, 7d)' })
          .option('idle-longer-than', { type: 'string', describe: 'only sessions not accessed for DUR' })
          .option('expired', { type: 'boolean', default: false, describe: 'only expired sessions not swept yet' })
          .option('corrupt', { type: 'boolean', default: false, describe: 'only records that cannot be read' })
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
          .example('$0 list --ndjson --limit 0 > sessions.ndjson', 'export every session, one per line'),
      async (args) => {
        if (args.json && args.ndjson) throw new UsageError('give --json or --ndjson, not both');
        const selection = { ...selectionFrom(args).selection, liveOnly: !args.expired };
        const limit =
          args.limit === 0 ? undefined : (args.limit ?? (io.interactive || args.sort ? DEFAULT_PAGE : undefined));
        await withStore(args, (store) =>
          list(
            store,
            {
              selection,
              limit,
              sort: args.sort as SortKey | undefined,
              reverse: args.reverse,
              show: commaList(args.show),
              fullIds: args.fullIds,
              format: args.ndjson ? 'ndjson' : args.json ? 'json' : 'table',
            },
            io,
          ),
        );
      },
    )
    .command(
      'inspect [id]',
      'one session: metadata, and its data as a tree with types',
      (cmd) =>
        cmd
          .positional('id', {
            type: 'string',
            demandOption: true,
            describe: 'session id, or a unique prefix of one (4 to 21 characters)',
          })
          .example('$0 inspect 3q2-x9Ab', 'the session whose id starts with 3q2-x9Ab')
          .example('$0 inspect 3q2-x9Ab --json', 'the same as JSON (dates as ISO strings)')
          .example('$0 inspect -- -FQQJ9', 'an id that starts with "-" goes after --'),
      async (args) => {
        const ids = idsOf(args.id === undefined ? [] : [args.id]);
        if (ids.length !== 1) throw new UsageError('name one session: inspect ID (ids starting with "-" go after --)');
        await withStore(args, (store) => inspect(store, ids[0] as string, args.json, io));
      },
    )
    .command(
      'purge [ids..]',
      'delete sessions: by id, --all, or by age, idleness or data',
      (cmd) =>
        cmd
          .positional('ids', {
            type: 'string',
            array: true,
            describe: 'session ids, or unique prefixes (4 to 21 characters; asks first)',
          })
          .option('all', { type: 'boolean', default: false, describe: 'every session (never caches or other keys)' })
          .option('older-than', { type: 'string', describe: 'sessions created longer ago than DUR (30m, 2h, 7d)' })
          .option('idle-longer-than', { type: 'string', describe: 'sessions not accessed for DUR' })
          .option('where', { type: 'string', array: true, describe: 'sessions whose data KEY=VALUE (or has KEY)' })
          .option('corrupt', { type: 'boolean', default: false, describe: 'records that cannot be read as sessions' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print what would go, delete nothing' })
          .option('yes', {
            alias: 'y',
            type: 'boolean',
            default: false,
            describe: 'do not ask (required without a terminal)',
          })
          .example('$0 purge --where user=ada', 'log user ada out everywhere (asks first)')
          .example('$0 purge --idle-longer-than 7d --dry-run', 'which sessions sat unused for a week')
          .example('$0 purge --all --yes', 'delete every session, from a script')
          .example('$0 purge --corrupt --yes', 'remove records that cannot be read'),
      async (args) => {
        const { selection, described } = selectionFrom(args);
        const ids = idsOf(args.ids);
        const report = await withStore(args, (store) =>
          purge(
            store,
            {
              ids,
              all: args.all,
              selection,
              described: ids.length > 0 ? 'by id' : args.all ? 'all' : described,
              dryRun: args.dryRun,
              yes: args.yes,
              json: args.json,
            },
            io,
          ),
        );
        await write(io.out, args.json ? `${terminalJson(report)}\n` : purgeSummary(report));
      },
    )
    .command(
      'expire [ids..]',
      'end sessions now or later (--now, --in DUR), or --sweep expired records',
      (cmd) =>
        cmd
          .positional('ids', {
            type: 'string',
            array: true,
            describe: 'session ids, or unique prefixes (4 to 21 characters; asks first)',
          })
          .option('now', { type: 'boolean', default: false, describe: 'expire the sessions now' })
          .option('in', { type: 'string', describe: 'expire the sessions DUR from now (30m, 2h, 7d)' })
          .option('sweep', { type: 'boolean', default: false, describe: 'delete every already-expired record' })
          .option('yes', {
            alias: 'y',
            type: 'boolean',
            default: false,
            describe: 'act on ids matched by prefix without asking (required without a terminal)',
          })
          .example('$0 expire 3q2-x9Ab --now', 'end one session, by id prefix (asks first)')
          .example('$0 expire 3q2-x9Ab k7Pd --in 10m -y', 'two sessions get 10 more minutes, unasked')
          .example('$0 expire --sweep', 'garbage-collect expired sessions (sqlite, file, postgres)'),
      async (args) => {
        const ids = idsOf(args.ids);
        if (args.sweep && ids.length > 0) throw new UsageError('--sweep deletes every expired record; it takes no ids');
        if ([args.sweep, args.now, args.in !== undefined].filter(Boolean).length > 1)
          throw new UsageError('give one of --now, --in DUR or --sweep');
        if (!args.sweep && !args.now && args.in === undefined)
          throw new UsageError('say when: --now, --in DUR, or --sweep for every expired record');
        const options = args.sweep
          ? ({ mode: 'sweep' } as const)
          : ({
              mode: 'move',
              ids,
              inMs: args.in === undefined ? 0 : durationFlag('--in', args.in),
              yes: args.yes,
            } as const);
        const report = await withStore(args, (store) => expire(store, options, io));
        await write(io.out, args.json ? `${terminalJson(report)}\n` : expireSummary(report, Date.now()));
      },
    )
    .command(
      'stats',
      'counts, sizes and percentiles, age and expiry histograms',
      (cmd) => cmd.example('$0 stats', 'a summary of every session').example('$0 stats --json', 'the same as JSON'),
      async (args) => {
        const report = await withStore(args, (store) => collectStats(store, io));
        if (args.json) await write(io.out, `${terminalJson(report, 2)}\n`);
        else await printStats(report, io);
      },
    )
    .example('$0 list', 'sessions of the app in this folder (vessel.ini, vessel.config.json or ./data)')
    .example('$0 --url redis://127.0.0.1:6379 --prefix myapp stats', 'a Redis store')
    .example('$0 --config /srv/app/production.ini purge --older-than 30d', "another app's store")
    .epilogue(
      'Exit codes: 0 done, 1 failure (store unreachable, unknown id), 2 usage error. NO_COLOR turns colour off.',
    )
    .demandCommand(1, 'name a command')
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      // Throwing stops yargs before any command handler runs; the catch below prints one line.
      throw error ?? new UsageError(`${message.replace(/\s*\n\s*/g, ' ')} (try session-inspect --help)`);
    })
    .help()
    .wrap(Math.min(110, (io.out as NodeJS.WriteStream).columns ?? 100))
    .version(false);
  try {
    await parser.parseAsync();
  } catch (error) {
    // Messages quote ids and flag values, which may hold anything: escaped like every other output.
    io.err.write(`session-inspect: ${terminalText(errorLine(error))}\n`);
    if (debug && error instanceof Error && error.stack) io.err.write(`${terminalLines(error.stack)}\n`);
    return exitCodeOf(error);
  }
  return EXIT.ok;
}
