import { SessionManager } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, CLI_BACKENDS, inspectOnTerminal, openApp, type Run, SECRET } from './support.js';

/** Clear screen, bell, carriage return, the one-byte CSI (C1) and a right-to-left override. */
const HOSTILE = '\x1b[2J\x07\r\u009b\u202e';
/** What must never reach the terminal raw, whatever the command prints. */
const RAW = ['\x1b', '\x07', '\r', '\u009b', '\u202e', '\u2066'];
/** How the CLI shows `HOSTILE` in human output. */
const SHOWN = '\\x1b[2J\\x07\\x0d\\x9b\\u202e';

/** `[` escaped so the pattern is valid; its source keeps the others raw, except CR, which it spells `\r`. */
const PATTERN = new RegExp(`re${HOSTILE.replace('[', '\\[')}`);
const PATTERN_SHOWN = '/re\\x1b\\[2J\\x07\\r\\x9b\\u202e/';

const HOSTILE_ID = `esc${HOSTILE}id-0000000000000000000000`;
const FOREIGN_ID = `foreign${HOSTILE}\u2066record`;

function expectNoRawControls(run: Run): void {
  for (const text of [run.stdout, run.stderr])
    for (const raw of RAW)
      expect(text.includes(raw), `raw ${JSON.stringify(raw)} in ${JSON.stringify(text)}`).toBe(false);
}

describe.each(CLI_BACKENDS)('session-inspect escapes stored text on $name', (backend) => {
  let app: App;

  beforeAll(async () => {
    app = await openApp(backend);
    const manager = new SessionManager({ secret: SECRET, timeout: 3600, generateId: () => HOSTILE_ID }, app.storage);
    const session = await manager.load({});
    session.set('user', 'mallory');
    session.set(`key${HOSTILE}`, `value${HOSTILE}\nsecond line`);
    session.set('pattern', PATTERN);
    session.set('prefs', new Map([[`mk${HOSTILE}`, `mv${HOSTILE}`]]));
    session.set('nested', { [`inner${HOSTILE}`]: [`deep${HOSTILE}`] });
    await session.save();
    await manager.commit(session);
    // A record another program wrote under the session namespace: listed as corrupt, by its foreign id.
    await app.backend.writeRaw?.(`${app.storage.prefix}:session::${FOREIGN_ID}`, 'not vessel');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists ids, shown values, RegExps and --show keys escaped', async () => {
    const run = await app.run('list', '--full-ids', '--show', `user,key${HOSTILE},pattern,prefs`);
    expect(run.code).toBe(0);
    expectNoRawControls(run);
    expect(run.stdout).toContain(`esc${SHOWN}id-`);
    expect(run.stdout).toContain(`foreign${SHOWN}\\u2066record`);
    expect(run.stdout).toContain(`key${SHOWN}`);
    expect(run.stdout).toContain(PATTERN_SHOWN);
    // One header line and one line per record: no stored newline split a row.
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('writes JSON and NDJSON that parse back to the stored ids and values, with no raw control', async () => {
    for (const format of ['--json', '--ndjson']) {
      const run = await app.run('list', format);
      expect(run.code).toBe(0);
      expectNoRawControls(run);
      const sessions =
        format === '--json'
          ? (JSON.parse(run.stdout) as { sessions: { id: string; data?: Record<string, unknown> }[] }).sessions
          : run.stdout
              .trimEnd()
              .split('\n')
              .map((line) => JSON.parse(line) as { id: string; data?: Record<string, unknown> });
      expect(sessions.map((session) => session.id).sort()).toEqual([HOSTILE_ID, FOREIGN_ID].sort());
      const data = sessions.find((session) => session.id === HOSTILE_ID)?.data;
      expect(data?.[`key${HOSTILE}`]).toBe(`value${HOSTILE}\nsecond line`);
      expect(data?.pattern).toBe(String(PATTERN));
    }
  });

  it('inspects a session with escaped metadata and tree, and a foreign record', async () => {
    const run = await app.run('inspect', '--', HOSTILE_ID);
    expect(run.code).toBe(0);
    expectNoRawControls(run);
    for (const line of [
      `esc${SHOWN}id-`,
      `├─ key${SHOWN}: "value\\u001b[2J\\u0007\\r\\x9b\\u202e\\nsecond line"`,
      `├─ pattern: RegExp ${PATTERN_SHOWN}`,
      `│  └─ "mk\\u001b[2J\\u0007\\r\\x9b\\u202e" → "mv\\u001b[2J\\u0007\\r\\x9b\\u202e"`,
      `   └─ inner${SHOWN}: Array(1)`,
    ])
      expect(run.stdout).toContain(line);
    const foreign = await app.run('inspect', '--', FOREIGN_ID);
    expect(foreign.code).toBe(0);
    expectNoRawControls(foreign);
    expect(foreign.stdout).toContain(`foreign${SHOWN}\\u2066record`);
    const json = await app.run('inspect', '--json', '--', HOSTILE_ID);
    expectNoRawControls(json);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: HOSTILE_ID,
      data: { prefs: { [`mk${HOSTILE}`]: `mv${HOSTILE}` } },
    });
  });

  it('prints dry-run ids, stats and errors escaped', async () => {
    const dry = await app.run('purge', '--dry-run', '--where', 'user=mallory');
    expect(dry.code).toBe(0);
    expectNoRawControls(dry);
    expect(dry.stdout.split('\n')[0]).toBe(`esc${SHOWN}id-0000000000000000000000`);
    const corrupt = await app.run('purge', '--dry-run', '--corrupt');
    expectNoRawControls(corrupt);
    expect(corrupt.stdout.split('\n')[0]).toBe(`foreign${SHOWN}\\u2066record`);
    const stats = await app.run('stats');
    expect(stats.code).toBe(0);
    expectNoRawControls(stats);
    expect(stats.stdout).toContain(`esc${SHOWN}id-`);
    const statsJson = await app.run('stats', '--json');
    expectNoRawControls(statsJson);
    expect(JSON.parse(statsJson.stdout)).toMatchObject({ oldest: { id: HOSTILE_ID } });
    const unknown = await app.run('purge', '--yes', '--', `gone${HOSTILE}`);
    expect(unknown.code).toBe(1);
    expectNoRawControls(unknown);
    expect(unknown.stderr).toContain(`gone\\u001b[2J\\u0007\\r\\x9b\\u202e`);
    const moved = await app.run('expire', '--in', '2h', '--json', '--', HOSTILE_ID);
    expect(moved.code).toBe(0);
    expectNoRawControls(moved);
    expect(JSON.parse(moved.stdout)).toMatchObject({ ids: [HOSTILE_ID] });
  });

  it.runIf(backend.name === 'sqlite')('escapes the id shown at the confirmation prompt on a terminal', async () => {
    const run = await inspectOnTerminal(['purge', '--', `esc${HOSTILE}`], app.dir, 'n');
    // The terminal turns every "\n" into "\r\n"; any other carriage return came from the data.
    const seen = { ...run, stdout: run.stdout.replaceAll('\r\n', '\n') };
    expectNoRawControls(seen);
    expect(seen.stdout).toContain(`esc${SHOWN}id-0000000000000000000000`);
    expect(seen.stdout).toMatch(/\[y\/N\]/);
    expect(run.code).toBe(1);
  });
});
