import { ConfigError, VesselError } from '../errors.js';
import { deserializeRecord, type Namespace, serializeRecord } from '../storage/index.js';
import { CookieSealer, MIN_COOKIE_KEY_BYTES } from './cookie-crypto.js';
import { recordFor, type SessionPersistence } from './persistence.js';
import { isSessionRecord } from './record.js';

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

/**
 * The keys cookie-only sessions seal with (`encryptKey`, then each secret; the first seals, all
 * open), each checked to hold `MIN_COOKIE_KEY_BYTES`: a short one, even an old one kept for
 * rotation, would let one cookie confirm guesses of it offline and forge sessions after.
 * The error names the option and the position in the list, never the value.
 */
export function cookieSessionKeys(
  secret: readonly string[] | undefined,
  encryptKey: readonly string[] | undefined,
): string[] {
  const secrets = secret ?? [];
  const encryptKeys = encryptKey ?? [];
  if (encryptKeys.length === 0 && secrets.length === 0) {
    throw new ConfigError(
      'session.secret',
      'cookie-only sessions need a secret (or session.encryptKey) to encrypt with',
    );
  }
  const short = (value: string) => Buffer.byteLength(value, 'utf8') < MIN_COOKIE_KEY_BYTES;
  const needed = `cookie-only sessions need at least ${MIN_COOKIE_KEY_BYTES} bytes of random key material (e.g. \`openssl rand -base64 32\`)`;
  assertEncryptKeys(encryptKeys);
  const index = secrets.findIndex(short);
  if (index >= 0) {
    const ordinal = ORDINALS[index];
    const which =
      secrets.length === 1
        ? 'the secret given is'
        : ordinal
          ? `the ${ordinal} secret in the list is`
          : `secret #${index + 1} in the list is`;
    throw new ConfigError('session.secret', `${needed}; ${which} shorter`);
  }
  return [...encryptKeys, ...secrets];
}

/**
 * Checks that each `session.encryptKey` holds `MIN_COOKIE_KEY_BYTES`; the error names the
 * position in the list, never the value.
 */
export function assertEncryptKeys(keys: readonly string[]): void {
  const index = keys.findIndex((key) => Buffer.byteLength(key, 'utf8') < MIN_COOKIE_KEY_BYTES);
  if (index < 0) return;
  const which = keys.length === 1 ? 'the key given is' : `key #${index + 1} in the list is`;
  throw new ConfigError(
    'session.encryptKey',
    `needs at least ${MIN_COOKIE_KEY_BYTES} bytes of random key material (e.g. \`openssl rand -base64 32\`); ${which} shorter`,
  );
}

/** The storage namespace of the revocation list (`revocationList`): ids of ended cookie-only sessions. */
export const REVOKED_SESSIONS_NAMESPACE = 'session-revoked';

/** Options of cookie-only sessions. */
export interface CookieSessionsOptions {
  /** Key material from `cookieSessionKeys`: the first seals, all open. */
  readonly keys: readonly string[];
  /** `session.validateKey`, mixed into every key (Beaker's `validate_key`). */
  readonly validateKey?: string | undefined;
  /** The revocation list, when on. */
  readonly revoked?:
    | {
        readonly namespace: Namespace;
        /** How long an entry is kept (ms): no copy of a cookie opens longer than this after it was revoked. */
        readonly keepMs: number;
        readonly now: () => number;
      }
    | undefined;
}

/**
 * Cookie-only sessions: the whole record, sealed, is the cookie. Nothing is stored server-side,
 * so there is nothing to merge: of two parallel requests, the browser keeps the later cookie.
 * Removing a session only works with the revocation list: its id is then refused until every
 * copy of its cookie has expired; without it, removing is left to the browser.
 */
export function cookieSessions(options: CookieSessionsOptions): SessionPersistence {
  const sealer = new CookieSealer(options.keys, { validateKey: options.validateKey });
  const { revoked } = options;

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
      // A storage outage throws here, as for stored sessions: never read as "not revoked".
      if (revoked && (await revoked.namespace.has(id))) return { ok: false, reason: 'revoked', id };
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
    async remove(id) {
      if (revoked) await revoked.namespace.set(id, { revokedAt: revoked.now() }, { ttlMs: revoked.keepMs });
      return true;
    },

    cookieValue(id, record) {
      return sealer.seal(serializeRecord({ value: { id, ...record } }));
    },
  };
}
