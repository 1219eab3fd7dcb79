/**
 * Keeping a creator's storage lock alive while its `createfunc` runs, and bounding how long that
 * may be. Without renewal a creator slower than `lockTtl` loses its lock halfway and a second
 * process starts the same creation; without a bound, renewal would let a `createfunc` that never
 * settles hold its key for ever.
 */
import type { Lock } from '../storage/index.js';

/** A renewal in progress; `stop` ends it once any renewal in flight has answered. */
export interface LockRenewal {
  stop(): Promise<void>;
}

/**
 * Renews `lock` to `ttlMs` every third of `ttlMs`, so two renewals can fail (or a busy event
 * loop delay one) before the lock lapses. `onLost` hears, once, that the lock is gone (another
 * holder may be creating too); `onError` hears renewals the storage failed, which are retried
 * at the next tick. The timer is unref'd: renewing never keeps a process alive by itself.
 */
export function renewWhileHeld(
  lock: Lock,
  ttlMs: number,
  onLost: () => void,
  onError: (error: unknown) => void,
): LockRenewal {
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      if (inFlight !== undefined) return;
      inFlight = lock
        .extend(ttlMs)
        .then((held) => {
          if (held) return;
          clearInterval(timer);
          onLost();
        }, onError)
        .finally(() => {
          inFlight = undefined;
        });
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A release racing a renewal could otherwise be followed by the renewal's write.
      await inFlight?.catch(() => {});
    },
  };
}

/**
 * `making` (what a `createfunc` returned), or `onTimeout()`'s error once `timeoutMs` pass
 * first. A plain value costs no timer. The abandoned promise keeps running; its late outcome is
 * observed (by the race) and dropped, never an unhandled rejection.
 */
export async function settleWithin<Value>(
  making: Value | PromiseLike<Value>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<Value> {
  if (!isThenable(making)) return making;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([making, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function isThenable<Value>(value: Value | PromiseLike<Value>): value is PromiseLike<Value> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
