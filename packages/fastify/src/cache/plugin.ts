import { ConfigError, type Vessel } from '@vessel/core';
import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import '../types.js';

/** Options of `fastifyCache`. */
export interface FastifyCacheOptions {
  /** Whose cache manager `request.cache` is: `createVessel(await loadConfig())`. Required. */
  vessel: Vessel;
}

const plugin: FastifyPluginAsync<FastifyCacheOptions> = async (fastify, options) => {
  const vessel = options?.vessel;
  if (typeof vessel !== 'object' || vessel === null || typeof vessel.cache !== 'object') {
    throw new ConfigError(
      'vessel',
      'required: register fastifyCache with { vessel: createVessel(await loadConfig()) }',
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== 'vessel') throw new ConfigError(key, 'unknown option; fastifyCache takes { vessel } only');
  }
  const { cache } = vessel;
  // A getter: Fastify 5 refuses objects as request decorator values (they would be shared by reference).
  fastify.decorateRequest('cache', { getter: () => cache });
};

/**
 * `request.cache`: the vessel's `CacheManager` (regions, `getCache`, `get` with a dog-pile-safe `createfunc`)
 * in every handler. Route-level response caching is `cacheResponse` (route options).
 *
 * @example
 * await app.register(fastifyCache, { vessel });
 * app.get('/report', (request) => request.cache.getCache('reports', { expire: 60 }).get('daily', { createfunc: buildReport }));
 */
export const fastifyCache = fastifyPlugin(plugin, { name: '@vessel/fastify-cache', fastify: '5.x' });
