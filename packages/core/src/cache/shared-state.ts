/**
 * In-process state that belongs to a storage namespace rather than to one `Cache` object: every
 * cache over `cache:users` of one storage must join the same creations (or two managers over
 * one Redis would each run a `createfunc`), and on a memory storage share the same live entries.
 * Namespaces are one object per storage and name, so they key it.
 */
import type { Namespace } from '../storage/index.js';
import type { CacheParts } from './cache.js';
import { MemoryEntries } from './entry-store.js';

interface NamespaceState {
  readonly flights: CacheParts['flights'];
  memory: MemoryEntries | undefined;
}

const states = new WeakMap<Namespace, NamespaceState>();

function stateOf(namespace: Namespace): NamespaceState {
  let state = states.get(namespace);
  if (state === undefined) {
    state = { flights: new Map(), memory: undefined };
    states.set(namespace, state);
  }
  return state;
}

/** The creations in progress in this process for `namespace`. */
export function flightsOf(namespace: Namespace): CacheParts['flights'] {
  return stateOf(namespace).flights;
}

/**
 * The live entries of a memory storage's `namespace`; the first cache to ask sets the bound and
 * the clock.
 */
export function memoryEntriesOf(namespace: Namespace, maxEntries: number, now: () => number): MemoryEntries {
  const state = stateOf(namespace);
  state.memory ??= new MemoryEntries(maxEntries, now);
  return state.memory;
}
