/**
 * The cache's lock and freshness logic: the freshness arithmetic (`entry.ts`), lock renewal and the
 * createfunc bound (`lock-renewal.ts`), and the get / dog-pile / wait / grace path of `cache.ts`
 * (line ranges: `get` to `#answer`, `has`, `#obtain` to `#readQuietly`; not event typing, stats
 * plumbing, key hashing or option parsing).
 */
export default {
  tsconfig: 'packages/core/tsconfig.json',
  mutate: [
    'packages/core/src/cache/entry.ts',
    'packages/core/src/cache/lock-renewal.ts',
    'packages/core/src/cache/cache.ts:147-228',
    'packages/core/src/cache/cache.ts:243-255',
    'packages/core/src/cache/cache.ts:272-430',
  ],
  tests: [
    'packages/core/test/cache/semantics.test.ts',
    'packages/core/test/cache/local-tier.test.ts',
    'packages/core/test/cache/freshness-edges.test.ts',
    'packages/core/test/cache/lock-edges.test.ts',
  ],
  concurrency: 1,
};
