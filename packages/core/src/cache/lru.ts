/**
 * A Map in least-recently-used order, optionally bounded. A bounded one moves an entry to the
 * recent end on each read, so the first key in iteration order is always the one to evict.
 * Unbounded, reads skip the move: the order is then insertion order, which `dropExpired` uses.
 */
export class LruMap<Value> {
  readonly #entries = new Map<string, Value>();
  readonly #maxEntries: number;

  /** `maxEntries` of `Infinity` never evicts. */
  constructor(maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${maxEntries}`);
    this.#maxEntries = maxEntries;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Value | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined && this.#maxEntries !== Number.POSITIVE_INFINITY) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Value): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * Drops up to `limit` entries from the old end while `isDead` holds for them. Called on each
   * write, it keeps an unbounded map from filling with entries nobody reads again, at O(1) a write.
   */
  dropExpired(isDead: (value: Value) => boolean, limit: number): void {
    let dropped = 0;
    for (const [key, value] of this.#entries) {
      if (dropped === limit || !isDead(value)) return;
      this.#entries.delete(key);
      dropped++;
    }
  }
}
