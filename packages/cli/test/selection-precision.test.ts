import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../../test-support/backends.js';
import { type App, inspectOnTerminal, openApp } from './support.js';

const DAY = 86_400_000;
const sqlite = BACKENDS.find((backend) => backend.name === 'sqlite');
if (!sqlite) throw new Error('the sqlite backend case is missing');

/** A stored session record as the application writes it, with its times chosen by the test. */
function record(created: number, accessed: number, data: Record<string, unknown>) {
  return { created, accessed, expires: null, data };
}

/** A valid session id (22 base64url characters or more) that says what it is. */
const id = (name: string) => name.padEnd(26, '0');

describe('session-inspect selects exactly what it is told', () => {
  let app: App;
  const now = Date.now();

  beforeAll(async () => {
    app = await openApp(sqlite);
    const sessions = app.storage.namespace('session');
    await sessions.set(id('ada'), record(now, now, { user: 'ada' }));
    await sessions.set(id('adam'), record(now, now, { user: 'adam' }));
    await sessions.set(id('xada'), record(now, now, { user: 'xada' }));
    // Created long ago and used just now: old, but not idle.
    await sessions.set(id('oldbutactive'), record(now - 10 * DAY, now, { user: 'olga' }));
    // Created recently and idle since: idle, but not old.
    await sessions.set(id('newbutidle'), record(now - 2 * DAY, now - 2 * DAY, { user: 'nina' }));
  });

  afterAll(async () => {
    await app?.close();
  });

  async function dryRun(...args: string[]): Promise<string[]> {
    const run = await app.run('purge', '--dry-run', ...args);
    expect(run.code).toBe(0);
    return run.stdout
      .split('\n')
      .filter((line) => /^[A-Za-z0-9_-]{22,}$/.test(line))
      .sort();
  }

  it('matches --where KEY=VALUE by the whole value, never a part of it', async () => {
    expect(await dryRun('--where', 'user=ada')).toEqual([id('ada')]);
    const listed = await app.run('list', '--json', '--filter', 'user=ada');
    const sessions = (JSON.parse(listed.stdout) as { sessions: { id: string }[] }).sessions;
    expect(sessions.map((session) => session.id)).toEqual([id('ada')]);
  });

  it('measures --older-than from creation, not from the last access', async () => {
    expect(await dryRun('--older-than', '5d')).toEqual([id('oldbutactive')]);
    expect(await dryRun('--older-than', '1d')).toEqual([id('newbutidle'), id('oldbutactive')].sort());
  });

  it('measures --idle-longer-than from the last access, not from creation', async () => {
    expect(await dryRun('--idle-longer-than', '1d')).toEqual([id('newbutidle')]);
    expect(await dryRun('--idle-longer-than', '5d')).toEqual([]);
  });
});

describe('session-inspect list on a terminal', () => {
  let app: App;

  beforeAll(async () => {
    app = await openApp(sqlite);
    const sessions = app.storage.namespace('session');
    const now = Date.now();
    for (let i = 0; i < 53; i++) await sessions.set(id(`page${i}x`), record(now, now, { i }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows the first 50 sessions and says more exist', async () => {
    const run = await inspectOnTerminal(['list', '--json'], app.dir, '');
    const json = run.stdout.slice(run.stdout.indexOf('{'), run.stdout.lastIndexOf('}') + 1);
    const listing = JSON.parse(json) as { sessions: unknown[]; more: boolean };
    expect(listing.sessions).toHaveLength(50);
    expect(listing.more).toBe(true);
  });

  it('lists every session when output is not a terminal, and on a terminal with --limit 0', async () => {
    const piped = await app.run('list', '--json');
    expect((JSON.parse(piped.stdout) as { sessions: unknown[] }).sessions).toHaveLength(53);
    const all = await inspectOnTerminal(['list', '--json', '--limit', '0'], app.dir, '');
    const json = all.stdout.slice(all.stdout.indexOf('{'), all.stdout.lastIndexOf('}') + 1);
    expect((JSON.parse(json) as { sessions: unknown[] }).sessions).toHaveLength(53);
  });
});
