/**
 * The bound on what one `cacheResponse` route keeps: at most `maxEntries` keys and `maxBytes`
 * of bodies, oldest first out. It counts what this process stored, so it holds whatever the
 * backend does about expired entries; on a shared backend each process keeps its own count.
 */

/** The keys a route stored, oldest first, and their sizes; removes the oldest from the cache past the bounds. */
export class KeyBudget {
  readonly #sizes = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #evict: (key: string) => void;
  #bytes = 0;

  /** `evict` removes a key from the cache (it must not throw). */
  constructor(maxEntries: number, maxBytes: number, evict: (key: string) => void) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#evict = evict;
  }

  /** Keys counted. */
  get size(): number {
    return this.#sizes.size;
  }

  /** Counts `key` as just stored with `bytes`, then evicts the oldest keys until both bounds hold. */
  admit(key: string, bytes: number): void {
    const previous = this.#sizes.get(key);
    if (previous !== undefined) {
      this.#sizes.delete(key);
      this.#bytes -= previous;
    }
    this.#sizes.set(key, bytes);
    this.#bytes += bytes;
    for (const [oldest, size] of this.#sizes) {
      if (this.#sizes.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) return;
      if (oldest === key) return;
      this.#sizes.delete(oldest);
      this.#bytes -= size;
      this.#evict(oldest);
    }
  }
}
