import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const vitestBin = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

interface Run {
  code: number;
  output: string;
  closing: { passed: number; failed: number; skipped: number };
}

/** Runs the fixture project's `files` under vitest with the project's reporter, as CI would. */
function runFixtures(files: string[], env: Record<string, string> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.VITEST;
  delete childEnv.VITEST_POOL_ID;
  delete childEnv.VITEST_WORKER_ID;
  if (!('CI' in env)) delete childEnv.CI;
  if (!('VESSEL_TEST_FLOOR' in env)) delete childEnv.VESSEL_TEST_FLOOR;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, 'run', '--root', fixtures, ...files],
      { env: childEnv, timeout: 60_000 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const match = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(stdout);
        if (!match) throw new Error(`no closing line in:\n${output}`);
        const [, passed, failed, skipped] = match.map(Number);
        resolve({ code: error ? Number(error.code ?? 1) : 0, output, closing: { passed, failed, skipped } });
      },
    );
  });
}

describe('CI guards', () => {
  it('passes a clean run and says so in the closing line', async () => {
    const run = await runFixtures(['passing.check.ts']);
    expect(run.code).toBe(0);
    expect(run.closing).toEqual({ passed: 2, failed: 0, skipped: 0 });
  });

  it('fails a stray .only under CI', async () => {
    const run = await runFixtures(['only.check.ts'], { CI: 'true' });
    expect(run.code).not.toBe(0);
    expect(run.closing.failed).toBeGreaterThan(0);
  });

  it('counts a suite that errors in its setup as failed, not as "0 failed"', async () => {
    const run = await runFixtures(['setup-error.check.ts']);
    expect(run.code).not.toBe(0);
    expect(run.closing.failed).toBeGreaterThan(0);
  });

  it('counts an unhandled rejection as failed', async () => {
    const run = await runFixtures(['unhandled.check.ts']);
    expect(run.code).not.toBe(0);
    expect(run.closing.failed).toBeGreaterThan(0);
    expect(run.output).toMatch(/1 unhandled error/);
  });

  it('fails CI when a test was skipped for a missing service, and names the count', async () => {
    const local = await runFixtures(['missing-service.check.ts']);
    expect(local.code).toBe(0);
    expect(local.output).toMatch(/skipped: 1 for a missing service/);
    const ci = await runFixtures(['missing-service.check.ts'], { CI: 'true' });
    expect(ci.code).not.toBe(0);
    expect(ci.output).toMatch(/CI guard: 1 test\(s\) skipped for a missing service/);
    expect(ci.closing.failed).toBe(1);
  });

  it('fails a run whose test count falls below the floor, with a message', async () => {
    const below = await runFixtures(['passing.check.ts'], { VESSEL_TEST_FLOOR: '3' });
    expect(below.code).not.toBe(0);
    expect(below.output).toMatch(/only 2 tests ran, below the floor of 3/);
    const at = await runFixtures(['passing.check.ts'], { VESSEL_TEST_FLOOR: '2' });
    expect(at.code).toBe(0);
  });
});
