import { setSessionRecordExpiry, VesselError } from '@vessel/core';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { confirm } from '../confirm.js';
import { idsOf, runContext, withStore } from '../context.js';
import type { GlobalArgs } from '../flags.js';
import {
  durationFlag,
  formatElapsed,
  formatRelative,
  formatTime,
  sessions as nSessions,
  UsageError,
} from '../human.js';
import { byPrefix, describeMatch, resolveIds, showPrefixMatches, UnknownIdError } from '../ids.js';
import { type Io, write } from '../output.js';
import type { SessionStore } from '../store.js';
import { terminalJson, terminalText } from '../terminal-text.js';

/** Options of `expire`. */
export type ExpireOptions =
  | { readonly mode: 'sweep' }
  /** `inMs` 0: now. `yes`: act on ids matched by prefix without asking. */
  | { readonly mode: 'move'; readonly ids: readonly string[]; readonly inMs: number; readonly yes: boolean };

/** What `expire` did. */
export interface ExpireReport {
  /** `swept`: expired records deleted; `moved`: sessions whose expiry moved. */
  readonly action: 'swept' | 'moved';
  readonly count: number;
  /** The new expiry, ms since the epoch (`moved` only). */
  readonly expiresAt?: number;
  readonly ids?: readonly string[];
  readonly store: string;
  readonly seconds: number;
}

/**
 * Moves the expiry of sessions, or sweeps every expired record. Moving rewrites the record's own
 * `expires` with the storage expiry (core's `setSessionRecordExpiry`), because the session
 * manager honours the sooner of the two: a storage TTL moved alone could not extend a session.
 * Whole ids act at once; an id matched by prefix is shown whole and needs `--yes` or a `y` at
 * the terminal.
 */
export async function expire(store: SessionStore, options: ExpireOptions, io: Io): Promise<ExpireReport> {
  const { sessions, storage } = store;
  let started = Date.now();
  if (options.mode === 'sweep') {
    const count = await sessions.sweep();
    if (storage.capabilities.nativeTtl)
      await write(io.err, `${storage.type} deletes expired keys by itself: there is never anything to sweep\n`);
    return { action: 'swept', count, store: storage.location, seconds: (Date.now() - started) / 1000 };
  }
  if (options.ids.length === 0)
    throw new UsageError('name the sessions to expire (ids or unique prefixes), or use --sweep');
  const resolved = await resolveIds(sessions, storage.type, options.ids);
  const guessed = resolved.filter(byPrefix);
  if (guessed.length > 0 && !options.yes && !io.interactive)
    throw new UsageError(
      `${guessed.map(describeMatch).join(', ')}: give the whole id${guessed.length === 1 ? '' : 's'}, or add --yes to accept the match${guessed.length === 1 ? '' : 'es'}`,
    );
  await showPrefixMatches(resolved, io);
  const ids = resolved.map((match) => match.id);
  if (guessed.length > 0 && !options.yes) {
    const at = Date.now() + options.inMs;
    const when = options.inMs === 0 ? 'now' : `at ${formatTime(at)} UTC (${formatRelative(at, Date.now())})`;
    if (!(await confirm(`Expire ${nSessions(ids.length)} ${when}?`, io))) throw new ExpireDeclinedError();
    // The time reported is the work's, not the person's at the prompt.
    started = Date.now();
  }
  const expiresAt = Date.now() + options.inMs;
  const vanished: string[] = [];
  for (const id of ids) if (!(await setSessionRecordExpiry(sessions, id, expiresAt))) vanished.push(id);
  if (vanished.length > 0)
    throw new UnknownIdError(`session ${vanished.map((id) => `"${id}"`).join(', ')} vanished before its expiry moved`);
  return {
    action: 'moved',
    count: ids.length,
    expiresAt,
    ids,
    store: storage.location,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The person at the terminal said no: exit code 1, no expiry moved. */
export class ExpireDeclinedError extends VesselError {
  constructor() {
    super('VESSEL_ABORTED', 'aborted: nothing changed');
  }
}

/** The one-line summary of `expire`. */
export function expireSummary(report: ExpireReport, now: number): string {
  if (report.action === 'swept')
    return `swept ${nSessions(report.count)} (expired) from ${terminalText(report.store)} in ${formatElapsed(report.seconds)}\n`;
  const at = report.expiresAt ?? now;
  return at <= now
    ? `expired ${nSessions(report.count)} now\n`
    : `${nSessions(report.count)} now expire at ${formatTime(at)} UTC (${formatRelative(at, now)})\n`;
}

/** `expire`'s arguments. */
interface ExpireArgs extends GlobalArgs {
  ids?: string[] | undefined;
  now: boolean;
  in?: string | undefined;
  sweep: boolean;
  yes: boolean;
}

/** The yargs command: `expire` with ids or prefixes, or `--sweep` without. */
export const command = 'expire [ids..]';
/** The line `--help` shows for `expire`. */
export const describe = 'end sessions now or later (--now, --in DUR), or --sweep expired records';

/** Declares `expire`'s ids and flags. */
export function builder(argv: Argv<GlobalArgs>): Argv<ExpireArgs> {
  return argv
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
    .example('$0 expire --sweep', 'garbage-collect expired sessions (sqlite, file, postgres)');
}

/** Checks that exactly one of `--now`, `--in` and `--sweep` is given, expires, and prints the summary. */
export async function handler(args: ArgumentsCamelCase<ExpireArgs>): Promise<void> {
  const { io } = runContext(args);
  const ids = idsOf(args, args.ids);
  if (args.sweep && ids.length > 0) throw new UsageError('--sweep deletes every expired record; it takes no ids');
  if ([args.sweep, args.now, args.in !== undefined].filter(Boolean).length > 1)
    throw new UsageError('give one of --now, --in DUR or --sweep');
  if (!args.sweep && !args.now && args.in === undefined)
    throw new UsageError('say when: --now, --in DUR, or --sweep for every expired record');
  const options: ExpireOptions = args.sweep
    ? { mode: 'sweep' }
    : { mode: 'move', ids, inMs: args.in === undefined ? 0 : durationFlag('--in', args.in), yes: args.yes };
  const report = await withStore(args, (store) => expire(store, options, io));
  await write(io.out, args.json ? `${terminalJson(report)}\n` : expireSummary(report, Date.now()));
}
