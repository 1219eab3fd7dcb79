/**
 * `session-inspect` on records nested thousands of levels deep, or longer than a record may be:
 * they are listed as CORRUPT like any record that cannot be read, `inspect` says why, and every
 * command exits normally. A session nested as deep as the decoder allows renders whole.
 */
import { MAX_DECODED_DEPTH } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, CLI_BACKENDS, openApp } from './support.js';

const DEEP_ID = 'deep-record-0000000000000000';
const DEEP_TAGGED_ID = 'deep-tagged-0000000000000000';
const LONG_ID = 'long-record-0000000000000000';
/** A session nested exactly as deep as a stored value may be read. */
const LIMIT_ID = 'at-the-limit-000000000000000';
const FINE_ID = 'fine-session-000000000000000';

const nested = (levels: number) => `${'['.repeat(levels)}"bottom"${']'.repeat(levels)}`;

/** A session record as Vessel writes it, with `data` (JSON text) as its data. */
function sessionRecord(data: string, tagged = false): string {
  const now = Date.now();
  const expires = now + 3_600_000;
  const head = tagged ? `{"expires":${expires},"tagged":true,"value":` : `{"expires":${expires},"value":`;
  return `${head}{"created":${now},"accessed":${now},"expires":${expires},"data":${data}}}`;
}

interface Listed {
  id: string;
  size: number;
  corrupt?: string;
}

// SQLite and Redis on every run; the other CLI backends read the same decoder's answer.
describe.each(CLI_BACKENDS.filter((backend) => ['sqlite', 'redis'].includes(backend.name)))(
  'session-inspect on records too deep or too long on $name',
  (backend) => {
    let app: App;

    beforeAll(async () => {
      app = await openApp(backend);
      const write = (id: string, text: string) => app.backend.writeRaw?.(`${app.storage.prefix}:session::${id}`, text);
      await write(FINE_ID, sessionRecord('{"user":"ada"}'));
      await write(DEEP_ID, sessionRecord(`{"user":"deep","deep":${nested(5000)}}`));
      await write(DEEP_TAGGED_ID, sessionRecord(`{"user":"deep","deep":${nested(5000)}}`, true));
      await write(LONG_ID, sessionRecord(`{"user":"long","text":"${'x'.repeat(16 * 1024 * 1024)}"}`));
      // The value is the record (level 1), its data (2), then the array levels.
      await write(LIMIT_ID, sessionRecord(`{"user":"limit","deep":${nested(MAX_DECODED_DEPTH - 2)}}`));
    });

    afterAll(async () => {
      await app?.close();
    });

    it('lists them as corrupt with their size, and the rest as sessions', async () => {
      const run = await app.run('list', '--json', '--full-ids');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const listed = (JSON.parse(run.stdout) as { sessions: Listed[] }).sessions;
      const byId = new Map(listed.map((entry) => [entry.id, entry]));
      expect(byId.get(DEEP_ID)?.corrupt).toMatch(/nested deeper than 128 levels/);
      expect(byId.get(DEEP_TAGGED_ID)?.corrupt).toMatch(/nested deeper than 128 levels/);
      expect(byId.get(LONG_ID)?.corrupt).toMatch(/over the limit of 16777216/);
      expect(byId.get(LONG_ID)?.size).toBeGreaterThan(16 * 1024 * 1024);
      expect(byId.get(FINE_ID)?.corrupt).toBeUndefined();
      expect(byId.get(LIMIT_ID)?.corrupt).toBeUndefined();
    });

    it('prints them as CORRUPT rows in the table', async () => {
      const run = await app.run('list', '--full-ids');
      expect(run.code, run.stderr).toBe(0);
      const rows = run.stdout.split('\n');
      for (const id of [DEEP_ID, DEEP_TAGGED_ID, LONG_ID]) {
        expect(rows.find((row) => row.startsWith(id))).toMatch(/CORRUPT/);
      }
      expect(run.stderr).toMatch(/3 corrupt records/);
    });

    it('inspects one and says why it cannot be read', async () => {
      for (const json of [false, true]) {
        const run = await app.run('inspect', DEEP_ID, ...(json ? ['--json'] : []));
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/nested deeper than 128 levels/);
      }
    });

    it('renders a session nested as deep as a record may be, as a tree and as JSON', async () => {
      // The tree stops at 64 levels by design; it must get there without a stack overflow.
      const tree = await app.run('inspect', LIMIT_ID);
      expect(tree.code, tree.stderr).toBe(0);
      expect(tree.stdout).toContain('"limit"');
      expect(tree.stdout).toContain('Array(1)');
      const json = await app.run('inspect', LIMIT_ID, '--json');
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.stringify(JSON.parse(json.stdout))).toContain('bottom');
    });

    it('purges them with --corrupt and leaves the sessions', async () => {
      const purge = await app.run('purge', '--corrupt', '--yes', '--json');
      expect(purge.code, purge.stderr).toBe(0);
      expect(JSON.parse(purge.stdout)).toMatchObject({ purged: 3 });
      const after = await app.run('list', '--json', '--full-ids');
      const ids = (JSON.parse(after.stdout) as { sessions: Listed[] }).sessions.map((entry) => entry.id).sort();
      expect(ids).toEqual([LIMIT_ID, FINE_ID].sort());
    });
  },
);
