import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { entryFileOf } from '../../src/storage/backends/file/adapter.js';

const fileBackend = BACKENDS.find((backend) => backend.type === 'file');
if (!fileBackend) throw new Error('the file backend is missing from BACKENDS');

/** Backdates a file's modification time by `ms`. */
async function age(file: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(file, then, then);
}

describe('file backend: what a sweep removes besides expired entries', () => {
  let open: OpenBackend | undefined;

  afterEach(async () => {
    vi.useRealTimers();
    await open?.cleanup();
    open = undefined;
  });

  async function openFile(): Promise<{ open: OpenBackend; cacheDir: string }> {
    open = await fileBackend?.open();
    if (!open) throw new Error('no file backend');
    return { open, cacheDir: (open.input as { cacheDir: string }).cacheDir };
  }

  it('deletes temp files a crashed writer left over a minute ago, and keeps a fresh one', async () => {
    const { open, cacheDir } = await openFile();
    const ns = open.storage.namespace('temps');
    await ns.set('k', 'v');
    const entryFile = entryFileOf(path.resolve(cacheDir), `${open.storage.prefix}:temps::k`);
    const stale = `${entryFile}.4242.0123456789ab.tmp`;
    const fresh = `${entryFile}.4242.ba9876543210.tmp`;
    await writeFile(stale, 'half written');
    await writeFile(fresh, 'being written');
    await age(stale, 5 * 60_000);
    await age(fresh, 1000);
    const probe = path.join(cacheDir, '.probe.4242.0123456789ab.tmp');
    await writeFile(probe, '');
    await age(probe, 5 * 60_000);

    expect(await ns.sweep()).toBe(0);

    const names = await readdir(path.dirname(entryFile));
    expect(names).not.toContain(path.basename(stale));
    expect(names).toContain(path.basename(fresh));
    expect(names).toContain(path.basename(entryFile));
    expect(await readdir(cacheDir)).not.toContain(path.basename(probe));
    expect(await ns.get('k')).toBe('v');
  });

  it('deletes the lock file of a holder that vanished once it has expired', async () => {
    const { open, cacheDir } = await openFile();
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    const ns = open.storage.namespace('crashed');
    await ns.lock('job', { ttlMs: 1000 }); // never released
    const lockDir = path.join(cacheDir, 'lock');
    expect((await readdir(lockDir)).filter((name) => name.endsWith('.lock'))).toHaveLength(1);
    await ns.sweep();
    expect((await readdir(lockDir)).filter((name) => name.endsWith('.lock'))).toHaveLength(1);
    vi.setSystemTime(start + 2000);
    await ns.sweep();
    expect((await readdir(lockDir)).filter((name) => name.endsWith('.lock'))).toHaveLength(0);
  });

  it('passes over a foreign file named like an entry when it counts, sweeps and clears', async () => {
    const { open, cacheDir } = await openFile();
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    const ns = open.storage.namespace('foreign');
    await ns.set('old', 1, { ttlMs: 1000 });
    await ns.set('live', 2);
    const entryFile = entryFileOf(path.resolve(cacheDir), `${open.storage.prefix}:foreign::live`);
    const foreign = path.join(path.dirname(entryFile), `${'f'.repeat(64)}.json`);
    await mkdir(path.dirname(foreign), { recursive: true });
    await writeFile(foreign, 'not an entry: no header line');
    vi.setSystemTime(start + 2000);

    expect(await ns.count({ includeExpired: true })).toBe(2);
    expect(await ns.count()).toBe(1);
    expect(await ns.sweep()).toBe(1);
    await ns.clear();
    expect(await ns.count({ includeExpired: true })).toBe(0);
    expect(await readdir(path.dirname(foreign))).toContain(path.basename(foreign));
  });
});
