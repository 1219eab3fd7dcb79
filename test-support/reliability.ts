import type { SessionRecord, Storage, StorageInput } from '@vessel/core';
import type { OpenBackend } from './backends.js';
import { sessionEntry } from './sessions.js';

/**
 * A clock that runs with real time, plus an offset the test moves by hand (`now: clock.now`).
 * Unlike a frozen fake clock it keeps ticking while a save is in flight, so a TTL worked out
 * from a stale reading shows up as a TTL that outlives the session.
 */
export class OffsetClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;

  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** The full key a session record lives under on a storage opened with `input`. */
export function sessionKey(input: StorageInput, id: string): string {
  return `${input.prefix ?? 'vessel'}:session::${id}`;
}

/**
 * How long, in ms of the backend's own (real) clock, until the backend drops session `id`:
 * Redis's `PTTL`, the SQL `expires` column or file field minus now; for the in-process memory
 * backend, the expiry its scan reports. `undefined` when the key is absent, `null` when it never expires.
 */
export async function backendTtlMs(open: OpenBackend, id: string): Promise<number | null | undefined> {
  const key = sessionKey(open.input, id);
  if (open.rawTtlMs) return open.rawTtlMs(key);
  const expiresAt = open.rawExpiresAt
    ? await open.rawExpiresAt(key)
    : (await sessionEntry(open.storage, id))?.expiresAt;
  return expiresAt == null ? expiresAt : expiresAt - Date.now();
}

/** Ids of every stored session whose `user` is `marker` (a value no other test uses): copies of one login. */
export async function sessionsOfUser(storage: Storage, marker: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of storage.namespace('session').scan()) {
    if ((entry.value as SessionRecord | undefined)?.data?.user === marker) ids.push(entry.key);
  }
  return ids;
}
