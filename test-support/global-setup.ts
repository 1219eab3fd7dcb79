import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './redis-cluster.js';
import { requireServices } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Seed URLs of the private Redis cluster this run started. */
    redisClusterSeeds: string[];
  }
}

/**
 * Checks the shared servers answer (failing the run at once when one does not), then starts the
 * services a test run owns (today: a private Redis cluster) and stops them after.
 */
export default async function setup(project: TestProject) {
  await requireServices();
  const cluster = await startRedisCluster();
  project.provide('redisClusterSeeds', cluster.seeds);
  return () => cluster.stop();
}
