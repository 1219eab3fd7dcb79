/**
 * The CLI's selection: `--where`/`--filter`, `--older-than`, `--idle-longer-than`, `--corrupt`,
 * `--expired`, id prefixes, and what `purge`, `expire` and `list` do with them (printing,
 * progress and timing lines left out). The binary's own tests run `dist/`, which StrykerJS cannot
 * see; these suites call `main` in process.
 */
export default {
  tsconfig: 'packages/cli/tsconfig.json',
  mutate: [
    // parseFilters, selectsEverything, selects (needsValues is unused; describeSelection is wording).
    'packages/cli/src/query.ts:31-49',
    'packages/cli/src/query.ts:62-78',
    'packages/cli/src/ids.ts',
    // purge(): modes, confirmation, ids, --all, criteria; not the elapsed time or the progress line.
    'packages/cli/src/commands/purge.ts:72-89',
    'packages/cli/src/commands/purge.ts:91-138',
    'packages/cli/src/commands/purge.ts:143-143',
    'packages/cli/src/commands/purge.ts:145-146',
    'packages/cli/src/commands/purge.ts:148-152',
    // expire: moving an expiry by id or prefix, and the record's own expiry.
    'packages/cli/src/commands/expire.ts:45-73',
    'packages/cli/src/commands/expire.ts:85-94',
    // list(): which records are scanned and selected, and --limit.
    'packages/cli/src/commands/list.ts:96-96',
    'packages/cli/src/commands/list.ts:99-102',
    'packages/cli/src/commands/list.ts:116-122',
    // The selection flags as parsed, and list's live-only default.
    'packages/cli/src/main.ts:68-75',
    'packages/cli/src/main.ts:173-173',
  ],
  tests: ['packages/cli/test/selection-in-process.test.ts', 'packages/cli/test/ids-in-process.test.ts'],
  concurrency: 1,
};
