import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { prepareConsumerApp } from '../consumer/app.js';
import { startRedisCluster } from './redis-cluster.js';
import { requireServices } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Seed URLs of the private Redis cluster this run started. */
    redisClusterSeeds: string[];
    /** The folder where the consumer test's app is being prepared; absent when this run does not include it. */
    consumerWork: string | undefined;
  }
}

/**
 * Whether this run may include the consumer test: no file filter at all (`npm test`), or one
 * naming it. Other filtered runs do not pay for its install; run alone, the test prepares its app itself.
 */
function includesConsumerTest(): boolean {
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('-') && arg !== 'run');
  return filters.length === 0 || filters.some((filter) => filter.includes('consumer'));
}

/**
 * Checks the shared servers answer (failing the run at once when one does not), then starts the
 * services a test run owns (a private Redis cluster; the consumer test's app, installed in the
 * background while the other suites run) and stops them after.
 */
export default async function setup(project: TestProject) {
  await requireServices();
  const cluster = await startRedisCluster();
  project.provide('redisClusterSeeds', cluster.seeds);
  const consumerWork = includesConsumerTest() ? await mkdtemp(path.join(tmpdir(), 'vessel-consumer-')) : undefined;
  const preparing = consumerWork && prepareConsumerApp(consumerWork);
  project.provide('consumerWork', consumerWork);
  return async () => {
    await cluster.stop();
    if (consumerWork) {
      await preparing;
      await rm(consumerWork, { recursive: true, force: true });
    }
  };
}
