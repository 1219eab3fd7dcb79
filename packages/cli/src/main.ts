import { readFileSync } from 'node:fs';
import { StorageUnavailableError, VesselError } from '@vessel/core';
import yargs from 'yargs';
import * as expire from './commands/expire.js';
import * as info from './commands/info.js';
import * as inspect from './commands/inspect.js';
import * as list from './commands/list.js';
import * as purge from './commands/purge.js';
import * as stats from './commands/stats.js';
import { parseContext } from './context.js';
import { globalOptions } from './flags.js';
import { UsageError } from './human.js';
import { type Io, processIo } from './output.js';
import { terminalLines, terminalText } from './terminal-text.js';

export type { StoreInfo } from './commands/info.js';

/** This package's version, from its package.json (one folder up from `src/` and `dist/` alike); read when asked. */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Exit codes: 0 done, 1 failure (no store, unreachable store, unknown id, declined prompt), 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

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
  if (flagsAndIds.includes('--version') || flagsAndIds.includes('-V')) {
    io.out.write(`session-inspect ${cliVersion()}\n`);
    return EXIT.ok;
  }
  // `--version` is answered above, on this `io`; yargs' own would print to the console.
  const parser = globalOptions(yargs().version(false))
    .scriptName('session-inspect')
    .usage('$0 [--config FILE] [--url URL | --type T --cache-dir DIR] [--prefix P] <command>')
    .command(info)
    .command(list)
    .command(inspect)
    .command(purge)
    .command(expire)
    .command(stats)
    .example('$0 list', 'sessions of the app in this folder (vessel.ini, vessel.config.json or ./data)')
    .example('$0 --url redis://127.0.0.1:6379 --prefix myapp stats', 'a Redis store')
    .example('$0 --config /srv/app/production.ini purge --older-than 30d', "another app's store")
    .epilogue(
      'Exit codes: 0 done, 1 failure (no store, store unreachable, unknown id), 2 usage error. NO_COLOR turns colour off.',
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
    .option('version', { alias: 'V', type: 'boolean', describe: 'print the version and exit' });
  try {
    await parser.parseAsync(flagsAndIds, parseContext({ io, trailingIds }));
  } catch (error) {
    // Messages quote ids and flag values, which may hold anything: escaped like every other output.
    io.err.write(`session-inspect: ${terminalText(errorLine(error))}\n`);
    if (debug && error instanceof Error && error.stack) io.err.write(`${terminalLines(error.stack)}\n`);
    return exitCodeOf(error);
  }
  return EXIT.ok;
}
