/**
 * `sqlite:` URLs, read the same way by the SQLite backend and by config files: with or without
 * `//`, relative or absolute, a real database file where the URL says, and nothing named
 * `sqlite:.`; a URL without a path, or an in-memory one, is a ConfigError naming the option.
 */
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  createStorage,
  loadConfig,
  sessionStorageInput,
  sharedStorageInput,
  storagePath,
} from '@vessel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'vessel-sqlite-url-'));
});
afterEach(() => rm(folder, { recursive: true, force: true }));

/** Writes one entry through a storage on `url`, closes it, and reads it back through a second one. */
async function roundTrip(url: string): Promise<unknown> {
  const writer = createStorage({ url });
  await writer.namespace('session').set('ada', { user: 'ada' });
  await writer.close();
  const reader = createStorage({ url });
  try {
    return await reader.namespace('session').get('ada');
  } finally {
    await reader.close();
  }
}

/** Names in the working directory that a mis-read URL would have created (`sqlite:.`, `sqlite:`). */
async function strayEntries(): Promise<string[]> {
  return (await readdir(process.cwd())).filter((name) => name.startsWith('sqlite:'));
}

describe('a sqlite: URL in code', () => {
  // Relative paths are taken from the working directory: reach the temp folder from there.
  const relative = () => path.relative(process.cwd(), path.join(folder, 'db', 'app.sqlite'));

  it.each([
    ['sqlite:<relative>', () => `sqlite:${relative()}`],
    ['sqlite:./<relative>', () => `sqlite:./${relative()}`],
    ['sqlite://<relative>', () => `sqlite://${relative()}`],
    ['sqlite:/<absolute>', () => `sqlite:${path.join(folder, 'db', 'app.sqlite')}`],
    ['sqlite:///<absolute>', () => `sqlite://${path.join(folder, 'db', 'app.sqlite')}`],
    ['SQLite:<relative> (any case)', () => `SQLite:${relative()}`],
  ])('%s opens the database file the path names', async (_form, urlOf) => {
    const url = urlOf();
    const file = path.join(folder, 'db', 'app.sqlite');
    expect(storagePath({ url })).toBe(file);
    expect(await roundTrip(url)).toEqual({ user: 'ada' });
    await access(file);
    expect(await readdir(folder)).toEqual(['db']);
    expect(await strayEntries()).toEqual([]);
  });

  it.each([
    ['sqlite:', 'expected the path of a database file'],
    ['sqlite://', 'expected the path of a database file'],
    ['sqlite:///', 'expected the path of a database file'],
    ['sqlite:data/', 'expected the path of a database file'],
    ['sqlite:app.sqlite?mode=ro', 'query parameters are not supported'],
    ['sqlite::memory:', 'use type "memory"'],
    ['sqlite://:memory:', 'use type "memory"'],
  ])('%s is a ConfigError naming url, and creates nothing', (url, problem) => {
    const attempt = () => createStorage({ url });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^url: .*${problem.replace(/[.*?()]/g, '\\$&')}`));
    expect(() => storagePath({ url })).toThrow(ConfigError);
  });

  it('storagePath names the file of a cacheDir and the folder of a file store, and nothing for servers', () => {
    expect(storagePath({ cacheDir: folder })).toBe(path.join(folder, 'vessel.sqlite'));
    expect(storagePath({ type: 'file', cacheDir: folder })).toBe(folder);
    expect(storagePath({ url: 'redis://127.0.0.1:6379' })).toBeUndefined();
    expect(storagePath({ type: 'memory' })).toBeUndefined();
  });
});

describe('a sqlite: URL in a config file', () => {
  it("is relative to the file's folder, with or without //", async () => {
    const config = path.join(folder, 'vessel.ini');
    await writeFile(config, 'url = sqlite:db/shared.sqlite\nsession.url = sqlite:./db/sessions.sqlite\n');
    const loaded = await loadConfig(config);
    expect(loaded.url).toBe(`sqlite://${path.join(folder, 'db', 'shared.sqlite')}`);
    expect(loaded.session.url).toBe(`sqlite://${path.join(folder, 'db', 'sessions.sqlite')}`);
    const sessions = sessionStorageInput(loaded);
    expect(sessions && storagePath(sessions)).toBe(path.join(folder, 'db', 'sessions.sqlite'));
    expect(await roundTrip(sharedStorageInput(loaded).url as string)).toEqual({ user: 'ada' });
    await access(path.join(folder, 'db', 'shared.sqlite'));
  });

  it('refuses one without a path, naming the option and the file', async () => {
    const config = path.join(folder, 'vessel.ini');
    await writeFile(config, 'cache.regions = big\ncache.big.url = sqlite:\n');
    const error = await loadConfig(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('cache.big.url');
    expect((error as ConfigError).message).toMatch(
      /^cache\.big\.url: expected the path of a database file .*\(in .*vessel\.ini\)$/,
    );
  });

  it('leaves an in-memory one for createStorage to refuse', async () => {
    const config = path.join(folder, 'vessel.ini');
    await writeFile(config, 'url = sqlite::memory:\n');
    const loaded = await loadConfig(config);
    expect(loaded.url).toBe('sqlite::memory:');
    expect(() => createStorage(sharedStorageInput(loaded))).toThrow(/in-memory SQLite database/);
  });
});
