/**
 * Session stores for the CLI suite: records in Vessel's session format
 * (`{ created, accessed, expires, data }`, namespace `session`), loaded with the storage suite's
 * bulk paths (`fillSqlite` / `fillRedis` with a session-record `valueFor`). `checkSessionLayout`
 * proves the bytes are what `SessionManager` writes; `checkSessions` reads samples back through
 * `SessionManager.get`, so the CLI sees real sessions, not look-alikes.
 */
import { isDeepStrictEqual } from 'node:util';
import { SessionManager } from '@vessel/core';
import { fillRedis, fillSqlite, fullKey, readRaw, recordText, sessionId, sessionValue } from '../storage/fill.mjs';
import { HOUR_MS, NAMESPACE } from '../storage/measure.mjs';

/** Session timeout of the loaded sessions (and their Redis TTL): long enough for a run, short enough to clean up after a crash. */
export const TIMEOUT_MS = 2 * HOUR_MS;
const SECRET = 'vessel-bench-cli, a secret of 32 bytes or more';

/**
 * The session record of entry `index`: the storage suite's ~200-byte value as the data, created at
 * `createdAt`, last accessed up to a minute later, expiring at `expiresAt(index)` (default: a
 * timeout after the last access, as `SessionManager` sets it).
 */
export function sessionRecord(seed, index, createdAt, expiresAt) {
  const { created, accessed, ...data } = sessionValue(seed, index, createdAt);
  return { created, accessed, expires: expiresAt ? expiresAt(index) : accessed + TIMEOUT_MS, data };
}

/**
 * Writes one session through `SessionManager` (id `probe…`, deleted afterwards) and compares the
 * stored bytes with `recordText(sessionRecord(…))` for the same times. Throws on any difference.
 * `target`: `{ type: 'sqlite', file }` or `{ type: 'redis', url }`. Returns the record's bytes.
 */
export async function checkSessionLayout(storage, target, { seed }) {
  const now = Date.now();
  const id = `probe${sessionId(seed, 42)}`;
  const { data } = sessionRecord(seed, 42, now);
  const manager = new SessionManager(
    { secret: SECRET, timeout: TIMEOUT_MS / 1000, generateId: () => id, now: () => now },
    storage,
  );
  const session = await manager.load({});
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  await session.save();
  await manager.commit(session);
  try {
    const raw = await readRaw(target, fullKey(storage.prefix, NAMESPACE, id));
    const record = { created: now, accessed: now, expires: now + TIMEOUT_MS, data };
    const expected = recordText(record, target.type === 'sqlite' ? raw.expiresAt : null);
    if (raw.text !== expected) {
      throw new Error(
        `bench loader and SessionManager disagree on ${target.type} session records:\n  vessel: ${raw.text}\n  bench:  ${expected}`,
      );
    }
    return Buffer.byteLength(expected);
  } finally {
    await storage.namespace(NAMESPACE).delete(id);
  }
}

/**
 * Grows a SQLite store from `from` to `to` sessions (the schema must exist). The storage expiry
 * (the `expires` column) is the record's own, as `SessionManager` sets it.
 */
export async function growSqlite(file, { seed, from, to, createdAt, expiresAt }) {
  const start = process.hrtime.bigint();
  const recordOf = (index) => sessionRecord(seed, index, createdAt, expiresAt);
  await fillSqlite(file, {
    prefix: 'vessel',
    namespace: NAMESPACE,
    seed,
    from,
    entries: to,
    createdAt,
    valueFor: recordOf,
    expiresAt: (index) => recordOf(index).expires,
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Grows a Redis store under `prefix` from `from` to `to` sessions, each with a `TIMEOUT_MS` TTL. */
export async function growRedis(url, { prefix, seed, from, to, createdAt }) {
  const start = process.hrtime.bigint();
  await fillRedis(url, {
    prefix,
    namespace: NAMESPACE,
    seed,
    from,
    entries: to,
    createdAt,
    ttlMs: TIMEOUT_MS,
    valueFor: (index) => sessionRecord(seed, index, createdAt),
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Loads a few sessions of `[0, entries)` back through `SessionManager.get` and checks their data. */
export async function checkSessions(storage, { seed, entries, createdAt }) {
  const manager = new SessionManager({ secret: SECRET, timeout: TIMEOUT_MS / 1000 }, storage);
  const indexes = [0, Math.floor(entries / 3), Math.floor(entries / 2), entries - 1];
  for (const index of indexes) {
    const session = await manager.get(sessionId(seed, index));
    const expected = sessionRecord(seed, index, createdAt).data;
    if (!session || !isDeepStrictEqual(Object.fromEntries(session.entries()), expected)) {
      throw new Error(`session ${index} read back through SessionManager as ${JSON.stringify(session?.toJSON())}`);
    }
  }
  return indexes.length;
}
