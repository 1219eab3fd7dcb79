import { StorageUnavailableError, VesselError } from '../errors.js';
import { backendOf } from './backends/index.js';
import { CircuitBreaker, DEFAULT_COOL_DOWN_MS, DEFAULT_FAILURE_THRESHOLD, DEFAULT_MAX_IN_FLIGHT } from './breaker.js';
import type { BackendDriver } from './driver.js';
import { validateNamespace } from './keys.js';
import { type NamespaceContext, StorageNamespace } from './namespace.js';
import { resolveStorageOptions, type StorageInput } from './resolve-options.js';
import { OperationDeadlines, withTimeout } from './timeout.js';
import type { Namespace, Storage, StorageType } from './types.js';

/**
 * Creates a storage: one backend connection shared by any number of namespaces.
 *
 * Nothing connects until the first operation (or `ready()`, `ping()`); a failed connection is
 * retried by the next operation, so a backend that comes back is used again without a restart.
 *
 * @example
 * const storage = createStorage({ cacheDir: './data' })          // SQLite at ./data/vessel.sqlite
 * await storage.namespace('session').set('abc', { user: 'ada' }, { ttlMs: 60_000 })
 */
export function createStorage(input: StorageInput = {}): Storage {
  const options = resolveStorageOptions(input);
  const driver = backendOf(options.type).create(options);
  const option = input.option ?? optionOf(input, options.type);
  const namespaces = new Map<string, StorageNamespace>();
  let connecting: Promise<void> | undefined;
  let connected = false;
  let closed = false;

  const timeoutMs = options.type === 'memory' ? 0 : (options.timeoutMs ?? 5000);
  const breakerOptions = options.type === 'memory' ? false : (options.breaker ?? {});
  // The breaker sees what the deadlines see: every single-key operation, of every namespace.
  const breaker =
    timeoutMs > 0 && breakerOptions !== false
      ? new CircuitBreaker(
          {
            failureThreshold: breakerOptions.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
            coolDownMs: breakerOptions.coolDownMs ?? DEFAULT_COOL_DOWN_MS,
          },
          timeoutMs,
          driver.location,
        )
      : undefined;
  /** `error` as callers see it when it means the backend cannot be reached; else undefined. */
  const unavailable = (error: unknown): StorageUnavailableError | undefined => {
    const translated = error instanceof VesselError ? error : driver.translateError(error);
    return translated instanceof StorageUnavailableError ? translated : undefined;
  };
  const guard = breaker && {
    breaker,
    maxInFlight: (breakerOptions !== false && breakerOptions.maxInFlight) || DEFAULT_MAX_IN_FLIGHT,
    unavailable,
  };
  const closedError = () => new VesselError('VESSEL_CLOSED', `storage ${driver.location} is closed`);
  const context: NamespaceContext = {
    driver,
    prefix: options.prefix ?? 'vessel',
    timeoutMs,
    deadlines: timeoutMs > 0 ? new OperationDeadlines(timeoutMs, driver.location, guard) : undefined,
    ready() {
      if (closed) return Promise.reject(closedError());
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
          const failure = error instanceof VesselError ? error : driver.translateError(error);
          if (failure instanceof StorageUnavailableError) breaker?.failed(failure);
          throw failure;
        },
      );
      return connecting;
    },
    isReady: () => connected && !closed,
  };

  // A health check: never refused by the breaker, and its answer closes an open circuit.
  async function ping(): Promise<void> {
    await context.ready();
    try {
      await withTimeout(driver.ping(), options.timeoutMs ?? 5000, driver.location);
    } catch (error) {
      const failure = error instanceof VesselError ? error : driver.translateError(error);
      if (failure instanceof StorageUnavailableError) breaker?.failed(failure);
      throw failure;
    }
    breaker?.succeeded();
  }

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
    // The startup check: a ping under one deadline, its failure naming the option to fix.
    async ready() {
      const timeoutMs = options.timeoutMs ?? 5000;
      try {
        await withTimeout(ping(), timeoutMs, driver.location);
      } catch (error) {
        // Closed meanwhile (an app shutting down): that, not what the closing did to the check.
        throw closed ? closedError() : notReady(error, driver, option);
      }
    },
    ping,
    async close() {
      if (closed) return;
      closed = true;
      // The driver bounds its own goodbye (a silent server never answers QUIT); this is the
      // backstop, so close() returns whatever a driver does.
      let timer: NodeJS.Timeout | undefined;
      const given = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2 * (options.timeoutMs ?? 5000));
        timer.unref();
      });
      await Promise.race([driver.close(), given]).finally(() => clearTimeout(timer));
    },
  };
}

/** The option that chose a storage, for `ready()`'s error: the one set, else the one to set. */
function optionOf(input: StorageInput, type: StorageType): string {
  if (input.url !== undefined) return 'url';
  if (input.cluster !== undefined) return 'cluster';
  return type === 'redis' || type === 'postgres' ? 'url' : 'cacheDir';
}

/**
 * `error` as `ready()` rejects with it: a `StorageUnavailableError` naming the location and the
 * option (whatever made the storage unusable: a folder that cannot be created, a server that
 * does not answer); Vessel's own other errors (a closed storage) as they are.
 */
function notReady(error: unknown, driver: BackendDriver, option: string): Error {
  const failure = error instanceof VesselError ? error : driver.translateError(error);
  if (failure instanceof VesselError && !(failure instanceof StorageUnavailableError)) return failure;
  const head = `cannot reach ${driver.location}: `;
  const message = failure instanceof Error ? failure.message : String(failure);
  const reason = message.startsWith(head) ? message.slice(head.length) : message;
  return new StorageUnavailableError(driver.location, `${reason} (check the ${option} option)`, { cause: failure });
}
