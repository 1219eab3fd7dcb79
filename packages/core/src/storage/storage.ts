import { VesselError } from '../errors.js';
import type { BackendDriver } from './driver.js';
import { createFileDriver } from './file.js';
import { validateNamespace } from './keys.js';
import { createMemoryDriver } from './memory.js';
import { type NamespaceContext, StorageNamespace } from './namespace.js';
import { createPostgresDriver } from './postgres.js';
import { createRedisDriver } from './redis.js';
import { resolveStorageOptions, type StorageInput } from './resolve-options.js';
import { createSqliteDriver } from './sqlite.js';
import { OperationDeadlines, withTimeout } from './timeout.js';
import type { Namespace, Storage, StorageOptions } from './types.js';

function createDriver(options: StorageOptions): BackendDriver {
  switch (options.type) {
    case 'memory':
      return createMemoryDriver(options);
    case 'file':
      return createFileDriver(options);
    case 'sqlite':
      return createSqliteDriver(options);
    case 'redis':
      return createRedisDriver(options);
    case 'postgres':
      return createPostgresDriver(options);
  }
}

/**
 * Creates a storage: one backend connection shared by any number of namespaces.
 *
 * Nothing connects until the first operation (or `ping()`); a failed connection is retried
 * by the next operation, so a backend that comes back is used again without a restart.
 *
 * @example
 * const storage = createStorage({ cacheDir: './data' })          // SQLite at ./data/vessel.sqlite
 * await storage.namespace('session').set('abc', { user: 'ada' }, { ttlMs: 60_000 })
 */
export function createStorage(input: StorageInput = {}): Storage {
  const options = resolveStorageOptions(input);
  const driver = createDriver(options);
  const namespaces = new Map<string, StorageNamespace>();
  let connecting: Promise<void> | undefined;
  let connected = false;
  let closed = false;

  const timeoutMs = options.type === 'memory' ? 0 : (options.timeoutMs ?? 5000);
  const context: NamespaceContext = {
    driver,
    prefix: options.prefix ?? 'vessel',
    timeoutMs,
    deadlines: timeoutMs > 0 ? new OperationDeadlines(timeoutMs, driver.location) : undefined,
    ready() {
      if (closed) return Promise.reject(new VesselError('VESSEL_CLOSED', `storage ${driver.location} is closed`));
      // Bounded even if the backend's own connect forgets its timeout (or the OS hangs a mkdir).
      connecting ??= withTimeout(
        driver.connect(),
        context.timeoutMs || (options.timeoutMs ?? 5000),
        driver.location,
      ).then(
        () => {
          connected = true;
        },
        (error: unknown) => {
          connecting = undefined;
          throw error instanceof VesselError ? error : driver.translateError(error);
        },
      );
      return connecting;
    },
    isReady: () => connected && !closed,
  };

  return {
    type: driver.type,
    capabilities: driver.capabilities,
    location: driver.location,
    prefix: context.prefix,
    namespace(name: string): Namespace {
      let namespace = namespaces.get(name);
      if (!namespace) {
        namespace = new StorageNamespace(validateNamespace(name), context);
        namespaces.set(name, namespace);
      }
      return namespace;
    },
    async ping() {
      await context.ready();
      try {
        await withTimeout(driver.ping(), options.timeoutMs ?? 5000, driver.location);
      } catch (error) {
        throw error instanceof VesselError ? error : driver.translateError(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await driver.close();
    },
  };
}
