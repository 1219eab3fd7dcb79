/**
 * `npm run mutation`: StrykerJS over the modules where a bug is a breach or data loss (see
 * docs/testing.md, "Mutation testing"). Not part of `npm test`. Incremental: a rerun after a change
 * tests only the mutants whose code or covering tests changed (`reports/mutation/incremental.json`).
 */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'packages/core/tsconfig.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 30_000,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  mutate: [
    'packages/core/src/session/cookie-signing.ts',
    'packages/core/src/session/constant-time.ts',
    'packages/core/src/session/signing-secrets.ts',
    'packages/core/src/session/ids.ts',
    'packages/core/src/storage/keys.ts',
    'packages/express/src/signature.ts',
  ],
};
