/**
 * Memoizing wrappers over a `Cache`: the function's arguments make the key (see
 * `argumentKey`), its receiver is passed through but never part of the key.
 */
import { argumentKey } from './argument-key.js';
import type { Cache } from './cache.js';

/** A function whose results live in a cache region; same name, arguments and `this` as the original. */
export interface Memoized<Args extends unknown[], Result, This = unknown> {
  (this: This, ...args: Args): Promise<Awaited<Result>>;
  /** The cache the results live in. */
  readonly cache: Cache;
  /** The region the function was memoized in. */
  readonly region: string;
  /** Removes the stored result for these arguments; `true` if there was one. */
  invalidate(...args: Args): Promise<boolean>;
}

/** Wraps `fn` so its results are kept in `cache` under keys built from its arguments. */
export function memoize<Args extends unknown[], Result, This>(
  fn: (this: This, ...args: Args) => Result,
  cache: Cache,
  region: string,
): Memoized<Args, Result, This> {
  const label = fn.name || cache.name;
  const memoized = async function (this: This, ...args: Args): Promise<Awaited<Result>> {
    // A disabled region calls through: no key is built, nothing is read or stored.
    const call = () => Promise.resolve(fn.apply(this, args));
    if (!cache.enabled) return call();
    return cache.get(argumentKey(args, label), { createfunc: call });
  };
  Object.defineProperties(memoized, {
    name: { value: fn.name },
    length: { value: fn.length },
    cache: { value: cache, enumerable: true },
    region: { value: region, enumerable: true },
    invalidate: { value: (...args: Args) => cache.remove(argumentKey(args, label)), enumerable: true },
  });
  return memoized as Memoized<Args, Result, This>;
}
