import { VesselError } from '../errors.js';
import { deserializeRecord, serializeRecord } from '../storage/record.js';
import { CookieSealer } from './cookie-crypto.js';
import { isSessionRecord, recordFor, type SessionPersistence } from './persistence.js';

/**
 * Cookie-only sessions: the whole record, sealed, is the cookie. Nothing is stored server-side,
 * so there is nothing to merge: of two parallel requests, the browser keeps the later cookie.
 */
export function cookieSessions(secrets: readonly string[]): SessionPersistence {
  const sealer = new CookieSealer(secrets);

  return {
    kind: 'cookie',

    async fromCookie(value) {
      const opened = sealer.open(value);
      if (opened === undefined) return { ok: false, reason: 'undecryptable' };
      let payload: unknown;
      try {
        payload = deserializeRecord(opened.plaintext).value;
      } catch (error) {
        return { ok: false, reason: 'corrupt', detail: (error as Error).message };
      }
      const { id, ...record } = (payload ?? {}) as { id?: unknown };
      if (typeof id !== 'string' || !isSessionRecord(record))
        return { ok: false, reason: 'corrupt', detail: 'not a session' };
      // The plaintext doubles as the pristine copy the manager compares edits against.
      return { ok: true, id, record, stale: !opened.current, version: opened.plaintext };
    },

    async fromId() {
      throw new VesselError(
        'VESSEL_UNSUPPORTED',
        'cookie-only sessions live in the cookie; they cannot be loaded by id',
      );
    },

    async save(request) {
      return { record: recordFor(request, request.created, request.data) };
    },

    // Nothing is stored: the cookie is all there is, and the manager expires it.
    remove: async () => true,

    cookieValue(id, record) {
      return sealer.seal(serializeRecord({ value: { id, ...record } }));
    },
  };
}
