import { setTimeout as sleep } from 'node:timers/promises';
import { CorruptEntryError, VesselError } from '../errors.js';
import { encodeOntoBase, type Namespace, serializeRecord, setOwn, type Versioned } from '../storage/index.js';
import { SessionIdVerifier } from './cookie-signing.js';
import { isValidSessionId } from './ids.js';
import {
  type LoadedSession,
  type RejectedSession,
  recordFor,
  type SavedSession,
  type SaveRequest,
  type SessionPersistence,
} from './persistence.js';
import { isSealedSessionRecord, isSessionRecord, type SessionRecordSealer } from './record.js';
import type { SessionRecord } from './types.js';

/** Compare-and-set attempts before a save gives up on a session that others keep rewriting. */
const MAX_SAVE_ATTEMPTS = 100;

/** Options of stored sessions. */
export interface StoredSessionsOptions {
  readonly namespace: Namespace;
  /** Secrets for cookie signatures: the first signs, all verify. Empty without cookies. */
  readonly secrets: readonly string[];
  readonly idPattern: RegExp;
  /** Throw on corrupt records instead of starting fresh sessions. */
  readonly invalidateCorrupt: boolean;
  /** Seals records' data at rest (`session.encryptKey`); `undefined` stores it readable. */
  readonly sealer?: SessionRecordSealer | undefined;
}

/** The storage TTL (ms) for a record written now: what is left of its lifetime, 0 for none. */
function ttlFor(record: SessionRecord, request: SaveRequest): number {
  return record.expires === null ? 0 : Math.max(1, record.expires - request.clock());
}

/** `stored` with this request's `dirty` keys applied from `data`. */
function merge(stored: Record<string, unknown>, data: Record<string, unknown>, dirty: ReadonlySet<string>) {
  const merged = { ...stored };
  for (const key of dirty) {
    if (Object.hasOwn(data, key)) setOwn(merged, key, data[key]);
    else delete merged[key];
  }
  return merged;
}

/** Sessions as records in the storage namespace `session`, named by a signed id in the cookie. */
export function storedSessions(options: StoredSessionsOptions): SessionPersistence {
  const { namespace, secrets, idPattern, invalidateCorrupt, sealer } = options;
  const signatures = new SessionIdVerifier(secrets);

  /** The session stored under `id`: one step after the storage read (a load is on every request). */
  function read(id: string): Promise<LoadedSession | RejectedSession> {
    return namespace.getVersioned(id).then(
      (stored) => loaded(id, stored),
      (error: unknown) => {
        if (!(error instanceof CorruptEntryError) || !invalidateCorrupt) throw error;
        return { ok: false, reason: 'corrupt', id, detail: error.message };
      },
    );
  }

  function loaded(id: string, stored: Versioned<unknown> | undefined): LoadedSession | RejectedSession {
    if (stored === undefined) return { ok: false, reason: 'unknown', id };
    const record = sealer ? sealer.open(id, stored.value)?.record : stored.value;
    if (!isSessionRecord(record)) {
      const detail = !isSealedSessionRecord(stored.value)
        ? 'not a session record'
        : sealer
          ? 'sealed under a key session.encryptKey does not hold'
          : 'sealed, and session.encryptKey is not set';
      if (!invalidateCorrupt) throw new CorruptEntryError(namespace.name, id, detail);
      return { ok: false, reason: 'corrupt', id, detail };
    }
    return { ok: true, id, record, version: stored.version, pristine: pristineOf(record) };
  }

  /** The readable text of a record whose stored version is sealed (`undefined`: the version is readable). */
  function pristineOf(record: SessionRecord): string | undefined {
    return sealer && serializeRecord({ value: record });
  }

  /** What storage holds for `record`: sealed when encryption at rest is on. */
  function atRest(id: string, record: SessionRecord): unknown {
    return sealer ? sealer.seal(id, record) : record;
  }

  function fromId(id: string): Promise<LoadedSession | RejectedSession> {
    if (!isValidSessionId(id, idPattern)) return Promise.resolve({ ok: false, reason: 'invalid-id' });
    return read(id);
  }

  /**
   * Saves by compare-and-set: written over the version this request loaded when nobody wrote
   * since (one round trip), else merged onto a fresh read and tried again. No lock is held, and
   * no update is lost: a write only lands over the exact bytes it was merged onto.
   */
  async function saveExisting(request: SaveRequest): Promise<SavedSession | undefined> {
    const { id } = request;
    let version = request.version;
    let versionKeys = request.versionKeys;
    let created = request.created;
    let data = request.data;
    for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt++) {
      if (version === undefined) {
        const fresh = await read(id);
        // Destroyed by another request, or expired meanwhile: saving must not bring it back.
        if (!fresh.ok || !request.isLive(fresh.record)) return undefined;
        ({ version } = fresh);
        versionKeys = Object.keys(fresh.record.data);
        created = fresh.record.created;
        data = merge(fresh.record.data, request.data, request.dirty);
      }
      const record = recordFor(request, created, data);
      // Keys nobody changed keep their stored text: neither decoded nor encoded again.
      const encoded =
        version === undefined || versionKeys === undefined || sealer
          ? undefined
          : encodeOntoBase(version, versionKeys, record, request.dirty);
      const written = await namespace.setIfVersion(id, version ?? '', atRest(id, record), {
        ttlMs: ttlFor(record, request),
        encoded,
      });
      if (written) return { record, version: written.version, pristine: pristineOf(record) };
      version = undefined;
      versionKeys = undefined;
      // Others are writing this session right now: a short, growing, jittered pause spreads retries.
      if (attempt > 2) await sleep(Math.random() * Math.min(attempt, 20));
    }
    throw new VesselError(
      'VESSEL_SESSION_CONTENDED',
      `session ${id} changed under ${MAX_SAVE_ATTEMPTS} save attempts in a row`,
    );
  }

  return {
    kind: 'stored',

    fromCookie(value) {
      const verified = signatures.verify(value);
      if (!verified) return Promise.resolve({ ok: false, reason: 'bad-signature' });
      const session = fromId(verified.id);
      if (verified.secretIndex === 0) return session;
      return session.then((found) => (found.ok ? { ...found, stale: true } : found));
    },

    fromId,

    async save(request: SaveRequest) {
      if (!request.isNew) return saveExisting(request);
      // Nobody else knows a fresh id yet: a plain write.
      const record = recordFor(request, request.created, request.data);
      await namespace.set(request.id, atRest(request.id, record), { ttlMs: ttlFor(record, request) });
      return { record };
    },

    remove: (id) => namespace.delete(id),

    cookieValue(id) {
      return signatures.sign(id);
    },
  };
}
