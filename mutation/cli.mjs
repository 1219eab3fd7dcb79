/**
 * The CLI's selection: `--where`/`--filter`, `--older-than`, `--idle-longer-than`, `--corrupt`,
 * `--expired`, id prefixes, and what `purge`, `expire` and `list` do with them (printing,
 * progress and timing lines left out). The binary's own tests run `dist/`, which StrykerJS cannot
 * see; these suites call `main` in process.
 */
export default {
  tsconfig: 'packages/cli/tsconfig.json',
  mutate: [
    // parseFilters, selectsEverything, selects (describeSelection is wording).
    'packages/cli/src/query.ts:31-49',
    'packages/cli/src/query.ts:52-69',
    'packages/cli/src/ids.ts',
    // purge(): modes, confirmation, ids, --all, criteria; not the elapsed time or the progress line.
    'packages/cli/src/commands/purge.ts:75-93',
    'packages/cli/src/commands/purge.ts:96-156',
    'packages/cli/src/commands/purge.ts:158-163',
    'packages/cli/src/commands/purge.ts:165-166',
    'packages/cli/src/commands/purge.ts:168-168',
    // expire: moving an expiry by id or prefix, and the record's own expiry (core's setSessionRecordExpiry).
    'packages/cli/src/commands/expire.ts:53-66',
    'packages/cli/src/commands/expire.ts:69-72',
    'packages/core/src/session/record.ts:123-139',
    // list(): which records are scanned and selected, and --limit.
    'packages/cli/src/commands/list.ts:100-100',
    'packages/cli/src/commands/list.ts:103-106',
    'packages/cli/src/commands/list.ts:120-126',
    // The selection flags as parsed, and list's live-only default.
    'packages/cli/src/flags.ts:98-112',
    'packages/cli/src/commands/list.ts:235-235',
  ],
  tests: [
    'packages/cli/test/selection-in-process.test.ts',
    'packages/cli/test/ids-in-process.test.ts',
    'packages/cli/test/encrypted.test.ts',
    'packages/core/test/session/record.test.ts',
    'packages/cli/test/first-hour.test.ts',
  ],
  concurrency: 1,
};
