/**
 * `@vessel/core/http` — the framework-neutral HTTP session layer every adapter (Express, Fastify,
 * Hono, Koa, a plain Fetch handler) translates onto: request facts in, a session, and at the end
 * the `Set-Cookie` values to write.
 * @packageDocumentation
 */
export { isStorageOutage, sessionErrorStatus } from './errors.js';
export { type HttpCommit, HttpRequestSession, type HttpSessionOptions, HttpSessions } from './http-sessions.js';
export { type HttpRequestFacts, isSecureRequest, type SecureRequestParts } from './request-facts.js';
export { sessionProperties } from './session-properties.js';
