/**
 * In-process state that belongs to a storage namespace rather than to one `Cache` object: every
 * cache over `cache:users` of one storage must join the same creations (or two managers over
 * one Redis would each run a `createfunc`), and on a memory storage share the same live entries.
 * The namespace keeps it (`Namespace.local`), so it lives and dies with the storage.
 */
import type { Namespace } from '../storage/index.js';
import type { CacheParts } from './cache.js';
import { MemoryEntries } from './entry-store.js';

const FLIGHTS = Symbol('vessel.cache.flights');
const MEMORY_ENTRIES = Symbol('vessel.cache.memoryEntries');

/** The creations in progress in this process for `namespace`. */
export function flightsOf(namespace: Namespace): CacheParts['flights'] {
  return namespace.local(FLIGHTS, (): CacheParts['flights'] => new Map());
}

/**
 * The live entries of a memory storage's `namespace`; the first cache to ask sets the bound and
 * the clock.
 */
export function memoryEntriesOf(namespace: Namespace, maxEntries: number, now: () => number): MemoryEntries {
  return namespace.local(MEMORY_ENTRIES, () => new MemoryEntries(maxEntries, now));
}
