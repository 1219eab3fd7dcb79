import { VesselError } from '@vessel/core';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { confirm } from '../confirm.js';
import { idsOf, runContext, withStore } from '../context.js';
import { type GlobalArgs, type SelectionArgs, selectionFrom, selectionOptions } from '../flags.js';
import { formatElapsed, sessions as nSessions, UsageError } from '../human.js';
import { resolveIds, showPrefixMatches } from '../ids.js';
import { type Io, write } from '../output.js';
import { Progress } from '../progress.js';
import { type Selection, selects, selectsEverything } from '../query.js';
import { toSessionView } from '../session-view.js';
import type { SessionStore } from '../store.js';
import { terminalJson, terminalText } from '../terminal-text.js';

/** Deletes in flight at once: enough to hide a network round trip, few enough to stay polite. */
const CONCURRENCY = 32;

/** Options of `purge`. */
export interface PurgeOptions {
  /** Whole ids or unique prefixes. */
  readonly ids: readonly string[];
  readonly all: boolean;
  readonly selection: Selection;
  /** The selection in words, for the prompt and the summary. */
  readonly described: string;
  readonly dryRun: boolean;
  /** Skip the confirmation. */
  readonly yes: boolean;
  readonly json: boolean;
}

/** What a purge did (or, with `--dry-run`, would do). */
export interface PurgeReport {
  readonly dryRun: boolean;
  /** Sessions deleted, or that would be. */
  readonly purged: number;
  readonly selection: string;
  readonly store: string;
  readonly seconds: number;
}

/** Runs deletes with at most `CONCURRENCY` in flight; the first failure is rethrown. */
class DeletePool {
  readonly #inFlight = new Set<Promise<void>>();
  deleted = 0;
  #failure: unknown;

  async add(remove: () => Promise<boolean>): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    const task: Promise<void> = remove().then(
      (gone) => {
        if (gone) this.deleted++;
      },
      (error: unknown) => {
        this.#failure ??= error;
      },
    );
    const tracked = task.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    if (this.#inFlight.size >= CONCURRENCY) await Promise.race(this.#inFlight);
  }

  async drain(): Promise<number> {
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
    return this.deleted;
  }
}

/**
 * Deletes sessions by id, all of them, or those a selection picks, from the `session` namespace
 * only: caches and foreign keys sharing the store are out of its reach. Asks first on a
 * terminal; refuses without one unless `--yes`.
 */
export async function purge(store: SessionStore, options: PurgeOptions, io: Io): Promise<PurgeReport> {
  const byCriteria = !selectsEverything(options.selection);
  const modes = [options.ids.length > 0, options.all, byCriteria].filter(Boolean).length;
  if (modes === 0)
    throw new UsageError('say what to purge: session ids, --all, or --older-than/--idle-longer-than/--where/--corrupt');
  if (modes > 1)
    throw new UsageError('give either session ids, --all, or criteria (--older-than, --where, …), not several');
  if (!options.dryRun && !options.yes && !io.interactive)
    throw new UsageError(
      'refusing to delete sessions without confirmation: no terminal to ask on; add --yes (or --dry-run to see what would go)',
    );
  const { sessions, storage } = store;
  // The time reported is the work's, not the person's at the prompt: reset once they said yes.
  let started = Date.now();
  const report = (purged: number): PurgeReport => ({
    dryRun: options.dryRun,
    purged,
    selection: options.described,
    store: storage.location,
    seconds: (Date.now() - started) / 1000,
  });
  const resolved = options.ids.length > 0 ? await resolveIds(sessions, storage.type, options.ids) : [];
  const ids = resolved.map((match) => match.id);
  const ask = async (count: number): Promise<boolean> => {
    if (options.yes) return true;
    const yes = await confirm(`Delete ${nSessions(count)} (${options.described}) from ${storage.location}?`, io);
    started = Date.now();
    return yes;
  };

  if (options.ids.length > 0) {
    await showPrefixMatches(resolved, io);
    if (options.dryRun) {
      if (!options.json) for (const id of ids) await write(io.out, `${terminalText(id)}\n`);
      return report(ids.length);
    }
    if (!(await ask(ids.length))) return aborted();
    const pool = new DeletePool();
    for (const id of ids) await pool.add(() => sessions.delete(id));
    return report(await pool.drain());
  }

  if (options.all) {
    if (options.dryRun) {
      // What would go, id by id, as for any other selection.
      let listed = 0;
      for await (const entry of sessions.scan({ includeExpired: true })) {
        listed++;
        if (!options.json) await write(io.out, `${terminalText(entry.key)}\n`);
      }
      return report(listed);
    }
    const count = await sessions.count({ includeExpired: true });
    if (count === 0) return report(count);
    if (!(await ask(count))) return aborted();
    // One bulk statement per page on the backend (SCAN + UNLINK, batched DELETE): the namespace's range only.
    await sessions.clear();
    return report(count);
  }

  const now = Date.now();
  const matching = async function* () {
    for await (const entry of sessions.scan({ includeExpired: true })) {
      const view = toSessionView(entry, store.formats);
      if (selects(options.selection, view, now)) yield view.id;
    }
  };
  if (options.dryRun) {
    let count = 0;
    for await (const id of matching()) {
      count++;
      if (!options.json) await write(io.out, `${terminalText(id)}\n`);
    }
    return report(count);
  }
  if (!options.yes) {
    let count = 0;
    for await (const _ of matching()) count++;
    if (count === 0) return report(0);
    if (!(await ask(count))) return aborted();
  }
  const total = await sessions.count({ includeExpired: true });
  const progress = new Progress(io.err, 'deleted', total);
  const pool = new DeletePool();
  let scanned = 0;
  for await (const entry of sessions.scan({ includeExpired: true })) {
    scanned++;
    const view = toSessionView(entry, store.formats);
    if (selects(options.selection, view, now)) await pool.add(() => sessions.delete(view.id));
    progress.update(pool.deleted, scanned);
  }
  const purged = await pool.drain();
  await progress.done();
  return report(purged);
}

/** The person at the terminal said no: exit code 1, nothing was deleted. */
export class PurgeDeclinedError extends VesselError {
  constructor() {
    super('VESSEL_ABORTED', 'aborted: nothing deleted');
  }
}

function aborted(): never {
  throw new PurgeDeclinedError();
}

/** The one-line summary of a purge. */
export function purgeSummary(report: PurgeReport): string {
  const what = terminalText(`${nSessions(report.purged)} (${report.selection}) from ${report.store}`);
  return report.dryRun ? `would purge ${what}\n` : `purged ${what} in ${formatElapsed(report.seconds)}\n`;
}

/** `purge`'s arguments. */
interface PurgeArgs extends GlobalArgs, SelectionArgs {
  ids?: string[] | undefined;
  all: boolean;
  'dry-run': boolean;
  yes: boolean;
}

/** The yargs command: `purge` with ids or prefixes, `--all`, or selection flags. */
export const command = 'purge [ids..]';
/** The line `--help` shows for `purge`. */
export const describe = 'delete sessions: by id, --all, or by age, idleness or data';

/** Declares `purge`'s ids and flags; the selection flags are `selectionOptions`' (data criterion `--where`). */
export function builder(argv: Argv<GlobalArgs>): Argv<PurgeArgs> {
  const withIds = argv
    .positional('ids', {
      type: 'string',
      array: true,
      describe: 'session ids, or unique prefixes (4 to 21 characters; asks first)',
    })
    .option('all', { type: 'boolean', default: false, describe: 'every session (never caches or other keys)' });
  return selectionOptions(withIds, { dataFlag: 'where', narrows: false })
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
    .example('$0 purge --corrupt --yes', 'remove records that cannot be read');
}

/** Purges what the ids, `--all` or the selection name, and prints the summary. */
export async function handler(args: ArgumentsCamelCase<PurgeArgs>): Promise<void> {
  const { io } = runContext(args);
  const { selection, described } = selectionFrom(args);
  const ids = idsOf(args, args.ids);
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
}
