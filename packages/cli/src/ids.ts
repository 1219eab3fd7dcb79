import type { Namespace, StorageType } from '@vessel/core';
import { VesselError } from '@vessel/core';
import { UsageError } from './human.js';
import { type Io, write } from './output.js';
import { terminalText } from './terminal-text.js';

/** Shortest id prefix accepted, as `git` asks for at least 4 characters of a hash. */
export const MIN_PREFIX = 4;
/** Characters of an id shown in listings; enough to be unique, short enough to type. */
export const SHORT_ID = 12;

/** An id on the command line that names no session (exit code 1). */
export class UnknownIdError extends VesselError {
  constructor(message: string) {
    super('VESSEL_UNKNOWN_ID', message);
  }
}

/**
 * Shortest whole id: the default `idPattern` accepts 22–128 characters (Vessel makes 32). An id
 * given this long names one session exactly and is never taken as a prefix, so an id that is
 * gone cannot silently match a longer neighbour; abbreviations are shorter.
 */
export const WHOLE_ID_LENGTH = 22;
/** Matches named in the error for an ambiguous prefix. */
const SHOWN_MATCHES = 5;

/** An id from the command line and the stored session id it names. */
export interface ResolvedId {
  /** As given. */
  readonly given: string;
  /** The whole stored id: `given` itself, or the one session `given` is a prefix of. */
  readonly id: string;
}

/** True when `resolved` was found by prefix: acting on it needs a confirmation or `--yes`. */
export function byPrefix(resolved: ResolvedId): boolean {
  return resolved.given !== resolved.id;
}

/**
 * Resolves ids from the command line to stored session ids: an id that exists names itself,
 * anything shorter than `WHOLE_ID_LENGTH` may be the start of exactly one id (like `git`'s
 * abbreviated hashes; callers that change sessions confirm such matches). Prefixes are matched
 * in one key-only scan for all of them; on SQLite, whose scan is in key order, the scan stops
 * once past every prefix's range. Unknown ids fail naming every such id (`UnknownIdError`);
 * ambiguous prefixes are a usage error naming up to five matches.
 */
export async function resolveIds(
  sessions: Namespace,
  storageType: StorageType,
  given: readonly string[],
): Promise<ResolvedId[]> {
  const resolved = new Map<string, ResolvedId>();
  const pending: string[] = [];
  const unknown: string[] = [];
  for (const id of new Set(given)) {
    if (await exists(sessions, id)) resolved.set(id, { given: id, id });
    else if (id.length >= WHOLE_ID_LENGTH) unknown.push(id);
    else pending.push(id);
  }
  const short = pending.filter((id) => id.length < MIN_PREFIX);
  if (short.length > 0)
    throw new UsageError(`id prefix ${quoteList(short)} is too short: give at least ${MIN_PREFIX} characters`);
  const matches = new Map<string, { ids: string[]; count: number }>(pending.map((id) => [id, { ids: [], count: 0 }]));
  if (pending.length > 0) {
    // SQLite compares keys bytewise, which matches JavaScript's order for ASCII ids.
    const ordered = storageType === 'sqlite' && pending.every((id) => /^[\x20-\x7e]*$/.test(id));
    for await (const entry of sessions.scan({ keysOnly: true, includeExpired: true, pageSize: 1000 })) {
      for (const prefix of pending) {
        if (!entry.key.startsWith(prefix)) continue;
        const found = matches.get(prefix) as { ids: string[]; count: number };
        found.count++;
        if (found.ids.length < SHOWN_MATCHES) found.ids.push(entry.key);
      }
      if (ordered && pending.every((prefix) => entry.key > prefix && !entry.key.startsWith(prefix))) break;
    }
  }
  unknown.push(...pending.filter((id) => matches.get(id)?.count === 0));
  if (unknown.length > 0) throw new UnknownIdError(`no session matches ${quoteList(unknown)}`);
  for (const [prefix, found] of matches) {
    if (found.count > 1)
      throw new UsageError(
        `id prefix ${JSON.stringify(prefix)} is ambiguous: it matches ${found.count} sessions (${found.ids.sort().join(', ')}${found.count > found.ids.length ? ', …' : ''}); give more characters`,
      );
    const id = found.ids[0] as string;
    if (!resolved.has(id)) resolved.set(id, { given: prefix, id });
  }
  return [...resolved.values()];
}

/** `id prefix "m2Aty-" matches session m2Aty-a6qq…`: what a prefix was taken to mean. */
export function describeMatch(resolved: ResolvedId): string {
  return `id prefix ${JSON.stringify(resolved.given)} matches session ${resolved.id}`;
}

/**
 * Prints on stderr, one line each, the whole ids that prefixes were taken to mean, so a change
 * made by prefix always shows what it acts on (before the question, or instead of it with `--yes`).
 */
export async function showPrefixMatches(resolved: readonly ResolvedId[], io: Io): Promise<void> {
  for (const match of resolved.filter(byPrefix)) await write(io.err, `${terminalText(describeMatch(match))}\n`);
}

async function exists(sessions: Namespace, id: string): Promise<boolean> {
  try {
    return await sessions.has(id);
  } catch (error) {
    // Not a valid key at all (too long, NUL): it can only be unknown.
    if (error instanceof TypeError) return false;
    throw error;
  }
}

function quoteList(ids: readonly string[]): string {
  return ids.map((id) => JSON.stringify(id)).join(', ');
}
