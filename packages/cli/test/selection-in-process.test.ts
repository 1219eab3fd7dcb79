import type { Namespace } from '@vessel/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS } from '../../../test-support/backends.js';
import { runCli } from './in-process.js';
import { type App, openApp, writeCorrupt } from './support.js';

// The selection of `list` and `purge`, run in this process (StrykerJS sees it) on a frozen clock,
// so that a record created exactly a span ago sits on the boundary.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The frozen "now" of every run. */
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

const sqlite = BACKENDS.find((backend) => backend.name === 'sqlite');
if (!sqlite) throw new Error('the sqlite backend case is missing');

/** A whole session id (22 characters or more) that says what it is. */
const id = (name: string) => name.padEnd(26, '0');

/** A stored session record with its times chosen by the test (ms before NOW). */
function record(createdAgo: number, accessedAgo: number, data: Record<string, unknown>, expires: number | null = null) {
  return { created: NOW - createdAgo, accessed: NOW - accessedAgo, expires, data };
}

/** The population: data matches, ages and idleness on both sides of their boundaries, corrupt and expired records. */
async function populate(app: App): Promise<Namespace> {
  const sessions = app.storage.namespace('session');
  await sessions.set(id('ada'), record(HOUR, HOUR, { user: 'ada', role: 'admin' }));
  await sessions.set(id('ada2'), record(HOUR, HOUR, { user: 'ada' }));
  await sessions.set(id('adam'), record(HOUR, HOUR, { user: 'adam' }));
  await sessions.set(id('xada'), record(HOUR, HOUR, { user: 'xada' }));
  await sessions.set(id('adaspace'), record(HOUR, HOUR, { user: 'ada ' }));
  await sessions.set(id('equals'), record(HOUR, HOUR, { expr: 'a=b', user: '' }));
  // Old but in use: created 10 days ago, accessed an hour ago.
  await sessions.set(id('oldbusy'), record(10 * DAY, HOUR, { user: 'olga' }));
  // Two days old and idle since.
  await sessions.set(id('newidle'), record(2 * DAY, 2 * DAY, { user: 'nina' }));
  // Created exactly 3 days ago, and a millisecond more.
  await sessions.set(id('edgeold'), record(3 * DAY, HOUR, { user: 'ida' }));
  await sessions.set(id('pastold'), record(3 * DAY + 1, HOUR, { user: 'ida' }));
  // Idle exactly 4 days, and a millisecond more.
  await sessions.set(id('edgeidle'), record(5 * DAY, 4 * DAY, { user: 'ida' }));
  await sessions.set(id('pastidle'), record(5 * DAY, 4 * DAY + 1, { user: 'ivo' }));
  // The record's own expiry: passed a millisecond ago, passing right now, a millisecond ahead.
  await sessions.set(id('expiredrec'), record(2 * HOUR, 2 * HOUR, { user: 'gone' }, NOW - 1));
  await sessions.set(id('expiresnow'), record(2 * HOUR, 2 * HOUR, { user: 'gone' }, NOW));
  await sessions.set(id('expiressoon'), record(2 * HOUR, 2 * HOUR, { user: 'gone' }, NOW + 1));
  // The storage's own expiry passed (not swept yet): written a minute before it, with a 30 s TTL.
  vi.setSystemTime(NOW - MINUTE);
  await sessions.set(id('ghost'), record(HOUR, HOUR, { user: 'ghost' }), { ttlMs: 30_000 });
  vi.setSystemTime(NOW);
  await writeCorrupt(app, id('broken'));
  await sessions.set(id('foreign'), { hello: 'not a session' });
  // Never a session: the purge must not reach other namespaces.
  await app.storage.namespace('cache:users').set('ada', { user: 'ada' });
  return sessions;
}

/** Ids printed by `purge --dry-run`, sorted. */
function printedIds(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^[a-z0-9]{26}$/.test(line))
    .sort();
}

const ids = (...names: string[]) => names.map(id).sort();

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
});

afterAll(() => {
  vi.useRealTimers();
});

describe('session-inspect selection, in process', () => {
  let app: App;

  beforeAll(async () => {
    app = await openApp(sqlite);
    await populate(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function dryRun(...args: string[]): Promise<string[]> {
    const run = await runCli(app, ['purge', '--dry-run', ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = printedIds(run.stdout);
    const summary = run.stdout.split('\n').at(-2) ?? '';
    expect(summary.startsWith(`would purge ${printed.length} session${printed.length === 1 ? '' : 's'} (`)).toBe(true);
    return printed;
  }

  async function listed(...args: string[]): Promise<string[]> {
    const run = await runCli(app, ['list', '--json', ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { sessions: { id: string }[] }).sessions.map((session) => session.id).sort();
  }

  it('matches --where KEY=VALUE by the whole value: not adam, xada or "ada "', async () => {
    expect(await dryRun('--where', 'user=ada')).toEqual(ids('ada', 'ada2'));
    expect(await listed('--filter', 'user=ada')).toEqual(ids('ada', 'ada2'));
  });

  it('matches --where KEY by presence, whatever the value', async () => {
    expect(await dryRun('--where', 'role')).toEqual(ids('ada'));
    expect(await dryRun('--where', 'expr')).toEqual(ids('equals'));
  });

  it('splits --where at the first "=": the value may hold "=" and may be empty', async () => {
    expect(await dryRun('--where', 'expr=a=b')).toEqual(ids('equals'));
    expect(await dryRun('--where', 'expr=a')).toEqual([]);
    expect(await dryRun('--where', 'user=')).toEqual(ids('equals'));
  });

  it('refuses a --where or --filter term without a key, naming the flag', async () => {
    for (const term of ['=ada', ' =ada', '  ']) {
      for (const [flag, args] of [
        ['--where', ['purge', '--dry-run', '--where', term]],
        ['--filter', ['list', '--filter', term]],
      ] as const) {
        const run = await runCli(app, args);
        expect(run.code).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(`session-inspect: ${flag}: expected KEY=VALUE or KEY, got ${JSON.stringify(term)}\n`);
      }
    }
  });

  it('refuses a span that is not a duration, naming the flag', async () => {
    for (const flag of ['--older-than', '--idle-longer-than']) {
      const run = await runCli(app, ['purge', '--dry-run', flag, 'soon']);
      expect(run).toEqual({
        code: 2,
        stdout: '',
        stderr: `session-inspect: ${flag}: expected a duration like 90 (seconds), 15m, 2h or 7d, got "soon"\n`,
      });
    }
  });

  it('needs every --where term to hold (AND)', async () => {
    expect(await dryRun('--where', 'user=ada', '--where', 'role=admin')).toEqual(ids('ada'));
    expect(await dryRun('--where', 'user=ada', '--where', 'role')).toEqual(ids('ada'));
    expect(await dryRun('--where', 'role=admin', '--where', 'user=adam')).toEqual([]);
    expect(await listed('--filter', 'role', '--filter', 'user=ada')).toEqual(ids('ada'));
  });

  it('measures --older-than from creation; exactly the span is not older', async () => {
    expect(await dryRun('--older-than', '3d')).toEqual(ids('oldbusy', 'pastold', 'edgeidle', 'pastidle'));
    expect(await listed('--older-than', '3d')).toEqual(ids('oldbusy', 'pastold', 'edgeidle', 'pastidle'));
  });

  it('measures --idle-longer-than from the last access; exactly the span is not idle', async () => {
    expect(await dryRun('--idle-longer-than', '4d')).toEqual(ids('pastidle'));
    expect(await listed('--idle-longer-than', '4d')).toEqual(ids('pastidle'));
    expect(await dryRun('--idle-longer-than', '1d')).toEqual(ids('newidle', 'edgeidle', 'pastidle'));
  });

  it('combines age, idleness and data: every criterion must hold', async () => {
    expect(await dryRun('--older-than', '3d', '--idle-longer-than', '1d')).toEqual(ids('edgeidle', 'pastidle'));
    expect(await dryRun('--older-than', '3d', '--idle-longer-than', '1d', '--where', 'user=ida')).toEqual(
      ids('edgeidle'),
    );
    expect(await dryRun('--older-than', '1d', '--where', 'user=ida')).toEqual(ids('edgeold', 'pastold', 'edgeidle'));
    expect(await listed('--idle-longer-than', '1d', '--filter', 'user=nina')).toEqual(ids('newidle'));
  });

  it('selects only unreadable records with --corrupt, and never one by age or data', async () => {
    expect(await dryRun('--corrupt')).toEqual(ids('broken', 'foreign'));
    expect(await listed('--corrupt')).toEqual(ids('broken', 'foreign'));
    expect(await dryRun('--corrupt', '--older-than', '1s')).toEqual([]);
    expect(await dryRun('--corrupt', '--where', 'hello')).toEqual([]);
    expect(await dryRun('--older-than', '1s', '--where', 'hello')).toEqual([]);
    expect(await dryRun('--idle-longer-than', '1s', '--where', 'user=gone')).toEqual(
      ids('expiredrec', 'expiresnow', 'expiressoon'),
    );
  });

  it('purges by criteria among expired records too, which list leaves out', async () => {
    expect(await dryRun('--where', 'user=gone')).toEqual(ids('expiredrec', 'expiresnow', 'expiressoon'));
    expect(await dryRun('--where', 'user=ghost')).toEqual(ids('ghost'));
    expect(await listed('--filter', 'user=gone')).toEqual(ids('expiressoon'));
    expect(await listed('--filter', 'user=ghost')).toEqual([]);
  });

  it('lists expired records not swept yet with --expired: expiring at this very moment counts', async () => {
    expect(await listed('--expired')).toEqual(ids('expiredrec', 'expiresnow', 'ghost'));
    expect(await listed('--expired', '--filter', 'user=ghost')).toEqual(ids('ghost'));
  });

  it('applies the selection to sorted listings, and stops at --limit', async () => {
    const sorted = await runCli(app, ['list', '--json', '--sort', 'created', '--filter', 'user=ida']);
    expect((JSON.parse(sorted.stdout) as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toEqual([
      id('edgeold'),
      id('pastold'),
      id('edgeidle'),
    ]);
    const limited = await runCli(app, ['list', '--json', '--limit', '2', '--filter', 'user=ida']);
    const page = JSON.parse(limited.stdout) as { sessions: { id: string }[]; more: boolean };
    expect(page.sessions).toHaveLength(2);
    expect(page.more).toBe(true);
    const exact = await runCli(app, ['list', '--json', '--limit', '3', '--filter', 'user=ida']);
    expect(JSON.parse(exact.stdout)).toMatchObject({ more: false });
    expect((JSON.parse(exact.stdout) as { sessions: unknown[] }).sessions).toHaveLength(3);
  });

  it('prints nothing but the report for a dry run with --json', async () => {
    const run = await runCli(app, ['purge', '--dry-run', '--json', '--where', 'user=ada']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, purged: 2, selection: 'user=ada' });
  });

  it('asks for one way to choose sessions, and refuses none or several', async () => {
    const none = await runCli(app, ['purge', '--yes']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'session-inspect: say what to purge: session ids, --all, or --older-than/--idle-longer-than/--where/--corrupt\n',
    );
    for (const args of [
      ['--all', '--where', 'user=ada'],
      ['--all', '--', id('ada')],
      ['--older-than', '1d', '--', id('ada')],
      ['--idle-longer-than', '1d', '--all'],
      ['--corrupt', '--all'],
    ]) {
      const several = await runCli(app, ['purge', '--yes', ...args]);
      expect(several.code).toBe(2);
      expect(several.stderr).toBe(
        'session-inspect: give either session ids, --all, or criteria (--older-than, --where, …), not several\n',
      );
    }
    expect(await listed('--filter', 'user=ada')).toEqual(ids('ada', 'ada2'));
  });

  it('refuses to delete without a terminal unless --yes, and deletes nothing', async () => {
    for (const args of [['--where', 'user=ada'], ['--all'], ['--', id('ada')]]) {
      const run = await runCli(app, ['purge', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'session-inspect: refusing to delete sessions without confirmation: no terminal to ask on; add --yes (or --dry-run to see what would go)\n',
      );
    }
    expect(await listed('--filter', 'user=ada')).toEqual(ids('ada', 'ada2'));
  });

  it('lists and counts every session for --all --dry-run, expired ones included, and deletes nothing', async () => {
    const run = await runCli(app, ['purge', '--all', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, purged: 18, selection: 'all' });
    // As for any other selection, the ids that would go, then the count.
    const again = await runCli(app, ['purge', '--all', '--dry-run']);
    const lines = again.stdout.trim().split('\n');
    expect(lines).toHaveLength(19);
    expect(lines.slice(0, -1)).toContain(id('ada'));
    expect(lines.at(-1)).toBe(`would purge 18 sessions (all) from ${app.storage.location}`);
    expect(await app.storage.namespace('session').count({ includeExpired: true })).toBe(18);
  });

  it('prints the ids a dry run by id would delete, and deletes nothing', async () => {
    const run = await runCli(app, ['purge', '--dry-run', '--', id('adam'), id('xada'), id('adam')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `${id('adam')}\n${id('xada')}\nwould purge 2 sessions (by id) from ${app.storage.location}\n`,
    );
    expect(run.stderr).toBe('');
    const json = await runCli(app, ['purge', '--dry-run', '--json', '--', id('adam')]);
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, purged: 1, selection: 'by id' });
    expect(await listed('--filter', 'user=adam')).toEqual(ids('adam'));
  });
});

describe('session-inspect purge, in process', () => {
  let app: App;
  let sessions: Namespace;

  beforeEach(async () => {
    app = await openApp(sqlite);
    sessions = await populate(app);
  });

  afterEach(async () => {
    await app?.close();
  });

  /** Every key of the session namespace still stored, expired ones included. */
  async function remaining(): Promise<string[]> {
    const keys: string[] = [];
    for await (const entry of sessions.scan({ keysOnly: true, includeExpired: true })) keys.push(entry.key);
    return keys.sort();
  }
  const all = [
    'ada',
    'ada2',
    'adam',
    'xada',
    'adaspace',
    'equals',
    'oldbusy',
    'newidle',
    'edgeold',
    'pastold',
    'edgeidle',
    'pastidle',
    'expiredrec',
    'expiresnow',
    'expiressoon',
    'ghost',
    'broken',
    'foreign',
  ];
  const without = (...gone: string[]) => ids(...all.filter((name) => !gone.includes(name)));

  it('deletes exactly the sessions --where picks, with --yes', async () => {
    const run = await runCli(app, ['purge', '--yes', '--json', '--where', 'user=ada']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, purged: 2, selection: 'user=ada' });
    expect(await remaining()).toEqual(without('ada', 'ada2'));
    expect(await app.storage.namespace('cache:users').get('ada')).toEqual({ user: 'ada' });
  });

  it('deletes expired records the criteria pick, the storage-expired ones too', async () => {
    const run = await runCli(app, ['purge', '--yes', '--json', '--where', 'user=ghost']);
    expect(JSON.parse(run.stdout)).toMatchObject({ purged: 1 });
    const gone = await runCli(app, ['purge', '--yes', '--json', '--where', 'user=gone']);
    expect(JSON.parse(gone.stdout)).toMatchObject({ purged: 3 });
    expect(await remaining()).toEqual(without('ghost', 'expiredrec', 'expiresnow', 'expiressoon'));
  });

  it('deletes by age and idleness, and corrupt records', async () => {
    const idle = await runCli(app, ['purge', '--yes', '--json', '--idle-longer-than', '4d']);
    expect(JSON.parse(idle.stdout)).toMatchObject({ purged: 1 });
    const old = await runCli(app, ['purge', '--yes', '--json', '--older-than', '3d']);
    expect(JSON.parse(old.stdout)).toMatchObject({ purged: 3 });
    const corrupt = await runCli(app, ['purge', '--yes', '--json', '--corrupt']);
    expect(JSON.parse(corrupt.stdout)).toMatchObject({ purged: 2, selection: 'corrupt' });
    expect(await remaining()).toEqual(without('pastidle', 'oldbusy', 'pastold', 'edgeidle', 'broken', 'foreign'));
  });

  it('asks at a terminal with the count and deletes only on yes', async () => {
    const declined = await runCli(app, ['purge', '--where', 'user=ada'], { interactive: true, answer: 'n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toBe(
      `Delete 2 sessions (user=ada) from ${app.storage.location}? [y/N] session-inspect: aborted: nothing deleted\n`,
    );
    expect(await remaining()).toEqual(ids(...all));
    const agreed = await runCli(app, ['purge', '--where', 'user=ada'], { interactive: true, answer: 'y' });
    expect(agreed.code).toBe(0);
    expect(agreed.stdout).toMatch(/^purged 2 sessions \(user=ada\) from .* in 0\.0s\n$/);
    expect(await remaining()).toEqual(without('ada', 'ada2'));
  });

  it('does not ask when the criteria pick nothing', async () => {
    const run = await runCli(app, ['purge', '--where', 'user=nobody'], { interactive: true, answer: 'n' });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`purged 0 sessions (user=nobody) from ${app.storage.location} in 0.0s\n`);
  });

  it('deletes by id only the sessions named, asking first at a terminal', async () => {
    const declined = await runCli(app, ['purge', '--', id('adam'), id('xada')], { interactive: true, answer: 'no' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain(`Delete 2 sessions (by id) from ${app.storage.location}? [y/N] `);
    expect(await remaining()).toEqual(ids(...all));
    const run = await runCli(app, ['purge', '--yes', '--json', '--', id('adam'), id('xada')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, purged: 2, selection: 'by id' });
    expect(await remaining()).toEqual(without('adam', 'xada'));
  });

  it('deletes every session with --all, expired ones included, and nothing else', async () => {
    const declined = await runCli(app, ['purge', '--all'], { interactive: true, answer: '' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain(`Delete 18 sessions (all) from ${app.storage.location}? [y/N] `);
    expect(await remaining()).toEqual(ids(...all));
    const run = await runCli(app, ['purge', '--all', '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, purged: 18, selection: 'all' });
    expect(await remaining()).toEqual([]);
    expect(await app.storage.namespace('cache:users').get('ada')).toEqual({ user: 'ada' });
    // Nothing left: no question to ask.
    const empty = await runCli(app, ['purge', '--all'], { interactive: true, answer: 'n' });
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe('');
    expect(empty.stdout).toBe(`purged 0 sessions (all) from ${app.storage.location} in 0.0s\n`);
  });
});
