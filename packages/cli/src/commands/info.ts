import type { ArgumentsCamelCase, Argv } from 'yargs';
import { runContext, withStore } from '../context.js';
import type { GlobalArgs } from '../flags.js';
import { type Io, keyValueTable, write } from '../output.js';
import type { SessionStore } from '../store.js';
import { terminalJson } from '../terminal-text.js';

/** What `info` reports about a store. */
export interface StoreInfo {
  configFile: string | null;
  type: string;
  location: string;
  prefix: string;
  sessions: number;
}

/** Where the store is, and how many live sessions it holds. */
export async function info(store: SessionStore, json: boolean, io: Io): Promise<void> {
  const { storage, config } = store;
  await storage.ping();
  const report: StoreInfo = {
    configFile: config.configFile ?? null,
    type: storage.type,
    location: storage.location,
    prefix: storage.prefix,
    sessions: await store.sessions.count(),
  };
  if (json) {
    await write(io.out, `${terminalJson(report, 2)}\n`);
    return;
  }
  const rows = Object.entries(report).map(([name, value]): [string, string] => [
    name,
    String(value ?? '(none: defaults)'),
  ]);
  await write(io.out, `${keyValueTable(rows, io.out)}\n`);
}

/** The yargs command: `info` takes only the global flags. */
export const command = 'info';
/** The line `--help` shows for `info`. */
export const describe = 'where the store is and how many sessions it holds';

/** `info`'s example (it has no flags of its own). */
export function builder(argv: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return argv.example('$0 info', 'the store the app in this folder uses');
}

/** Opens the store, reports on it, closes it. */
export async function handler(args: ArgumentsCamelCase<GlobalArgs>): Promise<void> {
  await withStore(args, (store) => info(store, args.json, runContext(args).io));
}
