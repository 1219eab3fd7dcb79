import { CorruptEntryError } from '../errors.js';
import { setOwn } from '../storage/codec.js';
import type { Namespace } from '../storage/types.js';
import { signSessionId, verifySessionId } from './cookie-signing.js';
import { isValidSessionId } from './ids.js';
import {
  isSessionRecord,
  type LoadedSession,
  type RejectedSession,
  type SaveRequest,
  type SessionPersistence,
} from './persistence.js';
import type { SessionRecord } from './types.js';

/** Lock on one session while a save merges onto the stored copy, ms. */
const SAVE_LOCK = { ttlMs: 10_000, waitMs: 5_000 };

/** Options of stored sessions. */
export interface StoredSessionsOptions {
  readonly namespace: Namespace;
  /** Secrets for cookie signatures: the first signs, all verify. Empty without cookies. */
  readonly secrets: readonly string[];
  readonly idPattern: RegExp;
  /** Throw on corrupt records instead of starting fresh sessions. */
  readonly invalidateCorrupt: boolean;
}

function ttlFor(record: SessionRecord, now: number): number {
  return record.expires === null ? 0 : Math.max(1, record.expires - now);
}

/** Sessions as records in the storage namespace `session`, named by a signed id in the cookie. */
export function storedSessions(options: StoredSessionsOptions): SessionPersistence {
  const { namespace, secrets, idPattern, invalidateCorrupt } = options;

  async function read(id: string): Promise<SessionRecord | RejectedSession> {
    let stored: unknown;
    try {
      stored = await namespace.get(id);
    } catch (error) {
      if (!(error instanceof CorruptEntryError) || !invalidateCorrupt) throw error;
      return { ok: false, reason: 'corrupt', id, detail: error.message };
    }
    if (stored === undefined) return { ok: false, reason: 'unknown', id };
    if (!isSessionRecord(stored)) {
      if (!invalidateCorrupt) throw new CorruptEntryError(namespace.name, id, 'not a session record');
      return { ok: false, reason: 'corrupt', id, detail: 'not a session record' };
    }
    return stored;
  }

  async function fromId(id: string): Promise<LoadedSession | RejectedSession> {
    if (!isValidSessionId(id, idPattern)) return { ok: false, reason: 'invalid-id' };
    const record = await read(id);
    return 'ok' in record ? record : { ok: true, id, record };
  }

  return {
    kind: 'stored',

    async fromCookie(value) {
      const verified = verifySessionId(value, secrets);
      if (!verified) return { ok: false, reason: 'bad-signature' };
      const loaded = await fromId(verified.id);
      return loaded.ok && verified.secretIndex > 0 ? { ...loaded, stale: true } : loaded;
    },

    fromId,

    async save(request: SaveRequest) {
      const { id, now } = request;
      if (request.isNew) {
        // Nobody else knows a fresh id yet: no lock, no merge.
        const record: SessionRecord = {
          created: request.created,
          accessed: now,
          expires: request.expiryFor(request.created),
          data: request.data,
        };
        await namespace.set(id, record, { ttlMs: ttlFor(record, now) });
        return record;
      }
      return namespace.withLock(
        id,
        async () => {
          const stored = await read(id);
          // Destroyed by another request, or expired meanwhile: saving must not bring it back.
          if ('ok' in stored || !request.isLive(stored)) return undefined;
          const data = { ...stored.data };
          for (const key of request.dirty) {
            if (Object.hasOwn(request.data, key)) setOwn(data, key, request.data[key]);
            else delete data[key];
          }
          const record: SessionRecord = {
            created: stored.created,
            accessed: now,
            expires: request.expiryFor(stored.created),
            data,
          };
          await namespace.set(id, record, { ttlMs: ttlFor(record, now) });
          return record;
        },
        SAVE_LOCK,
      );
    },

    async remove(id) {
      await namespace.delete(id);
    },

    cookieValue(id) {
      const [signing] = secrets;
      if (signing === undefined) throw new Error('session cookies need a secret');
      return signSessionId(id, signing);
    },
  };
}
