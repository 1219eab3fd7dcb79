/**
 * The response cache's rules, shared by every adapter: what a shared cache may keep
 * (`policy.ts`), what makes a request personal and its default key (`request.ts`), the stored
 * shapes and variant keys (`stored.ts`), copies and replays (`copy.ts`), and the route's bounds
 * (`budget.ts`). The suites: the rules one by one through `CacheExchange`, the conformance suite
 * over plain `node:http` and core alone, and Express's own response-cache tests (compression,
 * bounds, two processes).
 */
export default {
  tsconfig: 'packages/core/tsconfig.json',
  mutate: [
    'packages/core/src/http/response-cache/policy.ts',
    'packages/core/src/http/response-cache/request.ts',
    'packages/core/src/http/response-cache/stored.ts',
    'packages/core/src/http/response-cache/copy.ts',
    'packages/core/src/http/response-cache/budget.ts',
  ],
  tests: [
    'packages/core/test/http/response-cache-rules.test.ts',
    'packages/core/test/http/response-cache-conformance.test.ts',
    'packages/express/test/cache-response.test.ts',
  ],
  concurrency: 1,
};
