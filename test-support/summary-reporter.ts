import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

/** The note a test passes to `context.skip(note)` when a server or tool it needs is absent. */
export const MISSING_SERVICE_NOTE = 'missing service';

/** What one run did, as the closing line and CI's guards count it. */
export interface RunSummary {
  passed: number;
  /** Failed tests, plus every module that errored outside its tests, plus every unhandled error. */
  failed: number;
  skipped: number;
  /** Of `skipped`: tests that skipped themselves with a {@link MISSING_SERVICE_NOTE} note. */
  skippedForMissingService: number;
  failedTests: number;
  erroredModules: number;
  unhandledErrors: number;
}

/** Counts a run's results; errors outside tests count as failures, so "0 failed" means nothing went wrong. */
export function summarize(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): RunSummary {
  const summary: RunSummary = {
    passed: 0,
    failed: 0,
    skipped: 0,
    skippedForMissingService: 0,
    failedTests: 0,
    erroredModules: 0,
    unhandledErrors: unhandledErrors.length,
  };
  for (const testModule of testModules) {
    for (const test of testModule.children.allTests()) {
      const result = test.result();
      if (result.state === 'passed') summary.passed++;
      else if (result.state === 'failed') summary.failedTests++;
      else {
        summary.skipped++;
        if (result.state === 'skipped' && result.note?.startsWith(MISSING_SERVICE_NOTE)) {
          summary.skippedForMissingService++;
        }
      }
    }
    // A module whose collection, beforeAll or afterAll threw: its tests may all read "skipped".
    const moduleFailedOutsideTests =
      testModule.errors().length > 0 || (testModule.state() === 'failed' && !hasFailedTest(testModule));
    if (moduleFailedOutsideTests) summary.erroredModules++;
  }
  summary.failed = summary.failedTests + summary.erroredModules + summary.unhandledErrors;
  return summary;
}

function hasFailedTest(testModule: TestModule): boolean {
  for (const test of testModule.children.allTests()) if (test.result().state === 'failed') return true;
  return false;
}

/** CI's guards over a summary: each broken one is a message; none means the run may pass. */
export function guardViolations(summary: RunSummary, env: NodeJS.ProcessEnv = process.env): string[] {
  const violations: string[] = [];
  if (env.CI && summary.skippedForMissingService > 0) {
    violations.push(
      `${summary.skippedForMissingService} test(s) skipped for a missing service: CI must start every service (.ci/run)`,
    );
  }
  const floor = Number(env.VESSEL_TEST_FLOOR ?? 0);
  const ran = summary.passed + summary.failedTests;
  if (floor > 0 && ran < floor) {
    violations.push(
      `only ${ran} tests ran, below the floor of ${floor} (VESSEL_TEST_FLOOR in .ci/run): tests were lost; ` +
        'if they were removed on purpose, lower the floor in the same change',
    );
  }
  return violations;
}

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, that CI reads whatever the
 * test runner; vitest's own summary stays above it. Suites that error outside their tests and
 * unhandled errors count as failed; under CI, tests skipped for a missing service and a run below
 * `VESSEL_TEST_FLOOR` fail the run, with a message.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const summary = summarize(testModules, unhandledErrors);
    // A global setup that threw (a server missing) fails the run before any module is counted.
    if (reason !== 'passed' && summary.failed === 0) {
      summary.unhandledErrors++;
      summary.failed++;
    }
    const violations = guardViolations(summary);
    if (violations.length > 0) {
      process.exitCode = 1;
      summary.failed += violations.length;
    }
    const out: string[] = [''];
    for (const violation of violations) out.push(`CI guard: ${violation}`);
    out.push(
      `failed: ${summary.failedTests} test(s), ${summary.erroredModules} suite(s) erroring outside tests, ` +
        `${summary.unhandledErrors} unhandled error(s), ${violations.length} CI guard(s); ` +
        `skipped: ${summary.skippedForMissingService} for a missing service`,
    );
    out.push(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`, '');
    process.stdout.write(out.join('\n'));
  }
}
