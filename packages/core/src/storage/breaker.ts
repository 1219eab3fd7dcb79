import { StorageUnavailableError } from '../errors.js';
import type { BreakerOptions } from './types.js';

/** Default `breaker.failureThreshold`: failures in a row that open the circuit. */
export const DEFAULT_FAILURE_THRESHOLD = 5;
/** Default `breaker.coolDownMs`: ms an open circuit waits before its probe. */
export const DEFAULT_COOL_DOWN_MS = 250;
/** Default `breaker.maxInFlight`: operations that may wait for the backend at once. */
export const DEFAULT_MAX_IN_FLIGHT = 1000;

/**
 * Closed → (failureThreshold failures in a row) → open → (coolDownMs) → half-open: one probe
 * at a time → closed on its success, open again on a failure. A probe that never reports (it
 * did not reach the backend) is replaced after `probeTimeoutMs`.
 */
export class CircuitBreaker {
  /** True while operations pass freely: the only field the hot paths read. */
  closed = true;
  readonly #failureThreshold: number;
  readonly #coolDownMs: number;
  readonly #probeTimeoutMs: number;
  readonly #location: string;
  #failures = 0;
  /** Why the last failure failed, for the refusals' message: what the operator must fix. */
  #lastReason = '';
  #openUntil = 0;
  #probeStartedAt: number | undefined;

  constructor(options: Required<Omit<BreakerOptions, 'maxInFlight'>>, probeTimeoutMs: number, location: string) {
    this.#failureThreshold = options.failureThreshold;
    this.#coolDownMs = options.coolDownMs;
    this.#probeTimeoutMs = probeTimeoutMs;
    this.#location = location;
  }

  /**
   * Undefined when an operation may start now (when open, it is then the probe); else the error
   * to fail it with, at once.
   */
  refusal(): StorageUnavailableError | undefined {
    if (this.closed) return undefined;
    const now = Date.now();
    const probeLost = this.#probeStartedAt !== undefined && now - this.#probeStartedAt > this.#probeTimeoutMs;
    if (now >= this.#openUntil && (this.#probeStartedAt === undefined || probeLost)) {
      this.#probeStartedAt = now;
      return undefined;
    }
    const wait = Math.max(0, this.#openUntil - now);
    return new StorageUnavailableError(
      this.#location,
      `circuit open after ${this.#failureThreshold} failures in a row, the last: ${this.#lastReason} (next probe in ${wait} ms)`,
    );
  }

  /** The backend answered (an error that is not an outage counts: it answered). */
  succeeded(): void {
    if (this.#failures === 0 && this.closed) return;
    this.#failures = 0;
    this.closed = true;
    this.#probeStartedAt = undefined;
  }

  /** An operation timed out or could not reach the backend; `error` says why. */
  failed(error: unknown): void {
    this.#lastReason = this.#reasonOf(error);
    if (this.closed) {
      if (++this.#failures >= this.#failureThreshold) this.#open();
      return;
    }
    // Open: what fails now was started before the circuit opened, or is the probe (or races it).
    if (this.#probeStartedAt !== undefined) this.#open();
  }

  #reasonOf(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const prefix = `cannot reach ${this.#location}: `;
    return message.startsWith(prefix) ? message.slice(prefix.length) : message;
  }

  #open(): void {
    this.closed = false;
    this.#openUntil = Date.now() + this.#coolDownMs;
    this.#probeStartedAt = undefined;
  }
}
