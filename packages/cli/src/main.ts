import { VesselError } from '@vessel/core';
import Table from 'cli-table3';
import yargs from 'yargs';
import { openStore, type StoreFlags } from './store.js';

/** Exit codes: 0 done, 1 failure (unreachable store, …), 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** What `info` reports about a store. */
export interface StoreInfo {
  configFile: string | null;
  type: string;
  location: string;
  prefix: string;
  sessions: number;
}

async function info(flags: StoreFlags, json: boolean, out: NodeJS.WritableStream): Promise<void> {
  const { storage, config } = await openStore(flags);
  try {
    if (storage.type === 'memory') {
      throw new VesselError(
        'VESSEL_USAGE',
        'the memory backend lives inside one application process; there is nothing to inspect from outside',
      );
    }
    await storage.ping();
    const report: StoreInfo = {
      configFile: config.configFile ?? null,
      type: storage.type,
      location: storage.location,
      prefix: storage.prefix,
      sessions: await storage.namespace('session').count(),
    };
    if (json) {
      out.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const plain = Boolean(process.env.NO_COLOR) || !(out as NodeJS.WriteStream).isTTY;
    const table = new Table({ style: plain ? { head: [], border: [] } : { head: ['cyan'] } });
    for (const [name, value] of Object.entries(report)) table.push({ [name]: String(value ?? '(none: defaults)') });
    out.write(`${table.toString()}\n`);
  } finally {
    await storage.close();
  }
}

/**
 * Runs `session-inspect` with `argv` (without node and script) and returns the exit code.
 * Errors are one line on stderr; `--debug` adds the stack.
 */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let exitCode: number = EXIT.ok;
  let debug = argv.includes('--debug');
  const parser = yargs([...argv])
    .scriptName('session-inspect')
    .usage('$0 [--config FILE] [--url URL | --type T --cache-dir DIR] [--prefix P] <command>')
    .option('config', { type: 'string', describe: 'application config file (.ini or .json)' })
    .option('url', { type: 'string', describe: 'store URL (redis://, postgres://, sqlite://)' })
    .option('type', { type: 'string', choices: ['sqlite', 'file', 'redis', 'postgres'], describe: 'storage backend' })
    .option('cache-dir', { type: 'string', describe: 'folder of the sqlite/file store' })
    .option('prefix', { type: 'string', describe: 'key prefix' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces' })
    .command(
      'info',
      'where the store is and how many sessions it holds',
      () => {},
      async (args) => {
        debug = Boolean(args.debug);
        await info(
          {
            config: args.config,
            url: args.url,
            type: args.type as StoreFlags['type'],
            cacheDir: args.cacheDir as string | undefined,
            prefix: args.prefix,
          },
          Boolean(args.json),
          out,
        );
      },
    )
    .example('$0 info', 'show the store the app in this folder uses')
    .example('$0 --url redis://127.0.0.1:6379 --prefix myapp info --json', 'a Redis store, as JSON')
    .demandCommand(1, 'name a command')
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`session-inspect: ${message}\nTry session-inspect --help\n`);
      exitCode = EXIT.usage;
    })
    .help()
    .version(false);
  try {
    await parser.parseAsync();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`session-inspect: ${message}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return error instanceof VesselError && error.code === 'VESSEL_USAGE' ? EXIT.usage : EXIT.failure;
  }
  return exitCode;
}
