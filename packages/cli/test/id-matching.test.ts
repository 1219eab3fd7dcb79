import type { Namespace } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, CLI_BACKENDS, inspectOnTerminal, openApp } from './support.js';

const record = () => ({ created: Date.now(), accessed: Date.now(), expires: null, data: {} });

/** Whole-id-shaped ids (22+ characters, as the default ids are 32): never taken as a prefix. */
const EXACT = 'exact-id-00000000000000000000';
const EXACT_LONGER = `${EXACT}-longer`;
const GONE = 'gone-id-000000000000000000000';
const GONE_NEIGHBOUR = `${GONE}1`;
/** Short ids an application's own `generateId` made. */
const SHORT_GONE = 'short-1';
const SHORT_NEIGHBOUR = 'short-10';
const UNIQUE = 'unique-session-id';
const MANY = Array.from({ length: 7 }, (_, index) => `many-${index}-0000000000000000000000`);

// The resolution is the CLI's own; SQLite (ordered scan that stops early) and Redis (hash order).
describe.each(CLI_BACKENDS.filter((backend) => ['sqlite', 'redis'].includes(backend.name)))(
  'session-inspect id matching on $name',
  (backend) => {
    let app: App;
    let sessions: Namespace;

    beforeAll(async () => {
      app = await openApp(backend);
      sessions = app.storage.namespace('session');
      for (const id of [EXACT, EXACT_LONGER, GONE_NEIGHBOUR, SHORT_NEIGHBOUR, UNIQUE, ...MANY])
        await sessions.set(id, record());
    });

    afterAll(async () => {
      await app?.close();
    });

    it('acts on the exact id when it also starts a longer one', async () => {
      const run = await app.run('purge', '--yes', '--', EXACT);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^purged 1 session \(by id\)/);
      expect(await sessions.has(EXACT)).toBe(false);
      expect(await sessions.has(EXACT_LONGER)).toBe(true);
    });

    it('never treats a gone whole id as the prefix of another session', async () => {
      const purge = await app.run('purge', '--yes', '--', GONE);
      expect(purge.code).toBe(1);
      expect(purge.stderr).toBe(`session-inspect: no session matches "${GONE}"\n`);
      const expire = await app.run('expire', '--now', '--yes', '--', GONE);
      expect(expire.code).toBe(1);
      expect(await sessions.has(GONE_NEIGHBOUR)).toBe(true);
    });

    it('refuses to expire by a prefix without confirmation, naming the whole id it matched', async () => {
      const run = await app.run('expire', '--now', '--', SHORT_GONE);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `session-inspect: id prefix "${SHORT_GONE}" matches session ${SHORT_NEIGHBOUR}: give the whole id, or add --yes to accept the match\n`,
      );
      expect(await sessions.has(SHORT_NEIGHBOUR)).toBe(true);
    });

    it('acts on a unique prefix with --yes, saying which session it matched', async () => {
      const run = await app.run('expire', '--in', '2h', '--yes', '--', SHORT_GONE);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`id prefix "${SHORT_GONE}" matches session ${SHORT_NEIGHBOUR}\n`);
      expect(run.stdout).toMatch(/^1 session now expire at /);
      const purge = await app.run('purge', '--yes', '--json', '--', UNIQUE.slice(0, 6));
      expect(purge.code).toBe(0);
      expect(purge.stderr).toBe(`id prefix "${UNIQUE.slice(0, 6)}" matches session ${UNIQUE}\n`);
      expect(JSON.parse(purge.stdout)).toMatchObject({ purged: 1 });
      expect(await sessions.has(UNIQUE)).toBe(false);
    });

    it('refuses an ambiguous prefix as a usage error listing at most five matches', async () => {
      const run = await app.run('purge', '--yes', '--', 'many');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^session-inspect: id prefix "many" is ambiguous: it matches 7 sessions \((many-\d-0+, ){5}…\); give more characters\n$/,
      );
      for (const id of MANY) expect(await sessions.has(id)).toBe(true);
    });

    it.runIf(backend.name === 'sqlite')(
      'asks on a terminal before expiring by prefix, showing the whole id',
      async () => {
        const run = await inspectOnTerminal(['expire', '--now', '--', SHORT_GONE], app.dir, 'n');
        expect(run.stdout).toContain(`id prefix "${SHORT_GONE}" matches session ${SHORT_NEIGHBOUR}`);
        expect(run.stdout).toMatch(/Expire 1 session now\? \[y\/N\]/);
        expect(run.stdout).toMatch(/aborted: nothing changed/);
        expect(run.code).toBe(1);
        expect(await sessions.has(SHORT_NEIGHBOUR)).toBe(true);
      },
    );
  },
);
