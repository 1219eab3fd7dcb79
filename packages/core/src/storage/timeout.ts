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

/** An operation `OperationDeadlines` is watching. */
interface PendingOperation {
  readonly deadline: number;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

/**
 * `withTimeout` for a stream of operations that share one timeout, with one timer for all of
 * them instead of a timer (and two extra promises) each: every deadline is its start time plus
 * the same timeout, so deadlines come in the order operations start and the oldest unsettled
 * one is always the next to expire.
 */
export class OperationDeadlines {
  readonly #timeoutMs: number;
  readonly #location: string;
  #queue: PendingOperation[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, location: string) {
    this.#timeoutMs = timeoutMs;
    this.#location = location;
  }

  /** `operation`, or a `StorageUnavailableError` once it has not settled within the timeout. */
  bound<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: PendingOperation = { deadline: Date.now() + this.#timeoutMs, reject, settled: false };
      this.#queue.push(pending);
      if (this.#timer === undefined) this.#schedule(this.#timeoutMs);
      operation.then(
        (value) => {
          pending.settled = true;
          this.#dropSettled();
          resolve(value);
        },
        (error: unknown) => {
          pending.settled = true;
          this.#dropSettled();
          reject(error);
        },
      );
    });
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(this.#expire, delayMs);
    this.#timer.unref();
  }

  /** Forgets settled operations at the head of the queue, so it stays as short as what is in flight. */
  #dropSettled(): void {
    const queue = this.#queue;
    while (this.#head < queue.length && (queue[this.#head] as PendingOperation).settled) this.#head++;
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    const queue = this.#queue;
    while (this.#head < queue.length && (queue[this.#head] as PendingOperation).deadline <= now) {
      const pending = queue[this.#head++] as PendingOperation;
      if (pending.settled) continue;
      pending.settled = true;
      pending.reject(new StorageUnavailableError(this.#location, `no answer within ${this.#timeoutMs} ms`));
    }
    this.#dropSettled();
    const next = this.#queue[this.#head];
    if (next) this.#schedule(Math.max(1, next.deadline - now));
  };
}
