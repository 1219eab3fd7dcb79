/**
 * @vessel/fastify — Fastify 5 plugins over Vessel: `fastifySession`, a rename away from
 * @fastify/session, over the framework-neutral session layer of `@vessel/core/http`
 * (`session/`), and `fastifyCache`, the vessel's cache manager as `request.cache` (`cache/`).
 * Importing the package types `request.session`, `request.sessionStore`, `request.loadSession`
 * and `request.cache` (`types.ts`).
 * @packageDocumentation
 */
import './types.js';
import { fastifySession } from './session/plugin.js';

/** Core's `secretFromEnv`, here so that an app needs one import: `secret: secretFromEnv()`. */
export { secretFromEnv } from '@vessel/core';
export { type FastifyCacheOptions, fastifyCache } from './cache/plugin.js';
export { type CacheResponseHooks, cacheResponse, type FastifyCacheResponseOptions } from './cache/response.js';
export type { FastifySessionCookieOptions, FastifySessionOptions } from './session/options.js';
export { fastifySession } from './session/plugin.js';
export type { FastifySessionMethods, SessionCallback } from './session/session-object.js';

export default fastifySession;
