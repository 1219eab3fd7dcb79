import type { ArgumentsCamelCase } from 'yargs';
import { type GlobalArgs, storeFlags } from './flags.js';
import type { Io } from './output.js';
import { openSessionStore, type SessionStore } from './store.js';

/** What a command's handler gets from the run besides its flags. */
export interface RunContext {
  readonly io: Io;
  /** Ids given after `--`: base64url ids may start with "-", and there they are never flags. */
  readonly trailingIds: readonly string[];
}

/**
 * Where the run context rides on a handler's arguments. yargs merges the parse context into
 * argv; a symbol key cannot be spelled on the command line, and `.strict()` never sees it.
 */
export const RUN_CONTEXT: unique symbol = Symbol('session-inspect run context');

/** The parse context `main` hands to yargs so the handlers find `context`. */
export function parseContext(context: RunContext): { [RUN_CONTEXT]: RunContext } {
  return { [RUN_CONTEXT]: context };
}

/** The run context of a handler's arguments; only `main` runs handlers, so it is always there. */
export function runContext(args: object): RunContext {
  const context = (args as { [RUN_CONTEXT]?: RunContext })[RUN_CONTEXT];
  if (context === undefined) throw new Error('session-inspect: a command ran without its run context');
  return context;
}

/** The ids a command names: its positional ids, then those after `--`. */
export function idsOf(args: object, given: readonly unknown[] | undefined): string[] {
  return [...(given ?? []).map(String), ...runContext(args).trailingIds];
}

/** Opens the session store the flags name, runs `work`, and always closes the store. */
export async function withStore<Result>(
  args: ArgumentsCamelCase<GlobalArgs>,
  work: (store: SessionStore) => Promise<Result>,
): Promise<Result> {
  const store = await openSessionStore(storeFlags(args));
  try {
    return await work(store);
  } finally {
    await store.storage.close();
  }
}
