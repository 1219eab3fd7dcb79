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
    'packages/core/src/storage/backends/memory.ts:52-58',
    'packages/core/src/storage/backends/memory.ts:159-164',
    'packages/core/src/storage/backends/memory.ts:172-188',
    // inRange, isLive; count, touch, sweep, clear
    'packages/core/src/storage/backends/file/file.ts:81-87',
    'packages/core/src/storage/backends/file/file.ts:216-266',
    // count; touch, sweep
    'packages/core/src/storage/backends/sqlite.ts:298-309',
    'packages/core/src/storage/backends/sqlite.ts:315-334',
    // the live clause of scans; count; touch, sweep
    'packages/core/src/storage/backends/postgres.ts:104-104',
    'packages/core/src/storage/backends/postgres.ts:176-186',
    'packages/core/src/storage/backends/postgres.ts:197-215',
    // scanKeys (the key pattern, the cluster cursor); count; touch, sweep
    'packages/core/src/storage/backends/redis.ts:142-160',
    'packages/core/src/storage/backends/redis.ts:230-239',
    'packages/core/src/storage/backends/redis.ts:270-280',
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
