import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BACKENDS } from '../../../test-support/backends.js';
import { type App, CLI_BACKENDS, inspect, inspectOnTerminal, openApp, type Population, populate } from './support.js';

const sqlite = CLI_BACKENDS.find((backend) => backend.name === 'sqlite');

describe('session-inspect on a terminal, usage and failures', () => {
  let app: App;
  let people: Population;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite backend');
    app = await openApp(sqlite);
    people = await populate(app.storage);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('asks on a terminal with the count, and deletes nothing when told no', async () => {
    const run = await inspectOnTerminal(['purge', '--where', 'user=ada'], app.dir, 'n');
    expect(run.stdout).toMatch(/Delete 2 sessions \(user=ada\) from sqlite .+vessel\.sqlite\? \[y\/N\]/);
    expect(run.stdout).toMatch(/aborted: nothing deleted/);
    expect(run.code).toBe(1);
    expect(await app.storage.namespace('session').has(people.ada[0] as string)).toBe(true);
  });

  it('deletes when the person at the terminal says yes', async () => {
    const run = await inspectOnTerminal(['purge', people.carol.slice(0, 6)], app.dir, 'y');
    expect(run.stdout).toMatch(/Delete 1 session \(by id\)/);
    expect(run.stdout).toMatch(/purged 1 session \(by id\)/);
    expect(run.code).toBe(0);
    expect(await app.storage.namespace('session').has(people.carol)).toBe(false);
  });

  it('reads ids that start with "-" after --', async () => {
    await app.storage
      .namespace('session')
      .set('-dash-id-000000000000000000', { created: 1, accessed: 1, expires: null, data: {} });
    const run = await app.run('inspect', '--json', '--', '-dash');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: '-dash-id-000000000000000000', keys: [] });
    const purge = await app.run('purge', '--yes', '--', '-dash-id-000000000000000000');
    expect(purge.stdout).toMatch(/^purged 1 session \(by id\)/);
  });

  it('says no more exist when a terminal listing fits in one page', async () => {
    const run = await inspectOnTerminal(['list', '--json'], app.dir, '');
    expect(run.stdout).toMatch(/"more":false/);
  });

  it('reports counts, size percentiles and histograms', async () => {
    const run = await app.run('stats', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ records: 5, live: 5, expired: 0, corrupt: 0, oldest: { id: expect.any(String) } });
    expect(report.sizes.p50).toBeGreaterThan(0);
    expect(report.sizes.max).toBeGreaterThanOrEqual(report.sizes.p99);
    expect(report.age.find((bucket: { label: string }) => bucket.label === '< 1m').count).toBe(5);
    expect(report.expiry.find((bucket: { label: string }) => bucket.label === 'in 1m - 1h').count).toBe(5);
    const table = await app.run('stats');
    expect(table.stdout).toMatch(/sessions\s+│ 5 \(5 live, 0 expired, 0 corrupt\)/);
    expect(table.stdout).toMatch(/ {2}< 1m +█{30} {2}5\n/);
  });

  it.each([
    { args: ['frobnicate'], message: /Unknown argument: frobnicate/ },
    { args: ['purge'], message: /say what to purge: session ids, --all, or/ },
    {
      args: ['purge', '--all', '--where', 'user=ada', '--yes'],
      message: /give either session ids, --all, or criteria/,
    },
    {
      args: ['purge', '--older-than', 'soon', '--yes'],
      message: /--older-than: expected a duration like 90 \(seconds\), 15m, 2h or 7d, got "soon"/,
    },
    { args: ['list', '--json', '--ndjson'], message: /give --json or --ndjson, not both/ },
    { args: ['list', '--limit', '-1'], message: /--limit: expected a whole number >= 0/ },
    { args: ['list', '--sort', 'colour'], message: /Invalid values/ },
    { args: ['list', '--filter', '=x'], message: /--filter: expected KEY=VALUE or KEY/ },
    { args: ['expire', 'abcdef'], message: /say when: --now, --in DUR, or --sweep/ },
    { args: ['expire', '--sweep', '--now'], message: /give one of --now, --in DUR or --sweep/ },
    { args: ['inspect'], message: /name one session: inspect ID \(ids starting with "-" go after --\)/ },
  ])('exits 2 on $args', async ({ args, message }) => {
    const run = await app.run(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
  });

  it('shows examples for every command in --help', async () => {
    const top = await app.run('--help');
    expect(top.code).toBe(0);
    for (const command of ['list', 'inspect', 'purge', 'expire', 'stats']) {
      expect(top.stdout).toContain(`session-inspect ${command}`);
      const help = await app.run(command, '--help');
      expect(help.stdout).toMatch(/Examples:\n/);
    }
    expect(top.stdout).toMatch(/Exit codes: 0 done, 1 failure/);
  });

  it('fails within seconds with one clear line when Redis is unreachable', async () => {
    const started = Date.now();
    const run = await app.run('--url', 'redis://:hunter2@127.0.0.1:1', 'list');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'session-inspect: cannot reach redis://:***@127.0.0.1:1: ECONNREFUSED (is it running and reachable? check --url, or the config file that named it)\n',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const debug = await app.run('--url', 'redis://127.0.0.1:1', 'stats', '--debug');
    expect(debug.stderr).toMatch(/\n {4}at /);
  });

  it('says plainly that cookie-only sessions have no store', async () => {
    await writeFile(path.join(app.dir, 'cookie.ini'), '[app:main]\nsession.type = cookie\nsession.secret = s\n');
    const run = await app.run('--config', 'cookie.ini', 'list');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/session\.type = cookie: sessions live in the browsers' cookies/);
  });
});

describe('session-inspect on a Redis cluster', () => {
  const cluster = BACKENDS.find((backend) => backend.name === 'redis-cluster');

  it('lists and purges sessions across the masters, found through the config file', async () => {
    if (!cluster) throw new Error('no cluster backend');
    const open = await cluster.open();
    const seeds = inject('redisClusterSeeds');
    try {
      const people = await populate(open.storage);
      const dir = path.dirname(path.join(process.cwd(), 'x'));
      const config = path.join(await import('node:os').then((os) => os.tmpdir()), `${open.storage.prefix}.json`);
      await writeFile(config, JSON.stringify({ cluster: seeds, prefix: open.storage.prefix }));
      const run = await inspect(['--config', config, 'list', '--json'], dir);
      expect(run.code).toBe(0);
      const ids = (JSON.parse(run.stdout) as { sessions: { id: string }[] }).sessions.map((session) => session.id);
      expect(ids.sort()).toEqual([...people.ada, people.bob, people.carol, ...people.twins].sort());
      const purge = await inspect(['--config', config, 'purge', '--where', 'user=ada', '--yes', '--json'], dir);
      expect(JSON.parse(purge.stdout)).toMatchObject({ purged: 2 });
    } finally {
      await open.cleanup();
    }
  });
});
