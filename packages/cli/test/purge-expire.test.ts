import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type App,
  CLI_BACKENDS,
  openApp,
  type Population,
  populate,
  writeBystanders,
  writeCorrupt,
} from './support.js';

const CORRUPT_ID = 'corrupt-record-000000000000000';

/** The ids `list --json` shows (expired ones with `--expired`). */
async function listed(app: App, ...args: string[]): Promise<string[]> {
  const run = await app.run('list', '--json', '--limit', '0', ...args);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { sessions: { id: string }[] }).sessions.map((session) => session.id).sort();
}

describe.each(CLI_BACKENDS)('session-inspect purge and expire on $name', (backend) => {
  let app: App;
  let people: Population;
  let everyone: string[];

  beforeAll(async () => {
    app = await openApp(backend);
    people = await populate(app.storage);
    await writeBystanders(app);
    await writeCorrupt(app, CORRUPT_ID);
    everyone = [...people.ada, people.bob, people.carol, ...people.twins, CORRUPT_ID].sort();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses to delete without a terminal to confirm on, and deletes nothing', async () => {
    const run = await app.run('purge', '--all');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'session-inspect: refusing to delete sessions without confirmation: no terminal to ask on; add --yes (or --dry-run to see what would go)\n',
    );
    expect(await listed(app)).toEqual(everyone);
  });

  it('prints what a dry run would delete, and deletes nothing', async () => {
    const run = await app.run('purge', '--where', 'user=ada', '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').slice(0, 2).sort()).toEqual([...people.ada].sort());
    expect(run.stdout).toMatch(/would purge 2 sessions \(user=ada\) from /);
    expect(await listed(app)).toEqual(everyone);
  });

  it('purges by data, by age and corrupt records, reporting counts as JSON', async () => {
    const byUser = await app.run('purge', '--where', 'user=ada', '--yes', '--json');
    expect(byUser.code).toBe(0);
    expect(JSON.parse(byUser.stdout)).toMatchObject({ dryRun: false, purged: 2, selection: 'user=ada' });
    const byAge = await app.run('purge', '--older-than', '5d', '--yes');
    expect(byAge.stdout).toMatch(/^purged 1 session \(created more than 5d ago\) from .+ in \d+\.\ds\n$/);
    const corrupt = await app.run('purge', '--corrupt', '--yes', '--json');
    expect(JSON.parse(corrupt.stdout)).toMatchObject({ purged: 1, selection: 'corrupt' });
    expect(await listed(app)).toEqual([people.bob, ...people.twins].sort());
  });

  it('moves an expiry by id prefix, later and then to now', async () => {
    const later = await app.run('expire', '--in', '2h', '--json', '--yes', '--', people.bob.slice(0, 8));
    expect(later.code).toBe(0);
    expect(later.stderr).toBe(`id prefix "${people.bob.slice(0, 8)}" matches session ${people.bob}\n`);
    expect(JSON.parse(later.stdout)).toMatchObject({ action: 'moved', count: 1, ids: [people.bob] });
    const shown = await app.run('inspect', '--json', '--', people.bob);
    const expires = Date.parse((JSON.parse(shown.stdout) as { expires: string }).expires);
    expect(expires - Date.now()).toBeGreaterThan(7000_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(7200_000);

    const now = await app.run('expire', '--now', '--', people.bob);
    expect(now.stdout).toBe('expired 1 session now\n');
    expect(await listed(app)).toEqual([...people.twins].sort());
    // Redis drops an expired key at once; the others keep it until a sweep.
    const sweeps = backend.type !== 'redis';
    expect(await listed(app, '--expired')).toEqual(sweeps ? [people.bob] : []);
    const sweep = await app.run('expire', '--sweep', '--json');
    expect(sweep.code).toBe(0);
    expect(JSON.parse(sweep.stdout)).toMatchObject({ action: 'swept', count: sweeps ? 1 : 0 });
    expect(await listed(app, '--expired')).toEqual([]);
  });

  it('purges by id and fails on an unknown one', async () => {
    const run = await app.run('purge', '--yes', '--', people.twins[0] as string);
    expect(run.stdout).toMatch(/^purged 1 session \(by id\)/);
    const unknown = await app.run('purge', 'nosuchsession', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('session-inspect: no session matches "nosuchsession"\n');
  });

  it('purges every session and nothing else: caches and foreign keys survive', async () => {
    const before = (await app.backend.rawKeys?.()) ?? [];
    const run = await app.run('purge', '--all', '--yes', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ purged: 1, selection: 'all' });
    expect(await listed(app)).toEqual([]);
    expect(await app.storage.namespace('cache:users').get('ada')).toEqual({ name: 'Ada' });
    if (app.backend.rawKeys) {
      const after = await app.backend.rawKeys();
      expect(after).toEqual(before.filter((key) => !key.startsWith(`${app.storage.prefix}:session::`)));
      expect(after).toEqual(
        expect.arrayContaining([`${app.storage.prefix}-foreign:key`, `${app.storage.prefix}:session:near`]),
      );
    }
  });
});
