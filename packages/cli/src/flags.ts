import type { ArgumentsCamelCase, Argv } from 'yargs';
import { durationFlag, UsageError } from './human.js';
import { describeSelection, parseFilters, type Selection } from './query.js';
import type { StoreFlags } from './store.js';

/** Flags every command takes: where the store is (each overrides the config file), and how to print. */
export interface GlobalArgs {
  config?: string | undefined;
  url?: string | undefined;
  type?: string | undefined;
  'cache-dir'?: string | undefined;
  prefix?: string | undefined;
  schema?: string | undefined;
  /** Print JSON instead of tables and sentences. */
  json: boolean;
  /** Print the stack trace of a failure. */
  debug: boolean;
}

/** Declares the `GlobalArgs` flags on the top-level parser, global so they go before or after the command. */
export function globalOptions(parser: Argv): Argv<GlobalArgs> {
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
    .option('debug', {
      type: 'boolean',
      default: false,
      describe: 'show stack traces',
      global: true,
    });
}

/** The store flags as `openSessionStore` takes them (`--type` is one of the `choices` yargs checked). */
export function storeFlags(args: ArgumentsCamelCase<GlobalArgs>): StoreFlags {
  return {
    config: args.config,
    url: args.url,
    type: args.type as StoreFlags['type'],
    cacheDir: args.cacheDir,
    prefix: args.prefix,
    schema: args.schema,
  };
}

/**
 * The selection flags `list` and `purge` share. The data criterion is `--filter` on `list` and
 * `--where` on `purge` (same syntax); `--expired` is `list`'s own and declared there.
 */
export interface SelectionArgs {
  'older-than'?: string | undefined;
  'idle-longer-than'?: string | undefined;
  filter?: string[] | undefined;
  where?: string[] | undefined;
  corrupt: boolean;
  expired?: boolean | undefined;
}

/**
 * Declares the selection flags on a command. `narrows`: the command shows a subset (`list`), so
 * the help reads "only sessions …"; otherwise it names what the command acts on (`purge`).
 */
export function selectionOptions<Args>(
  command: Argv<Args>,
  { dataFlag, narrows }: { dataFlag: 'filter' | 'where'; narrows: boolean },
): Argv<Args & SelectionArgs> {
  const only = narrows ? 'only ' : '';
  return command
    .option(dataFlag, {
      type: 'string',
      array: true,
      describe: `${only}sessions whose data KEY=VALUE (or has KEY); dotted KEY steps in`,
    })
    .option('older-than', { type: 'string', describe: `${only}sessions created longer ago than DUR (30m, 2h, 7d)` })
    .option('idle-longer-than', { type: 'string', describe: `${only}sessions not accessed for DUR` })
    .option('corrupt', {
      type: 'boolean',
      default: false,
      describe: `${only}records that cannot be read as sessions`,
    });
}

/** The selection the flags describe, and the same in words for prompts and summaries. */
export function selectionFrom(args: ArgumentsCamelCase<SelectionArgs>): { selection: Selection; described: string } {
  for (const [flag, terms] of [
    ['--filter', args.filter],
    ['--where', args.where],
  ] as const) {
    // yargs reads a bare `--filter` as an empty list: say so rather than select everything.
    if (terms !== undefined && terms.length === 0) throw new UsageError(`${flag}: expected KEY=VALUE or KEY after it`);
  }
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
