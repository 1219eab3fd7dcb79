/**
 * Storage sweep/scan ranges and TTLs on each backend: the key-range and liveness checks, `count`,
 * `touch` and `sweep` of every driver, the Redis scan's key pattern and cluster cursor, and the
 * namespace's TTL and expiry logic (line ranges: not connection setup, SQL schema text, locks,
 * error plumbing, nor the scan pages' paging internals, which a first run on 2 shared cores could
 * not afford).
 */
export default {
  tsconfig: 'packages/core/tsconfig.json',
  mutate: [
    // inRange, isLive; count; touch, sweep
    'packages/core/src/storage/memory.ts:24-30',
    'packages/core/src/storage/memory.ts:131-136',
    'packages/core/src/storage/memory.ts:144-160',
    // inRange, isLive; count, touch, sweep, clear
    'packages/core/src/storage/file.ts:62-68',
    'packages/core/src/storage/file.ts:194-244',
    // count; touch, sweep
    'packages/core/src/storage/sqlite.ts:264-275',
    'packages/core/src/storage/sqlite.ts:281-300',
    // the live clause of scans; count; touch, sweep
    'packages/core/src/storage/postgres.ts:82-82',
    'packages/core/src/storage/postgres.ts:154-164',
    'packages/core/src/storage/postgres.ts:175-193',
    // scanKeys (the key pattern, the cluster cursor); count; touch, sweep
    'packages/core/src/storage/redis.ts:122-140',
    'packages/core/src/storage/redis.ts:210-219',
    'packages/core/src/storage/redis.ts:250-260',
    // validTtl, validPageSize, ttlLeft; set's and setIfVersion's expiry; scan's expiry filter,
    // count, touch, sweep; expired on read
    'packages/core/src/storage/namespace.ts:37-53',
    'packages/core/src/storage/namespace.ts:90-92',
    'packages/core/src/storage/namespace.ts:125-127',
    'packages/core/src/storage/namespace.ts:201-224',
    'packages/core/src/storage/namespace.ts:359-359',
  ],
  tests: [
    'packages/core/test/storage/conformance.test.ts',
    'packages/core/test/storage/ranges.test.ts',
    'packages/core/test/storage/file-sweep.test.ts',
  ],
  concurrency: 1,
};
