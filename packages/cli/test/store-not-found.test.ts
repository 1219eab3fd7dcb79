/**
 * session-inspect never invents a store: in a folder without one, or pointed at a SQLite file or
 * a file-store folder that does not exist, it exits 1 naming where it looked and creates nothing,
 * instead of reporting "0 sessions" of a store it just made. `sqlite:` URLs name the file itself.
 */
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage } from '@vessel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspect } from './support.js';

let dir: string;
beforeEach(async () => {
  // The CLI names its working directory as the process sees it: the real path.
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'vessel-cli-nostore-')));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A SQLite store holding one session under `folder`, as an app leaves it. */
async function appStore(folder: string): Promise<void> {
  const storage = createStorage({ cacheDir: folder });
  await storage.namespace('session').set('storednotfound0000000000', { user: 'ada' }, { ttlMs: 60_000 });
  await storage.close();
}

describe('session-inspect in a folder without a store', () => {
  it.each([['info'], ['list'], ['stats'], ['purge', '--all', '--yes'], ['expire', '--sweep', '--yes']])(
    '%s exits 1 with where it looked and what to pass, and creates nothing',
    async (...args) => {
      const run = await inspect(args, dir);
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `session-inspect: no Vessel store found in ${dir}; pass --cache-dir or --url, or run inside your app's folder\n`,
      });
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('says the same for --type file, whose folder is the default ./data too', async () => {
    const run = await inspect(['--type', 'file', 'list'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^session-inspect: no Vessel store found in /);
    expect(await readdir(dir)).toEqual([]);
  });

  it('still opens a Redis store, which opening does not create', async () => {
    const run = await inspect(['--url', 'redis://127.0.0.1:6379', '--prefix', 'vtnostore', 'info', '--json'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ type: 'redis', sessions: 0 });
  });
});

describe('session-inspect pointed at a store that does not exist', () => {
  it('names the SQLite file a mistyped --cache-dir leads to', async () => {
    await appStore(path.join(dir, 'data'));
    const run = await inspect(['--cache-dir', 'dat', 'list'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `session-inspect: no Vessel store at ${path.join(dir, 'dat', 'vessel.sqlite')} (check --cache-dir)\n`,
    );
    expect(await readdir(dir)).toEqual(['data']);
  });

  it('names the folder of a missing file store', async () => {
    const run = await inspect(['--type', 'file', '--cache-dir', 'sessions', 'info'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`session-inspect: no Vessel store at ${path.join(dir, 'sessions')} (check --cache-dir)\n`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the SQLite file of a folder that holds no database', async () => {
    await mkdir(path.join(dir, 'data'));
    const run = await inspect(['--cache-dir', 'data', 'info'], dir);
    expect(run.stderr).toBe(
      `session-inspect: no Vessel store at ${path.join(dir, 'data', 'vessel.sqlite')} (check --cache-dir)\n`,
    );
    expect(await readdir(path.join(dir, 'data'))).toEqual([]);
  });

  it('names the file and the config that points at it', async () => {
    const config = path.join(dir, 'vessel.ini');
    await writeFile(config, 'cache_dir = ./var\n');
    const run = await inspect(['list'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `session-inspect: no Vessel store at ${path.join(dir, 'var', 'vessel.sqlite')} (check ${config})\n`,
    );
    expect(await readdir(dir)).toEqual(['vessel.ini']);
  });

  it('names the file a sqlite: URL points at', async () => {
    const run = await inspect(['--url', 'sqlite:db/app.sqlite', 'list'], dir);
    expect(run.stderr).toBe(
      `session-inspect: no Vessel store at ${path.join(dir, 'db', 'app.sqlite')} (check --url)\n`,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('session-inspect --url sqlite:…', () => {
  it.each(['sqlite:./data/vessel.sqlite', 'sqlite:data/vessel.sqlite', 'sqlite://data/vessel.sqlite'])(
    '%s opens the file relative to the working folder',
    async (url) => {
      await appStore(path.join(dir, 'data'));
      const run = await inspect(['--url', url, 'info', '--json'], dir);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        type: 'sqlite',
        location: `sqlite ${path.join(dir, 'data', 'vessel.sqlite')}`,
        sessions: 1,
      });
      expect(await readdir(dir)).toEqual(['data']);
    },
  );

  it('opens an absolute one, with one slash or three', async () => {
    await appStore(path.join(dir, 'data'));
    for (const url of [`sqlite:${dir}/data/vessel.sqlite`, `sqlite://${dir}/data/vessel.sqlite`]) {
      const run = await inspect(['--url', url, 'info', '--json'], '/');
      expect(JSON.parse(run.stdout)).toMatchObject({ sessions: 1 });
    }
  });

  it('refuses one without a path as a config error naming the option', async () => {
    const run = await inspect(['--url', 'sqlite:', 'list'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^session-inspect: url: expected the path of a database file .*, got "sqlite:"\n$/);
    expect(await readdir(dir)).toEqual([]);
  });
});
