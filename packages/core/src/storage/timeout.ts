import { StorageUnavailableError } from '../errors.js';
import type { CircuitBreaker } from './breaker.js';

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
  /**
   * Fails the caller's promise; dropped once the operation settles, so the queue (which keeps
   * settled operations until they reach its head) holds no promise or result alive.
   */
  reject: ((error: unknown) => void) | undefined;
}

/** What `OperationDeadlines` reports outcomes to and bounds operations with. */
export interface DeadlineGuard {
  /** Trips on timeouts and unreachable-backend errors; closes on answers. */
  readonly breaker: CircuitBreaker;
  /** Operations waiting at once, at most; one more is refused. */
  readonly maxInFlight: number;
  /**
   * The error callers see for a backend error when it means the backend cannot be reached (it
   * did not answer), else undefined.
   */
  unavailable(error: unknown): Error | undefined;
}

/**
 * `withTimeout` for a stream of operations that share one timeout, with one timer for all of
 * them instead of a timer (and two extra promises) each: every deadline is its start time plus
 * the same timeout, so deadlines come in the order operations start and the oldest unsettled
 * one is always the next to expire.
 *
 * With a guard, it also counts the operations waiting and tells the circuit breaker how each
 * ended; callers ask `refusal()` before they start an operation.
 */
export class OperationDeadlines {
  readonly #timeoutMs: number;
  readonly #location: string;
  readonly #guard: DeadlineGuard | undefined;
  #queue: PendingOperation[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;

  constructor(timeoutMs: number, location: string, guard?: DeadlineGuard) {
    this.#timeoutMs = timeoutMs;
    this.#location = location;
    this.#guard = guard;
  }

  /**
   * Undefined when an operation may start now; else the `StorageUnavailableError` to fail it
   * with at once, without reaching the backend: the circuit is open, or `maxInFlight`
   * operations are already waiting.
   */
  refusal(): StorageUnavailableError | undefined {
    const guard = this.#guard;
    if (guard === undefined) return undefined;
    if (this.#inFlight >= guard.maxInFlight) {
      return new StorageUnavailableError(
        this.#location,
        `${this.#inFlight} operations already waiting for an answer (breaker.maxInFlight)`,
      );
    }
    return guard.breaker.refusal();
  }

  /** Operations waiting for their answer or their deadline now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** `operation`, or a `StorageUnavailableError` once it has not settled within the timeout. */
  bound<T>(operation: Promise<T>): Promise<T> {
    return this.whenSettled(operation, passValue, passError);
  }

  /**
   * `operation.then(onValue, onError)` in one promise, rejected with a `StorageUnavailableError`
   * instead when `operation` has not settled within the timeout (then neither callback runs).
   * What the callbacks return or throw settles the result: a read decodes in the same step as
   * its deadline is lifted, with no promise in between.
   */
  whenSettled<T, Result>(
    operation: Promise<T>,
    onValue: (value: T) => Result | PromiseLike<Result>,
    onError: (error: unknown) => Result | PromiseLike<Result>,
  ): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const pending: PendingOperation = { deadline: Date.now() + this.#timeoutMs, reject };
      this.#queue.push(pending);
      this.#inFlight++;
      if (this.#timer === undefined) this.#schedule(this.#timeoutMs);
      operation.then(
        (value) => {
          if (!this.#settle(pending)) return;
          this.#guard?.breaker.succeeded();
          settleWith(resolve, reject, onValue, value);
        },
        (error: unknown) => {
          if (!this.#settle(pending)) return;
          this.#report(error);
          settleWith(resolve, reject, onError, error);
        },
      );
    });
  }

  /** Marks `pending` settled; false when its deadline already failed it. */
  #settle(pending: PendingOperation): boolean {
    if (pending.reject === undefined) return false;
    pending.reject = undefined;
    this.#inFlight--;
    this.#dropSettled();
    return true;
  }

  /** Tells the breaker how a failed operation ended: an outage, or an answer (a refused command). */
  #report(error: unknown): void {
    const guard = this.#guard;
    if (guard === undefined) return;
    const unavailable = guard.unavailable(error);
    if (unavailable) guard.breaker.failed(unavailable);
    else guard.breaker.succeeded();
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(this.#expire, delayMs);
    this.#timer.unref();
  }

  /** Forgets settled operations at the head of the queue, so it stays as short as what is in flight. */
  #dropSettled(): void {
    const queue = this.#queue;
    while (this.#head < queue.length && (queue[this.#head] as PendingOperation).reject === undefined) this.#head++;
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
      const { reject } = pending;
      if (reject === undefined) continue;
      pending.reject = undefined;
      this.#inFlight--;
      const error = new StorageUnavailableError(this.#location, `no answer within ${this.#timeoutMs} ms`);
      this.#guard?.breaker.failed(error);
      reject(error);
    }
    this.#dropSettled();
    const next = this.#queue[this.#head];
    if (next) this.#schedule(Math.max(1, next.deadline - now));
  };
}

function passValue<T>(value: T): T {
  return value;
}

function passError(error: unknown): never {
  throw error;
}

/** Settles a promise with what `callback(input)` returns, or with what it throws. */
function settleWith<Input, Result>(
  resolve: (value: Result | PromiseLike<Result>) => void,
  reject: (error: unknown) => void,
  callback: (input: Input) => Result | PromiseLike<Result>,
  input: Input,
): void {
  try {
    resolve(callback(input));
  } catch (error) {
    reject(error);
  }
}
