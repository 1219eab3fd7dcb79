import path from 'node:path';
import type { Namespace } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS } from '../../../test-support/backends.js';
import { runCli } from './in-process.js';
import { type App, openApp } from './support.js';

// Id matching and `expire`, run in this process (StrykerJS sees it) on a frozen clock.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

const record = (expires: number | null = null) => ({ created: NOW - HOUR, accessed: NOW - HOUR, expires, data: {} });

/** 22 characters, the shortest whole id: never taken as a prefix, though a stored id starts with it. */
const GONE = 'gone-id-22-characters-';
const GONE_NEIGHBOUR = `${GONE}neighbour`;
/** A prefix 21 characters long still abbreviates. */
const LONG = 'long-session-id-0000000000000000';
const FOUR = 'four-session-id-444444444444';
const FIRST = 'aard-session-id-00000000000';
const LAST = 'zulu-session-id-00000000000';
const TWINS = ['twin-1-session-id-000000000', 'twin-2-session-id-000000000'];
const MANY = Array.from({ length: 7 }, (_, index) => `many-${index}-session-id-0000000000`);
/** Non-ASCII ids: SQLite orders them by UTF-8 bytes, JavaScript by UTF-16 units, and the two disagree. */
const HALFWIDTH = '\uff61\uff61-session-id-0000000000000';
const EMOJI = '\u{1f600}\u{1f600}-session-id-00000000000';
const EMOJI_PREFIX = '\u{1f600}\u{1f600}';
const ALL = [GONE_NEIGHBOUR, LONG, FOUR, FIRST, LAST, ...TWINS, ...MANY, HALFWIDTH, EMOJI];

// SQLite (a scan in key order that stops early) and files (a directory walk in no such order).
describe.each(BACKENDS.filter((backend) => ['sqlite', 'file'].includes(backend.name)))(
  'session-inspect id matching on $name, in process',
  (backend) => {
    let app: App;
    let sessions: Namespace;

    beforeAll(async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: NOW });
      app = await openApp(backend);
      sessions = app.storage.namespace('session');
      for (const id of ALL) await sessions.set(id, record());
    });

    afterAll(async () => {
      await app?.close();
      vi.useRealTimers();
    });

    /** The ids `purge --dry-run` would delete for `given`, with what it said on stderr. */
    async function resolve(...given: string[]) {
      const run = await runCli(app, ['purge', '--dry-run', '--', ...given]);
      const ids = run.stdout.split('\n').slice(0, -2);
      return { code: run.code, ids, stderr: run.stderr };
    }

    it('takes an id of 22 characters as whole: a gone one never matches a longer neighbour', async () => {
      expect(await resolve(GONE)).toEqual({
        code: 1,
        ids: [],
        stderr: `session-inspect: no session matches "${GONE}"\n`,
      });
      expect(await resolve(GONE_NEIGHBOUR)).toEqual({ code: 0, ids: [GONE_NEIGHBOUR], stderr: '' });
    });

    it('takes 4 to 21 characters as a prefix and says which session it matched', async () => {
      expect(await resolve(LONG.slice(0, 21))).toEqual({
        code: 0,
        ids: [LONG],
        stderr: `id prefix "${LONG.slice(0, 21)}" matches session ${LONG}\n`,
      });
      expect(await resolve('four')).toEqual({
        code: 0,
        ids: [FOUR],
        stderr: `id prefix "four" matches session ${FOUR}\n`,
      });
    });

    it('refuses prefixes shorter than 4 characters, naming them all', async () => {
      expect(await resolve('fou')).toEqual({
        code: 2,
        ids: [],
        stderr: 'session-inspect: id prefix "fou" is too short: give at least 4 characters\n',
      });
      expect(await resolve('four', 'fo', 'a')).toEqual({
        code: 2,
        ids: [],
        stderr: 'session-inspect: id prefix "fo", "a" is too short: give at least 4 characters\n',
      });
    });

    it('fails naming every id and prefix that matches nothing', async () => {
      expect(await resolve('four', GONE, 'nothing', FIRST)).toEqual({
        code: 1,
        ids: [],
        stderr: `session-inspect: no session matches "${GONE}", "nothing"\n`,
      });
      // Too long to be a key at all: unknown like any other.
      const huge = 'x'.repeat(1100);
      expect(await resolve(huge)).toEqual({
        code: 1,
        ids: [],
        stderr: `session-inspect: no session matches "${huge}"\n`,
      });
    });

    it('fails on a store it cannot reach, rather than calling the id unknown', async () => {
      // A regular file where the store's folder should be.
      const notAFolder = path.join(app.dir, 'vessel.config.json');
      const run = await runCli(app, [
        '--type',
        backend.type,
        '--cache-dir',
        notAFolder,
        'purge',
        '--dry-run',
        '--',
        GONE,
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^session-inspect: cannot reach .* \(is it running and reachable\? check --url, or the config file that named it\)\n$/,
      );
    });

    it('refuses an ambiguous prefix, naming the matches in order, at most five', async () => {
      expect(await resolve('twin')).toEqual({
        code: 2,
        ids: [],
        stderr: `session-inspect: id prefix "twin" is ambiguous: it matches 2 sessions (${TWINS.join(', ')}); give more characters\n`,
      });
      const many = await resolve('many');
      expect(many).toMatchObject({ code: 2, ids: [] });
      const shown =
        /^session-inspect: id prefix "many" is ambiguous: it matches 7 sessions \((.*), …\); give more characters\n$/
          .exec(many.stderr)?.[1]
          ?.split(', ');
      expect(shown).toHaveLength(5);
      expect(shown).toEqual([...(shown ?? [])].sort());
      for (const id of shown ?? []) expect(MANY).toContain(id);
    });

    it('matches several prefixes in one pass, however far apart', async () => {
      expect(await resolve('zulu')).toMatchObject({ code: 0, ids: [LAST] });
      expect(await resolve('aard')).toMatchObject({ code: 0, ids: [FIRST] });
      expect(await resolve('aard', 'zulu')).toMatchObject({ code: 0, ids: [FIRST, LAST] });
      expect(await resolve('zulu', 'aard', 'four')).toMatchObject({ code: 0, ids: [LAST, FIRST, FOUR] });
    });

    it('matches prefixes beyond ASCII, whose order differs between SQLite and JavaScript', async () => {
      expect(await resolve(EMOJI_PREFIX)).toMatchObject({ code: 0, ids: [EMOJI] });
      expect(await resolve(EMOJI_PREFIX, 'aard')).toMatchObject({ code: 0, ids: [EMOJI, FIRST] });
      expect(await resolve('\uff61\uff61-s')).toMatchObject({ code: 0, ids: [HALFWIDTH] });
    });

    it('takes an id given whole and as a prefix as the whole id, once', async () => {
      expect(await resolve(FOUR, 'four', FOUR)).toEqual({ code: 0, ids: [FOUR], stderr: '' });
    });
  },
);

describe('session-inspect expire, in process', () => {
  let app: App;
  let sessions: Namespace;
  const sqlite = BACKENDS.find((backend) => backend.name === 'sqlite');
  if (!sqlite) throw new Error('the sqlite backend case is missing');

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    app = await openApp(sqlite);
    sessions = app.storage.namespace('session');
  });

  afterAll(async () => {
    await app?.close();
    vi.useRealTimers();
  });

  /** When `list` says the session stops being usable (the sooner of the storage's and the record's expiry). */
  async function expiresOf(id: string): Promise<string | null | undefined> {
    const run = await runCli(app, ['list', '--json', '--expired']);
    const live = await runCli(app, ['list', '--json']);
    const all = [
      ...(JSON.parse(run.stdout) as { sessions: { id: string; expires: string | null }[] }).sessions,
      ...(JSON.parse(live.stdout) as { sessions: { id: string; expires: string | null }[] }).sessions,
    ];
    return all.find((session) => session.id === id)?.expires;
  }

  const iso = (at: number) => new Date(at).toISOString();

  it('moves the expiry of a whole id, the record\u2019s own included, without asking', async () => {
    const id = 'expire-whole-id-00000000000';
    // The application gave it 30 minutes; the operator gives it two hours, then ten minutes.
    await sessions.set(id, record(NOW + 30 * MINUTE));
    const later = await runCli(app, ['expire', '--in', '2h', '--', id], { interactive: true, answer: 'n' });
    expect(later).toEqual({ code: 0, stdout: '1 session now expire at 2026-12-07 14:00:00 UTC (in 2h)\n', stderr: '' });
    expect(await expiresOf(id)).toBe(iso(NOW + 2 * HOUR));
    expect(((await sessions.get(id)) as { expires: number }).expires).toBe(NOW + 2 * HOUR);
    const sooner = await runCli(app, ['expire', '--in', '10m', '--json', '--', id]);
    expect(JSON.parse(sooner.stdout)).toMatchObject({
      action: 'moved',
      count: 1,
      expiresAt: NOW + 10 * MINUTE,
      ids: [id],
    });
    expect(await expiresOf(id)).toBe(iso(NOW + 10 * MINUTE));
  });

  it('ends a session now', async () => {
    const id = 'expire-now-id-00000000000000';
    await sessions.set(id, record(NOW + HOUR));
    const run = await runCli(app, ['expire', '--now', '--', id]);
    expect(run).toEqual({ code: 0, stdout: 'expired 1 session now\n', stderr: '' });
    const live = await runCli(app, ['list', '--json']);
    expect(live.stdout).not.toContain(id);
    const expired = await runCli(app, ['list', '--json', '--expired']);
    expect((JSON.parse(expired.stdout) as { sessions: unknown[] }).sessions).toEqual([
      expect.objectContaining({ id, expires: iso(NOW) }),
    ]);
  });

  it('needs --yes or a terminal to act on a prefix, and names the whole ids', async () => {
    const one = 'prefixed-one-id-00000000000';
    const two = 'prefixed-two-id-00000000000';
    await sessions.set(one, record(NOW + HOUR));
    await sessions.set(two, record(NOW + HOUR));
    const single = await runCli(app, ['expire', '--in', '2h', '--', 'prefixed-one']);
    expect(single).toEqual({
      code: 2,
      stdout: '',
      stderr: `session-inspect: id prefix "prefixed-one" matches session ${one}: give the whole id, or add --yes to accept the match\n`,
    });
    const both = await runCli(app, ['expire', '--now', '--', 'prefixed-one', 'prefixed-two', 'expire-whole']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      `session-inspect: id prefix "prefixed-one" matches session ${one}, id prefix "prefixed-two" matches session ${two}, id prefix "expire-whole" matches session expire-whole-id-00000000000: give the whole ids, or add --yes to accept the matches\n`,
    );
    expect(await expiresOf(one)).toBe(iso(NOW + HOUR));
    const accepted = await runCli(app, ['expire', '--in', '2h', '--yes', '--', 'prefixed-one', two]);
    expect(accepted).toEqual({
      code: 0,
      stdout: '2 sessions now expire at 2026-12-07 14:00:00 UTC (in 2h)\n',
      stderr: `id prefix "prefixed-one" matches session ${one}\n`,
    });
    expect(await expiresOf(one)).toBe(iso(NOW + 2 * HOUR));
    expect(await expiresOf(two)).toBe(iso(NOW + 2 * HOUR));
  });

  it('asks at a terminal before acting on a prefix', async () => {
    const id = 'asked-session-id-0000000000';
    await sessions.set(id, record(NOW + HOUR));
    const declined = await runCli(app, ['expire', '--in', '3h', '--', 'asked'], { interactive: true, answer: 'n' });
    expect(declined).toEqual({
      code: 1,
      stdout: '',
      stderr: `id prefix "asked" matches session ${id}\nExpire 1 session at 2026-12-07 15:00:00 UTC (in 3h)? [y/N] session-inspect: aborted: nothing changed\n`,
    });
    expect(await expiresOf(id)).toBe(iso(NOW + HOUR));
    const now = await runCli(app, ['expire', '--now', '--', 'asked'], { interactive: true, answer: 'no' });
    expect(now.stderr).toContain('Expire 1 session now? [y/N] ');
    expect(now.code).toBe(1);
    const agreed = await runCli(app, ['expire', '--in', '3h', '--', 'asked'], { interactive: true, answer: 'y' });
    expect(agreed.code).toBe(0);
    expect(await expiresOf(id)).toBe(iso(NOW + 3 * HOUR));
  });

  it('fails naming the sessions that vanished while the question was open', async () => {
    const ids = ['vanishing-one-id-000000000', 'vanishing-two-id-000000000'];
    for (const id of ids) await sessions.set(id, record(NOW + HOUR));
    const run = await runCli(app, ['expire', '--in', '1h', '--', 'vanishing-one', 'vanishing-two'], {
      interactive: true,
      answer: 'y',
      beforeAnswer: async () => {
        for (const id of ids) await sessions.delete(id);
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /\[y\/N\] session-inspect: session "vanishing-one-id-000000000", "vanishing-two-id-000000000" vanished before its expiry moved\n$/,
    );
  });

  it('moves the storage expiry of a record it cannot read, leaving its value alone', async () => {
    await sessions.set('foreign-object-id-000000000', { hello: 'not a session' });
    await sessions.set('foreign-string-id-000000000', 'just text');
    await sessions.set('foreign-null-id-00000000000', null);
    const run = await runCli(app, [
      'expire',
      '--in',
      '1h',
      '--',
      'foreign-object-id-000000000',
      'foreign-string-id-000000000',
      'foreign-null-id-00000000000',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await sessions.get('foreign-object-id-000000000')).toEqual({ hello: 'not a session' });
    expect(await sessions.get('foreign-string-id-000000000')).toBe('just text');
    expect(await sessions.get('foreign-null-id-00000000000')).toBeNull();
    expect(await expiresOf('foreign-string-id-000000000')).toBe(iso(NOW + HOUR));
  });

  it('needs ids to move an expiry', async () => {
    const run = await runCli(app, ['expire', '--in', '1h']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'session-inspect: name the sessions to expire (ids or unique prefixes), or use --sweep\n',
    });
  });

  it('lets the storage sweep a moved session once its new expiry passed', async () => {
    const id = 'expire-sweep-id-000000000000';
    await sessions.set(id, record(NOW + 30 * MINUTE));
    expect((await runCli(app, ['expire', '--in', '2h', '--', id])).code).toBe(0);
    vi.setSystemTime(NOW + 3 * HOUR);
    try {
      const run = await runCli(app, ['expire', '--sweep', '--json']);
      expect(JSON.parse(run.stdout)).toMatchObject({ action: 'swept' });
      const left: string[] = [];
      for await (const entry of sessions.scan({ keysOnly: true, includeExpired: true })) left.push(entry.key);
      expect(left).not.toContain(id);
    } finally {
      vi.setSystemTime(NOW);
    }
  });
});
