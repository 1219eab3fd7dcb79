import { selectedGroup } from './mutation/group.mjs';

/**
 * StrykerJS over one group of the mutation scope (`mutation/<group>.mjs`, chosen by
 * `VESSEL_MUTATION_GROUP`); `npm run mutation` runs every group and sums the score (see
 * docs/testing.md, "Mutation testing"). Not part of `npm test`. Incremental per group: a rerun after
 * a change tests only the mutants whose code or covering tests changed.
 */
const group = await selectedGroup();

export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: group.tsconfig,
  coverageAnalysis: 'perTest',
  concurrency: group.concurrency ?? 2,
  timeoutMS: 30_000,
  incremental: true,
  incrementalFile: `reports/mutation/${group.name}.incremental.json`,
  tempDirName: `.stryker-tmp-${group.name}`,
  // Other groups' sandboxes (a run of each at once) and local data stay out of this one's copy.
  ignorePatterns: ['/.stryker-tmp-*', '/.bench-data', '/data', '/bench/results', '/coverage'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${group.name}.json` },
  htmlReporter: { fileName: `reports/mutation/${group.name}.html` },
  thresholds: { high: 90, low: 85, break: null },
  mutate: group.mutate,
};
