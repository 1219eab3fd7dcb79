import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage, type Storage, StorageUnavailableError } from '@vessel/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { entryFileOf } from '../../src/storage/backends/file/adapter.js';

const modeOf = async (file: string): Promise<number> => (await lstat(file)).mode & 0o777;

/** Every folder and file under `dir` (not following links), with its mode. */
async function modesUnder(dir: string): Promise<Map<string, number>> {
  const modes = new Map<string, number>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    modes.set(path.relative(dir, full), await modeOf(full));
  }
  return modes;
}

describe('store files are private to their owner', () => {
  let previousUmask: number;
  let base: string;

  beforeAll(async () => {
    previousUmask = process.umask(0o022); // the usual default, which leaves files world-readable
    base = await mkdtemp(path.join(tmpdir(), 'vessel-perm-'));
  });

  afterAll(async () => {
    process.umask(previousUmask);
    await rm(base, { recursive: true, force: true });
  });

  it('file: folders 0700, entry and lock files 0600', async () => {
    const cacheDir = path.join(base, 'file', 'data');
    const storage = createStorage({ type: 'file', cacheDir });
    await storage.namespace('session').set('ada', { user: 'ada' }, { ttlMs: 60_000 });
    const lock = await storage.namespace('session').lock('ada');
    expect(await modeOf(path.join(base, 'file'))).toBe(0o700);
    expect(await modeOf(cacheDir)).toBe(0o700);
    const modes = await modesUnder(cacheDir);
    expect(modes.size).toBeGreaterThanOrEqual(6); // session, ab, cd, entry, lock, lock file
    for (const [name, mode] of modes) {
      const isDir = (await lstat(path.join(cacheDir, name))).isDirectory();
      expect({ name, mode }).toEqual({ name, mode: isDir ? 0o700 : 0o600 });
    }
    await lock.release();
    await storage.close();
  });

  it('sqlite: folder 0700, database and its -wal/-shm 0600', async () => {
    const cacheDir = path.join(base, 'sqlite', 'data');
    const storage = createStorage({ cacheDir });
    await storage.namespace('session').set('ada', { user: 'ada' }, { ttlMs: 60_000 });
    expect(await modeOf(cacheDir)).toBe(0o700);
    const files = await readdir(cacheDir);
    expect(files).toEqual(expect.arrayContaining(['vessel.sqlite', 'vessel.sqlite-wal', 'vessel.sqlite-shm']));
    for (const name of files)
      expect({ name, mode: await modeOf(path.join(cacheDir, name)) }).toEqual({ name, mode: 0o600 });
    await storage.close();
  });
});

describe('a symlink planted inside cacheDir is refused, never followed', () => {
  let base: string;
  let cacheDir: string;
  let elsewhere: string;
  let storage: Storage | undefined;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'vessel-link-'));
    cacheDir = path.join(base, 'data');
    elsewhere = path.join(base, 'elsewhere');
    await mkdir(cacheDir);
    await mkdir(elsewhere);
  });

  afterEach(async () => {
    await storage?.close();
    storage = undefined;
    await rm(base, { recursive: true, force: true });
  });

  /** The error of `operation`, which must be a StorageUnavailableError naming `target`. */
  async function refusal(operation: Promise<unknown>, target: string): Promise<void> {
    const error = (await operation.then(
      () => undefined,
      (e: unknown) => e,
    )) as Error | undefined;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error?.message).toContain(`${target} is a symbolic link`);
  }

  it('sqlite: a link at <cacheDir>/vessel.sqlite', async () => {
    const victim = path.join(elsewhere, 'precious.txt');
    await writeFile(victim, 'precious\n', { mode: 0o644 });
    await symlink(victim, path.join(cacheDir, 'vessel.sqlite'));
    storage = createStorage({ cacheDir });
    await refusal(storage.namespace('session').set('ada', 1), path.join(cacheDir, 'vessel.sqlite'));
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await modeOf(victim)).toBe(0o644);
    expect(await readdir(elsewhere)).toEqual(['precious.txt']);
  });

  it('sqlite: a link at the -wal file', async () => {
    await symlink(path.join(elsewhere, 'wal'), path.join(cacheDir, 'vessel.sqlite-wal'));
    storage = createStorage({ cacheDir });
    await refusal(storage.namespace('session').get('ada'), path.join(cacheDir, 'vessel.sqlite-wal'));
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('file: a link at a namespace folder', async () => {
    await symlink(elsewhere, path.join(cacheDir, 'session'));
    storage = createStorage({ type: 'file', cacheDir });
    const sessions = storage.namespace('session');
    await refusal(sessions.set('ada', { user: 'ada' }), path.join(cacheDir, 'session'));
    await refusal(sessions.get('ada'), path.join(cacheDir, 'session'));
    await refusal(sessions.count(), path.join(cacheDir, 'session'));
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('file: a link at the lock folder', async () => {
    await symlink(elsewhere, path.join(cacheDir, 'lock'));
    storage = createStorage({ type: 'file', cacheDir });
    await refusal(storage.namespace('session').lock('ada', { waitMs: 0 }), path.join(cacheDir, 'lock'));
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('file: a link at an entry file is neither read nor written through', async () => {
    const victim = path.join(elsewhere, 'precious.txt');
    await writeFile(victim, '{"key":"vessel:session::ada"}\n{"expires":null,"value":"planted"}', { mode: 0o644 });
    const entry = entryFileOf(cacheDir, 'vessel:session::ada');
    await mkdir(path.dirname(entry), { recursive: true });
    await symlink(victim, entry);
    storage = createStorage({ type: 'file', cacheDir });
    await refusal(storage.namespace('session').get('ada'), entry);
    expect(await readFile(victim, 'utf8')).toContain('planted');
  });

  it('cacheDir itself may be a link (the operator chose it)', async () => {
    const linked = path.join(base, 'linked');
    await symlink(cacheDir, linked);
    storage = createStorage({ type: 'file', cacheDir: linked });
    await storage.namespace('session').set('ada', { user: 'ada' });
    expect(await storage.namespace('session').get('ada')).toEqual({ user: 'ada' });
    expect((await stat(path.join(cacheDir, 'session'))).isDirectory()).toBe(true);
  });
});
