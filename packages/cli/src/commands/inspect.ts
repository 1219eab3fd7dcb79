import { CorruptEntryError, type StorageEntry } from '@vessel/core';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { idsOf, runContext, withStore } from '../context.js';
import type { GlobalArgs } from '../flags.js';
import { formatBytes, formatRelative, formatTime, UsageError } from '../human.js';
import { resolveIds, UnknownIdError } from '../ids.js';
import { type Io, keyValueTable, write } from '../output.js';
import { type SessionView, toSessionView } from '../session-view.js';
import type { SessionStore } from '../store.js';
import { terminalJson, terminalText } from '../terminal-text.js';
import { renderTree } from '../values.js';
import { sessionJson } from './list.js';

/** The expiry a SQL or file backend wrote at the head of the stored record, if any. */
function embeddedExpiry(raw: string): number | null {
  const match = /^\{"expires":(-?\d+|null)[,}]/.exec(raw);
  return match?.[1] === undefined || match[1] === 'null' ? null : Number(match[1]);
}

/** Reads one session by whole id; corrupt records come back as corrupt views. */
export async function readSession(store: SessionStore, id: string): Promise<SessionView | undefined> {
  let entry: StorageEntry;
  try {
    const stored = await store.sessions.getVersioned(id);
    if (stored === undefined) return undefined;
    // The version is the stored text: its size, and on SQL/file backends the storage expiry.
    entry = {
      key: id,
      size: Buffer.byteLength(stored.version),
      expiresAt: embeddedExpiry(stored.version),
      value: stored.value,
    };
  } catch (error) {
    if (!(error instanceof CorruptEntryError)) throw error;
    const found = await findEntry(store, id);
    if (!found) throw error;
    entry = found;
  }
  return toSessionView(entry, store.formats);
}

/** The scanned entry of `id`, for records `get` refuses to decode (their size and reason). */
async function findEntry(store: SessionStore, id: string): Promise<StorageEntry | undefined> {
  for await (const entry of store.sessions.scan({ includeExpired: true })) if (entry.key === id) return entry;
  return undefined;
}

/** Shows one session (a whole id or a unique prefix): metadata, then the data as a tree. */
export async function inspect(store: SessionStore, given: string, json: boolean, io: Io): Promise<void> {
  const [match] = await resolveIds(store.sessions, store.storage.type, [given]);
  const view = match === undefined ? undefined : await readSession(store, match.id);
  if (view === undefined) throw new UnknownIdError(`no session matches "${given}" (it expired or was deleted)`);
  if (json) {
    await write(io.out, `${terminalJson(sessionJson(view), 2)}\n`);
    return;
  }
  const now = Date.now();
  const rows: [string, string][] = [
    ['id', view.id],
    ['created', view.created === null ? '-' : `${formatTime(view.created)} UTC (${formatRelative(view.created, now)})`],
    [
      'last access',
      view.accessed === null ? '-' : `${formatTime(view.accessed)} UTC (${formatRelative(view.accessed, now)})`,
    ],
    [
      'expires',
      view.expires === null ? 'never' : `${formatTime(view.expires)} UTC (${formatRelative(view.expires, now)})`,
    ],
    ['size', formatBytes(view.size)],
  ];
  if (view.corrupt !== undefined) rows.push(['CORRUPT', view.corrupt]);
  else if (view.encrypted) rows.push(['ENCRYPTED', ENCRYPTED_HINT]);
  else rows.push(['keys', String(Object.keys(view.data).length)]);
  await write(io.out, `${keyValueTable(rows, io.out)}\n`);
  if (view.corrupt === undefined && !view.encrypted) {
    const tree = renderTree(view.data).map(terminalText);
    await write(io.out, `data\n${tree.length === 0 ? '(empty)\n' : `${tree.join('\n')}\n`}`);
  }
}

/** What `inspect` says of data it cannot open. */
const ENCRYPTED_HINT =
  "the data is sealed with session.encrypt_key, and the config read here holds no key that opens it (run with the app's --config)";

/** `inspect`'s arguments: the global flags and one id. */
interface InspectArgs extends GlobalArgs {
  id?: string | undefined;
}

/** The yargs command: `inspect ID`, the id optional to yargs so an id after `--` can stand in for it. */
export const command = 'inspect [id]';
/** The line `--help` shows for `inspect`. */
export const describe = 'one session: metadata, and its data as a tree with types';

/** Declares `inspect`'s id. */
export function builder(argv: Argv<GlobalArgs>): Argv<InspectArgs> {
  return argv
    .positional('id', {
      type: 'string',
      demandOption: true,
      describe: 'session id, or a unique prefix of one (4 to 21 characters)',
    })
    .example('$0 inspect 3q2-x9Ab', 'the session whose id starts with 3q2-x9Ab')
    .example('$0 inspect 3q2-x9Ab --json', 'the same as JSON (dates as ISO strings)')
    .example('$0 inspect -- -FQQJ9', 'an id that starts with "-" goes after --');
}

/** Prints the one session named, by whole id or unique prefix. */
export async function handler(args: ArgumentsCamelCase<InspectArgs>): Promise<void> {
  const ids = idsOf(args, args.id === undefined ? [] : [args.id]);
  if (ids.length !== 1) throw new UsageError('name one session: inspect ID (ids starting with "-" go after --)');
  await withStore(args, (store) => inspect(store, ids[0] as string, args.json, runContext(args).io));
}
