/**
 * The `limit` first items under `compare`, kept while streaming: a bounded max-heap whose root
 * is the worst item kept, so a sorted listing of a million sessions holds `limit` of them.
 */
export class TopN<Item> {
  readonly #heap: Item[] = [];
  readonly #limit: number;
  /** `compare(a, b) < 0` when `a` comes first. */
  readonly #compare: (a: Item, b: Item) => number;
  /** Every item offered, kept or not. */
  seen = 0;

  constructor(limit: number, compare: (a: Item, b: Item) => number) {
    this.#limit = limit;
    this.#compare = compare;
  }

  /** Offers one item; it is kept if it is among the first `limit` so far. */
  push(item: Item): void {
    this.seen++;
    const heap = this.#heap;
    if (heap.length < this.#limit) {
      heap.push(item);
      this.#up(heap.length - 1);
    } else if (heap.length > 0 && this.#compare(item, heap[0] as Item) < 0) {
      heap[0] = item;
      this.#down(0);
    }
  }

  /** The kept items, first first. */
  sorted(): Item[] {
    return [...this.#heap].sort(this.#compare);
  }

  #up(index: number): void {
    const heap = this.#heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.#compare(heap[index] as Item, heap[parent] as Item) <= 0) return;
      [heap[index], heap[parent]] = [heap[parent] as Item, heap[index] as Item];
      index = parent;
    }
  }

  #down(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let worst = index;
      if (left < heap.length && this.#compare(heap[left] as Item, heap[worst] as Item) > 0) worst = left;
      if (right < heap.length && this.#compare(heap[right] as Item, heap[worst] as Item) > 0) worst = right;
      if (worst === index) return;
      [heap[index], heap[worst]] = [heap[worst] as Item, heap[index] as Item];
      index = worst;
    }
  }
}
