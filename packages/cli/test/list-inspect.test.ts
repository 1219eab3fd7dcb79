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

interface ListedSession {
  id: string;
  created: string | null;
  accessed: string | null;
  expires: string | null;
  size: number;
  keys?: string[];
  data?: Record<string, unknown>;
  corrupt?: string;
}

const CORRUPT_ID = 'corrupt-record-000000000000000';

/** `list` selections and the sessions each must pick. */
const SELECTIONS: { args: string[]; expected: (p: Population) => string[]; everywhere?: boolean }[] = [
  { everywhere: true, args: ['--filter', 'user=ada'], expected: (p: Population) => [...p.ada] },
  { args: ['--filter', 'role'], expected: (p: Population) => [p.ada[0] as string] },
  { args: ['--filter', 'user=ada', '--filter', 'role=admin'], expected: (p: Population) => [p.ada[0] as string] },
  { args: ['--filter', 'cart.items'], expected: (p: Population) => [p.bob] },
  { args: ['--filter', 'login=2026-01-02T03:04:05.000Z'], expected: (p: Population) => [p.bob] },
  { args: ['--filter', 'credits=12345678901234567890'], expected: (p: Population) => [p.bob] },
  { everywhere: true, args: ['--older-than', '5d'], expected: (p: Population) => [p.carol] },
  { args: ['--idle-longer-than', '1d'], expected: (p: Population) => [p.carol] },
  { everywhere: true, args: ['--corrupt'], expected: () => [CORRUPT_ID] },
  { args: ['--filter', 'user=nobody'], expected: () => [] },
];

describe.each(CLI_BACKENDS)('session-inspect list and inspect on $name', (backend) => {
  let app: App;
  let people: Population;

  beforeAll(async () => {
    app = await openApp(backend);
    people = await populate(app.storage);
    await writeBystanders(app);
    await writeCorrupt(app, CORRUPT_ID);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function listJson(...args: string[]): Promise<ListedSession[]> {
    const run = await app.run('list', '--json', ...args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { sessions: ListedSession[] }).sessions;
  }

  it('lists every session record, corrupt ones marked, and nothing from caches or foreign keys', async () => {
    const sessions = await listJson();
    const ids = sessions.map((session) => session.id).sort();
    expect(ids).toEqual([...people.ada, people.bob, people.carol, ...people.twins, CORRUPT_ID].sort());
    const corrupt = sessions.find((session) => session.id === CORRUPT_ID);
    expect(corrupt?.corrupt).toMatch(/./);
    const bob = sessions.find((session) => session.id === people.bob);
    expect(bob?.keys).toEqual(['user', 'login', 'prefs', 'roles', 'credits', 'cart']);
    expect(bob?.data).toMatchObject({ login: '2026-01-02T03:04:05.000Z', prefs: { theme: 'dark' }, roles: ['dev'] });
    expect(bob?.size).toBeGreaterThan(50);
    expect(Date.parse(bob?.expires ?? '') - Date.now()).toBeGreaterThan(3500_000);
  });

  it('prints a table with short ids, a CORRUPT row and a hint about it', async () => {
    const run = await app.run('list', '--show', 'user');
    expect(run.code).toBe(0);
    const [head, ...rows] = run.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^id\s+created \(UTC\)\s+last access\s+expires\s+size\s+keys\s+user$/);
    expect(rows).toHaveLength(7);
    expect(run.stdout).toContain(`${people.bob.slice(0, 12)} `);
    expect(run.stdout).not.toContain(people.bob);
    expect(rows.find((row) => row.startsWith(CORRUPT_ID.slice(0, 12)))).toMatch(/CORRUPT/);
    expect(rows.find((row) => row.startsWith(people.carol.slice(0, 12)))).toMatch(
      // Two units are shown: a slow run adds seconds to the 10 days (`10d 3s ago`).
      / 10d(?: \d{1,2}s)? ago\s+in (19d 23h|20d) .*"carol"$/,
    );
    expect(run.stderr).toMatch(/1 corrupt record: `inspect ID` shows why, `purge --corrupt` removes them/);
    const full = await app.run('list', '--full-ids');
    expect(full.stdout).toContain(people.bob);
  });

  // The selection logic is the CLI's own: every case on SQLite, the ones that read differently per backend elsewhere.
  it.each(SELECTIONS.filter((selection) => selection.everywhere || backend.name === 'sqlite'))(
    'selects with $args',
    async ({ args, expected }) => {
      const ids = (await listJson(...args)).map((session) => session.id).sort();
      expect(ids).toEqual(expected(people).sort());
    },
  );

  it('sorts while streaming and keeps the first --limit, saying more exist', async () => {
    const run = await app.run('list', '--json', '--sort', 'created', '--reverse', '--limit', '1');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { sessions: ListedSession[]; more: boolean };
    expect(document.sessions.map((session) => session.id)).toEqual([people.carol]);
    expect(document.more).toBe(true);
    expect(run.stderr).toMatch(/^1 session of 7 shown, by created; --limit N for more\n$/);
    const bySize = await listJson('--sort', 'size', '--limit', '2', '--corrupt');
    expect(bySize.map((session) => session.id)).toEqual([CORRUPT_ID]);
    const biggest = await app.run('list', '--json', '--sort', 'size', '--limit', '1');
    expect((JSON.parse(biggest.stdout) as { sessions: ListedSession[] }).sessions[0]?.id).toBe(people.bob);
    const unsorted = await app.run('list', '--limit', '2');
    expect(unsorted.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(unsorted.stderr).toMatch(/2 sessions shown and more exist/);
  });

  it('streams --ndjson, one parsable line per session', async () => {
    const run = await app.run('list', '--ndjson', '--filter', 'user');
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ListedSession);
    expect(lines.map((line) => line.id).sort()).toEqual(
      [...people.ada, people.bob, people.carol, ...people.twins].sort(),
    );
  });

  it('inspects a session by unique prefix, with its data as a typed tree', async () => {
    const run = await app.run('inspect', '--', people.bob.slice(0, 6));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(people.bob);
    for (const line of [
      '├─ user: "bob"',
      '├─ login: Date 2026-01-02T03:04:05.000Z',
      '├─ prefs: Map(1)',
      '│  └─ "theme" → "dark"',
      '├─ roles: Set(1)',
      '├─ credits: 12345678901234567890n (bigint)',
      '└─ cart: Object(1)',
      '         └─ qty: 2 (number)',
    ])
      expect(run.stdout).toContain(line);
    const json = await app.run('inspect', '--json', '--', people.bob);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: people.bob,
      data: { credits: '12345678901234567890', cart: { items: [{ sku: 'A1', qty: 2 }] } },
    });
  });

  it('shows a corrupt record with its reason instead of failing', async () => {
    const run = await app.run('inspect', CORRUPT_ID.slice(0, 10));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/CORRUPT\s+│ .+/);
  });

  it.each([
    {
      id: 'twin',
      code: 2,
      message:
        /^session-inspect: id prefix "twin" is ambiguous: it matches 2 sessions \(twin1+, twin2+\); give more characters\n$/,
    },
    { id: 'zzzzzzzz', code: 1, message: /^session-inspect: no session matches "zzzzzzzz"\n$/ },
    { id: 'tw', code: 2, message: /too short: give at least 4 characters/ },
  ])('refuses id $id with exit code $code', async ({ id, code, message }) => {
    const run = await app.run('inspect', id);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});
