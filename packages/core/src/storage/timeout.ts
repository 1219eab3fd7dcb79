import { StorageUnavailableError } from '../errors.js';

/**
 * Rejects with `StorageUnavailableError` when `operation` has not settled within `timeoutMs`.
 * A hung backend (a paused Redis, a saturated pool) must surface as an error the
 * application can answer, never as a request that waits forever.
 */
export function withTimeout<T>(operation: Promise<T>, timeoutMs: number, location: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StorageUnavailableError(location, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  return Promise.race([operation, expired]).finally(() => clearTimeout(timer));
}
