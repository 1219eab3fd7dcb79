import type { Namespace, StorageType } from '@vessel/core';
import { VesselError } from '@vessel/core';
import { UsageError } from './human.js';

/** Shortest id prefix accepted, as `git` asks for at least 4 characters of a hash. */
export const MIN_PREFIX = 4;
/** Characters of an id shown in listings; enough to be unique, short enough to type. */
export const SHORT_ID = 12;

/** An id on the command line that names no session, or more than one. */
export class UnknownIdError extends VesselError {
  constructor(message: string) {
    super('VESSEL_UNKNOWN_ID', message);
  }
}

/**
 * Resolves ids from the command line to stored session ids: a whole id names itself, anything
 * else must be the start of exactly one id (like `git`'s abbreviated hashes). Prefixes are
 * matched in one key-only scan for all of them; on SQLite, whose scan is in key order, the scan
 * stops once past every prefix's range. Unknown or ambiguous ids fail naming every such id.
 */
export async function resolveIds(
  sessions: Namespace,
  storageType: StorageType,
  given: readonly string[],
): Promise<string[]> {
  const resolved = new Map<string, string>();
  const pending: string[] = [];
  for (const id of new Set(given)) {
    if (await exists(sessions, id)) resolved.set(id, id);
    else pending.push(id);
  }
  if (pending.length > 0) {
    const short = pending.filter((id) => id.length < MIN_PREFIX);
    if (short.length > 0)
      throw new UsageError(`id prefix ${quoteList(short)} is too short: give at least ${MIN_PREFIX} characters`);
    const matches = new Map<string, string[]>(pending.map((id) => [id, []]));
    // SQLite compares keys bytewise, which matches JavaScript's order for ASCII ids.
    const ordered = storageType === 'sqlite' && pending.every((id) => /^[\x20-\x7e]*$/.test(id));
    for await (const entry of sessions.scan({ keysOnly: true, includeExpired: true, pageSize: 1000 })) {
      for (const prefix of pending) {
        const found = matches.get(prefix) as string[];
        if (entry.key.startsWith(prefix) && found.length < 5) found.push(entry.key);
      }
      if (ordered && pending.every((prefix) => entry.key > prefix && !entry.key.startsWith(prefix))) break;
    }
    const unknown = pending.filter((id) => matches.get(id)?.length === 0);
    if (unknown.length > 0) throw new UnknownIdError(`no session matches ${quoteList(unknown)}`);
    for (const [prefix, found] of matches) {
      if (found.length > 1)
        throw new UnknownIdError(
          `id prefix "${prefix}" is ambiguous: it matches ${found.sort().join(', ')}${found.length === 5 ? ', …' : ''}; give more characters`,
        );
      resolved.set(prefix, found[0] as string);
    }
  }
  return [...new Set(resolved.values())];
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
