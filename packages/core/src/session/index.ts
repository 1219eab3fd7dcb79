export { MIN_COOKIE_KEY_BYTES } from './cookie-crypto.js';
export {
  afterLastCookie,
  readCookie,
  readCookieValues,
  type SetCookieOptions,
  serializeCookie,
} from './cookie-header.js';
export { REVOKED_SESSIONS_NAMESPACE } from './cookie-sessions.js';
export { SessionIdVerifier, type SigningSecret, signSessionId, unsignSessionId } from './cookie-signing.js';
export { developmentSecret } from './development-secret.js';
export { secretFromEnv } from './env-secret.js';
export { DEFAULT_ID_PATTERN, generateSessionId, isValidSessionId } from './ids.js';
export {
  DEFAULT_COOKIE_MAX_LIFETIME_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  type GetSessionOptions,
  MAX_SESSION_COOKIE_LOOKUPS,
  SESSION_NAMESPACE,
  SessionManager,
  type SessionManagerEvents,
} from './manager.js';
export {
  isSealedSessionRecord,
  isSessionRecord,
  isStoredSessionRecord,
  type SealedSessionRecord,
  SessionRecordSealer,
  type SessionRecordSealerOptions,
  type StoredSessionRecord,
  sessionRecord,
  sessionRecordEnded,
  setSessionRecordExpiry,
} from './record.js';
export { Session } from './session.js';
export { MAX_COOKIE_BYTES } from './session-cookie.js';
export { assertSigningSecrets, MIN_SIGNING_SECRET_BYTES } from './signing-secrets.js';
export type * from './types.js';
