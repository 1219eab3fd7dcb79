import { AsyncLocalStorage } from 'node:async_hooks';
import type { Namespace } from '@vessel/core';

/** Namespace operations a test can hold (single-key reads and writes). */
export type HeldOperation = 'get' | 'getVersioned' | 'set' | 'setIfVersion' | 'touch' | 'delete';

const OPERATIONS: readonly HeldOperation[] = ['get', 'getVersioned', 'set', 'setIfVersion', 'touch', 'delete'];

/**
 * Set while a namespace operation that came from outside runs. Inner calls run later, after the
 * outer call's own awaits (a lock, say): async context, not the stack, tells them apart. One for
 * every gate, so a gate planted while another's call is on its way leaves that call's inner
 * calls alone.
 */
const inside = new AsyncLocalStorage<true>();

/**
 * One call held on its way to or from the real store. The test seam for concurrency: a test
 * chooses which request's step happens between which others, instead of racing for an order.
 */
export interface Gate {
  /** Resolves once the held call has arrived (`before`) or has its answer from the store (`after`). */
  readonly reached: Promise<void>;
  /** Lets the held call go on. */
  release(): void;
}

/**
 * Holds the next call of `operation` that comes from outside `namespace` (a real namespace of a
 * real backend; the call still runs against it): `before` holds it before it reaches the store,
 * `after` holds its answer before the caller sees it. Calls a namespace makes to itself (the file
 * backend's compare-and-set reads under its lock with `getVersioned`) are never held, and only the
 * next outside call is: later calls pass straight through.
 *
 * ```ts
 * const write = holdNext(sessions, 'setIfVersion');
 * const saving = slow.save();      // its write waits at the gate
 * await write.reached;
 * await fast.save();               // overtakes it
 * write.release();                 // the slow write now meets a newer version
 * await saving;
 * ```
 */
export function holdNext(namespace: Namespace, operation: HeldOperation, point: 'before' | 'after' = 'before'): Gate {
  let arrived!: () => void;
  let released!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    released = resolve;
  });
  // Until the held call arrives, every operation is wrapped to tell outside calls from inner ones;
  // then the wrappers go and what was there before comes back (the method, or another test's spy).
  const saved = OPERATIONS.map((name) => [name, Object.getOwnPropertyDescriptor(namespace, name)] as const);
  const originals = new Map(
    OPERATIONS.map((name) => [name, namespace[name] as (...args: unknown[]) => Promise<unknown>]),
  );
  let armed = true;
  const restore = () => {
    armed = false;
    for (const [name, own] of saved) {
      if (own) Object.defineProperty(namespace, name, own);
      else Reflect.deleteProperty(namespace, name);
    }
  };
  const held = async (original: (...args: unknown[]) => Promise<unknown>, args: unknown[]) => {
    if (point === 'before') {
      arrived();
      await gate;
      return inside.run(true, () => original.apply(namespace, args));
    }
    const answer = await inside.run(true, () => original.apply(namespace, args));
    arrived();
    await gate;
    return answer;
  };
  for (const [name, original] of originals) {
    Object.defineProperty(namespace, name, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        const outside = inside.getStore() === undefined;
        if (armed && outside && name === operation) {
          restore();
          return held(original, args);
        }
        return outside ? inside.run(true, () => original.apply(namespace, args)) : original.apply(namespace, args);
      },
    });
  }
  return { reached, release: released };
}
