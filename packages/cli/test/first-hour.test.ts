/**
 * The first hour with session-inspect: `--version`, a bare `--filter`/`--where` refused rather
 * than read as "everything", `purge --all --dry-run` naming what it would delete, and a purge
 * whose reported time is the work's, not the time spent at the prompt.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS } from '../../../test-support/backends.js';
import { cliVersion } from '../src/main.js';
import { runCli } from './in-process.js';
import { type App, openApp } from './support.js';

const sqlite = BACKENDS.find((backend) => backend.name === 'sqlite');
if (!sqlite) throw new Error('the sqlite backend case is missing');

const IDS = ['firsthourA000000000000000', 'firsthourB000000000000000'];
const RECORD = { created: Date.now(), accessed: Date.now(), expires: null, data: { user: 'ada' } };

let app: App;
beforeAll(async () => {
  app = await openApp(sqlite);
  for (const id of IDS) await app.storage.namespace('session').set(id, RECORD);
});
afterAll(() => app.close());

describe('session-inspect --version', () => {
  it("prints the package's version, anywhere before --", async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(cliVersion()).toBe(version);
    for (const args of [['--version'], ['-V'], ['list', '--version']]) {
      expect(await runCli(app, args)).toEqual({ code: 0, stdout: `session-inspect ${version}\n`, stderr: '' });
    }
  });
});

describe('a data flag without its value', () => {
  it('is a usage error, not a filter that selects everything', async () => {
    for (const [args, flag] of [
      [['list', '--filter'], '--filter'],
      [['purge', '--where', '--yes'], '--where'],
    ] as const) {
      const run = await runCli(app, args);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`session-inspect: ${flag}: expected KEY=VALUE or KEY after it\n`);
    }
    expect(await app.storage.namespace('session').count()).toBe(IDS.length);
  });
});

describe('purge --all --dry-run', () => {
  it('lists the id of every session it would delete, and deletes none', async () => {
    const run = await runCli(app, ['purge', '--all', '--dry-run']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, -1).sort()).toEqual([...IDS].sort());
    expect(lines.at(-1)).toMatch(/^would purge 2 sessions \(all\) from sqlite /);
    expect(await app.storage.namespace('session').count()).toBe(IDS.length);
  });

  it('prints only the summary as JSON', async () => {
    const run = await runCli(app, ['purge', '--all', '--dry-run', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, purged: 2 });
  });
});

describe('the time a purge reports', () => {
  it('leaves out the time spent at the prompt', async () => {
    const extra = 'firsthourC000000000000000';
    await app.storage.namespace('session').set(extra, RECORD);
    // The person thinks for an hour: the clock moves while the prompt waits.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const run = await runCli(app, ['purge', extra, '--json'], {
        interactive: true,
        answer: 'y',
        beforeAnswer: async () => {
          vi.setSystemTime(Date.now() + 3_600_000);
        },
      });
      expect(run.code).toBe(0);
      const { purged, seconds } = JSON.parse(run.stdout) as { purged: number; seconds: number };
      expect(purged).toBe(1);
      expect(seconds).toBeLessThan(60);
    } finally {
      vi.useRealTimers();
    }
  });
});
