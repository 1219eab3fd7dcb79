import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { createStorage, type StorageEntry, StorageUnavailableError } from '@vessel/core';
import Keyv, { type KeyvOptions, type KeyvStoreAdapter } from 'keyv';
import * as Vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileDriver } from '../../src/storage/backends/file/file.js';

let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-file-'));
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A fresh adapter over the shared temp folder, as the storage creates one per namespace. */
const store = (): KeyvStoreAdapter => createFileDriver({ type: 'file', cacheDir }).createAdapter();

/**
 * keyv 5 wires `keyv.iterator()` only for adapters whose dialect is on its own list (sqlite,
 * postgres, redis, …; see jaredwray/keyv#1227), so a third-party adapter's iterator is never
 * reached through `new Keyv(...)`. This subclass wires it the way keyv does for its own adapters,
 * so the iterator tests exercise the adapter's real `iterator`.
 */
class IterableKeyv extends Keyv {
  constructor(store?: KeyvStoreAdapter | KeyvOptions, options?: Omit<KeyvOptions, 'store'>) {
    super(store, options);
    const adapter = this.store as KeyvStoreAdapter;
    if (!this.iterator && typeof adapter.iterator === 'function') {
      this.iterator = this.generateIterator(adapter.iterator.bind(adapter));
    }
  }
}

describe('file adapter: @keyv/test-suite (api, values, namespaces)', () => {
  keyvTestSuite(Vitest, Keyv, store);
});

describe('file adapter: @keyv/test-suite iterator', () => {
  keyvIteratorTests(Vitest, IterableKeyv as typeof Keyv, store);
});

async function collect(iterable: AsyncIterable<StorageEntry>): Promise<StorageEntry[]> {
  const entries: StorageEntry[] = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Where the driver keeps `fullKey`: `<cacheDir>/<namespace dir>/ab/cd/<hash>.json`. */
function fileOf(dir: string, namespaceDir: string, fullKey: string): string {
  const hash = sha256(fullKey);
  return path.join(dir, namespaceDir, hash.slice(0, 2), hash.slice(2, 4), `${hash}.json`);
}

describe('file backend through createStorage', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vessel-file-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores one file per key, named by the hash of the full key, with a header line', async () => {
    const storage = createStorage({ type: 'file', cacheDir: dir, prefix: 'app' });
    await storage.namespace('cache:users').set('../../etc/passwd', { name: 'Ada' }, { ttlMs: 60_000 });
    const text = await readFile(fileOf(dir, 'cache+users', 'app:cache:users::../../etc/passwd'), 'utf8');
    const [header, record] = text.split('\n');
    expect(JSON.parse(header ?? '')).toEqual({ key: 'app:cache:users::../../etc/passwd' });
    expect(record).toMatch(/^\{"expires":\d+,"value":\{"name":"Ada"\}\}$/);
    expect(storage.location).toBe(`file ${dir}`);
    expect(storage.capabilities).toEqual({
      nativeTtl: false,
      touchWithoutRewrite: false,
      lockScope: 'host',
      persistent: true,
    });
    await storage.close();
  });

  it('leaves no temp file behind after writes', async () => {
    const storage = createStorage({ type: 'file', cacheDir: dir });
    const ns = storage.namespace('atomic');
    await Promise.all(Array.from({ length: 50 }, (_, i) => ns.set('same', i)));
    const names = await readdir(path.join(dir, 'atomic'), { recursive: true });
    expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(typeof (await ns.get('same'))).toBe('number');
    await storage.close();
  });

  it('treats a file whose header names another key as missing', async () => {
    const storage = createStorage({ type: 'file', cacheDir: dir });
    const ns = storage.namespace('foreign');
    await ns.set('real', 1);
    const file = fileOf(dir, 'foreign', 'vessel:foreign::real');
    await writeFile(file, `{"key":"vessel:foreign::other"}\n{"expires":null,"value":2}`);
    expect(await ns.get('real')).toBeUndefined();
    expect(await ns.has('real')).toBe(false);
    expect(await ns.delete('real')).toBe(false);
    expect(await ns.touch('real', null)).toBe(false);
    await storage.close();
  });

  it('lists a corrupt record, and get names it', async () => {
    const storage = createStorage({ type: 'file', cacheDir: dir });
    const ns = storage.namespace('corrupt');
    await createFileDriver({ type: 'file', cacheDir: dir })
      .createAdapter()
      .set('vessel:corrupt::bad', '\u00ff garbage {');
    await expect(ns.get('bad')).rejects.toThrow(/"bad" in namespace "corrupt"/);
    const [entry] = await collect(ns.scan());
    expect(entry?.corrupt).toMatch(/not JSON/);
    expect(await ns.delete('bad')).toBe(true);
    await storage.close();
  });

  it('pages with a path cursor, each entry once, skipping other prefixes in the same folder', async () => {
    const mine = createStorage({ type: 'file', cacheDir: dir, prefix: 'mine' });
    const theirs = createStorage({ type: 'file', cacheDir: dir, prefix: 'theirs' });
    for (let i = 0; i < 40; i++) await mine.namespace('paged').set(`k${i}`, i, i % 4 === 0 ? { ttlMs: 1 } : {});
    for (let i = 0; i < 10; i++) await theirs.namespace('paged').set(`k${i}`, -i);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const driver = createFileDriver({ type: 'file', cacheDir: dir });
    const range = { start: 'mine:paged::', end: 'mine:paged:;' };
    const first = await driver.scanPage({
      range,
      cursor: null,
      limit: 3,
      includeExpired: true,
      now: Date.now(),
      keysOnly: true,
    });
    expect(first.entries).toHaveLength(3);
    expect(first.cursor).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.json$/);
    expect(first.entries.every((entry) => entry.raw === undefined && entry.size > 0)).toBe(true);
    const live = await collect(mine.namespace('paged').scan({ pageSize: 4 }));
    expect(live.map((entry) => entry.value).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 4 !== 0),
    );
    expect(await mine.namespace('paged').count({ includeExpired: true })).toBe(40);
    expect(await mine.namespace('paged').sweep()).toBe(10);
    await mine.namespace('paged').clear();
    expect(await mine.namespace('paged').count()).toBe(0);
    expect(await theirs.namespace('paged').count()).toBe(10);
    await mine.close();
    await theirs.close();
  });

  it('clear and sweep leave keys Vessel did not write, even in the same folder', async () => {
    const storage = createStorage({ type: 'file', cacheDir: dir });
    const ns = storage.namespace('shared');
    await ns.set('mine', 1, { ttlMs: 1 });
    const raw = createFileDriver({ type: 'file', cacheDir: dir }).createAdapter();
    const foreign = ['vessel:shared:mine', 'vessel:shared', 'vessel:sharedX::k', 'vessel-other:shared::k', 'unrelated'];
    for (const key of foreign) await raw.set(key, '{"expires":1,"value":"foreign"}');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await ns.sweep()).toBe(1);
    await ns.set('mine', 2);
    await ns.clear();
    expect(await raw.get('vessel:shared::mine')).toBeUndefined();
    for (const key of foreign) expect(await raw.get(key)).toBe('{"expires":1,"value":"foreign"}');
    await storage.close();
  });

  it('sweep removes temp files a crashed writer left more than a minute ago, and only those', async () => {
    const storage = createStorage({ type: 'file', cacheDir: dir });
    const ns = storage.namespace('temps');
    await ns.set('k', 1);
    const file = fileOf(dir, 'temps', 'vessel:temps::k');
    const old = `${file}.999.aaaa.tmp`;
    const fresh = `${file}.999.bbbb.tmp`;
    await writeFile(old, 'half');
    await writeFile(fresh, 'half');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(old, twoMinutesAgo, twoMinutesAgo);
    expect(await ns.sweep()).toBe(0);
    const left = await readdir(path.dirname(file));
    expect(left).toContain(path.basename(fresh));
    expect(left).not.toContain(path.basename(old));
    expect(await ns.get('k')).toBe(1);
    await storage.close();
  });

  it('sweep removes what crashed processes left besides temp files: expired locks, old steal guards, old probes', async () => {
    const driver = createFileDriver({ type: 'file', cacheDir: dir });
    await driver.connect();
    const lockFile = (key: string) => path.join(dir, 'lock', `${sha256(key)}.lock`);
    expect(await driver.tryLock('vessel:__lock__:x::crashed', 'gone', 1)).toBe(true);
    expect(await driver.tryLock('vessel:__lock__:x::alive', 'here', 60_000)).toBe(true);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    const oldGuard = `${lockFile('vessel:__lock__:x::stealer')}.steal`;
    const freshGuard = `${lockFile('vessel:__lock__:x::stealing')}.steal`;
    const oldProbe = path.join(dir, '.probe.999.aaaaaaaaaaaa.tmp');
    const freshProbe = path.join(dir, '.probe.999.bbbbbbbbbbbb.tmp');
    for (const file of [oldGuard, freshGuard, oldProbe, freshProbe]) await writeFile(file, '');
    for (const file of [oldGuard, oldProbe]) await utimes(file, twoMinutesAgo, twoMinutesAgo);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const storage = createStorage({ type: 'file', cacheDir: dir });
    await storage.namespace('anything').sweep();
    const locks = await readdir(path.join(dir, 'lock'));
    expect(locks).not.toContain(path.basename(lockFile('vessel:__lock__:x::crashed')));
    expect(locks).toContain(path.basename(lockFile('vessel:__lock__:x::alive')));
    expect(locks).not.toContain(path.basename(oldGuard));
    expect(locks).toContain(path.basename(freshGuard));
    const top = await readdir(dir);
    expect(top).not.toContain(path.basename(oldProbe));
    expect(top).toContain(path.basename(freshProbe));
    expect(await driver.tryLock('vessel:__lock__:x::alive', 'other', 60_000)).toBe(false);
    await driver.unlock('vessel:__lock__:x::alive', 'here');
    for (const file of [freshGuard, freshProbe]) await rm(file);
    await storage.close();
  });

  it('steals a lock only after it expired, and unlock leaves a stolen lock alone', async () => {
    const driver = createFileDriver({ type: 'file', cacheDir: dir });
    await driver.connect();
    expect(await driver.tryLock('vessel:__lock__:x::job', 'one', 50)).toBe(true);
    expect(await driver.tryLock('vessel:__lock__:x::job', 'two', 50)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await driver.tryLock('vessel:__lock__:x::job', 'two', 10_000)).toBe(true);
    await driver.unlock('vessel:__lock__:x::job', 'one'); // the old holder, too late: no effect
    expect(await driver.tryLock('vessel:__lock__:x::job', 'three', 10_000)).toBe(false);
    await driver.unlock('vessel:__lock__:x::job', 'two');
    expect(await driver.tryLock('vessel:__lock__:x::job', 'three', 10_000)).toBe(true);
    const lockFile = path.join(dir, 'lock', `${sha256('vessel:__lock__:x::job')}.lock`);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ token: 'three' });
    expect((await readdir(path.join(dir, 'lock'))).filter((name) => name.endsWith('.steal'))).toEqual([]);
  });

  it('fails with StorageUnavailableError when cacheDir cannot be a folder', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const storage = createStorage({ type: 'file', cacheDir: path.join(blocker, 'data') });
    await expect(storage.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(storage.namespace('x').get('k')).rejects.toThrow(/^cannot reach file .*a-file\/data: /);
    const driver = createFileDriver({ type: 'file', cacheDir: dir });
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    expect(driver.translateError(full)).toBeInstanceOf(StorageUnavailableError);
    const other = new Error('boom');
    expect(driver.translateError(other)).toBe(other);
  });
});
