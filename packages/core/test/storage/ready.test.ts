import { lstat, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage, createVessel, StorageUnavailableError } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, POSTGRES_URL } from '../../../../test-support/backends.js';
import { type SilentServer, startSilentServer } from '../../../../test-support/silent-server.js';
import { makePrivateFolder } from '../../src/storage/private-paths.js';

const SECRET = 'a session secret of thirty-two bytes or more';

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe.each(BACKENDS)('storage.ready() on a usable $name storage', (backend) => {
  it('resolves', async () => {
    const open = await backend.open();
    try {
      await expect(open.storage.ready()).resolves.toBeUndefined();
    } finally {
      await open.cleanup();
    }
  });
});

describe('storage.ready() on a folder that cannot hold the store', () => {
  let base: string;
  /** A regular file: no folder can be made under it, not even by root. */
  let plainFile: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'vessel-ready-'));
    plainFile = path.join(base, 'plain-file');
    await writeFile(plainFile, 'not a folder');
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it.each(['sqlite', 'file'] as const)('%s: rejects naming the path and the cacheDir option', async (type) => {
    const cacheDir = path.join(plainFile, 'data');
    const storage = createStorage({ type, cacheDir });
    const error = await rejection(storage.ready());
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toContain(cacheDir);
    expect(error.message).toContain('ENOTDIR');
    expect(error.message).toContain('check the cacheDir option');
    await storage.close();
  });

  it('creates a missing folder, parents included, private to its owner', async () => {
    const cacheDir = path.join(base, 'a', 'b', 'c');
    const storage = createStorage({ type: 'file', cacheDir });
    await storage.ready();
    expect((await lstat(cacheDir)).mode & 0o777).toBe(0o700);
    expect((await lstat(path.join(base, 'a'))).mode & 0o777).toBe(0o700);
    await storage.close();
  });
});

// Node's mkdir({ recursive: true }) retried /proc's ENOENT forever, at 100 % CPU, long after the
// connect timeout gave up. The timeout here is far past the test's: settling at all shows the
// store fails by itself, not by its deadline.
describe('a cacheDir under /proc or /sys fails at once, never spins', () => {
  const NEVER = 600_000;

  it.each([
    ['sqlite', '/proc/vessel-data'],
    ['file', '/proc/vessel-data/sessions'],
    ['sqlite', '/proc'],
    ['file', '/proc'],
    ['sqlite', '/sys/vessel-data'],
  ] as const)(
    '%s in %s',
    async (type, cacheDir) => {
      const storage = createStorage({ type, cacheDir, timeoutMs: NEVER });
      const error = await rejection(storage.ready());
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error.message).toContain(cacheDir);
      expect(error.message).not.toContain('no answer within');
      // Every operation reports it too, each as fast.
      const write = await rejection(storage.namespace('session').set('abc', 1));
      expect(write).toBeInstanceOf(StorageUnavailableError);
      await storage.close();
    },
    10_000,
  );

  it('makePrivateFolder names the folder /proc refuses', async () => {
    const error = await rejection(makePrivateFolder('/proc/vessel-data/a/b'));
    expect(error.message).toBe(
      'cannot create folder /proc/vessel-data: /proc exists but refuses new folders (ENOENT; /proc and /sys are not for data)',
    );
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  }, 10_000);
});

describe('storage.ready() on a server that is not there', () => {
  let silent: SilentServer;

  beforeAll(async () => {
    silent = await startSilentServer();
  });

  afterAll(async () => {
    await silent.close();
  });

  it('redis, port closed: rejects naming the masked URL and the url option', async () => {
    const storage = createStorage({ url: 'redis://app:s3cret@127.0.0.1:1', timeoutMs: 1000 });
    const error = await rejection(storage.ready());
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toBe('cannot reach redis://app:***@127.0.0.1:1: ECONNREFUSED (check the url option)');
    await storage.close();
  });

  it('postgres, port closed: rejects naming the masked URL and the url option', async () => {
    const storage = createStorage({ url: 'postgres://vessel:hunter2@127.0.0.1:1/test', timeoutMs: 1000 });
    const error = await rejection(storage.ready());
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toBe(
      'cannot reach postgres://vessel:***@127.0.0.1:1/test: ECONNREFUSED (check the url option)',
    );
    await storage.close();
  });

  it.each(['redis', 'postgres'])(
    '%s, a server that never answers: rejects at timeoutMs',
    async (scheme) => {
      const url = `${scheme}://127.0.0.1:${silent.port}/0`;
      const storage = createStorage({ url, timeoutMs: 300 });
      const error = await rejection(storage.ready());
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error.message).toContain(`127.0.0.1:${silent.port}`);
      expect(error.message).toContain('no answer within 300 ms');
      expect(error.message).toContain('check the url option');
      await storage.close();
    },
    5_000,
  );
});

describe('storage.ready() and close()', () => {
  let base: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'vessel-ready-'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it.each(['sqlite', 'file'] as const)(
    '%s: a check cut short by close() says the storage is closed, and close() waits for it',
    async (type) => {
      const cacheDir = path.join(base, type);
      const storage = createStorage({ type, cacheDir });
      const checking = storage.ready().catch((e: unknown) => e);
      await storage.close();
      const outcome = await checking;
      if (outcome !== undefined) expect(outcome).toMatchObject({ code: 'VESSEL_CLOSED' });
      // Nothing is left open or written after close(): the folder can go at once.
      await rm(cacheDir, { recursive: true });
    },
  );
});

describe('storage.ready() of memory', () => {
  it('resolves at once', async () => {
    const storage = createStorage();
    await expect(storage.ready()).resolves.toBeUndefined();
    await storage.close();
  });
});

describe('vessel.ready()', () => {
  let base: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'vessel-ready-'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('resolves once the storage and the sessions’ own storage answer', async () => {
    const vessel = createVessel({ cacheDir: base, session: { secret: SECRET, url: POSTGRES_URL } });
    await expect(vessel.ready()).resolves.toBeUndefined();
    await vessel.close();
  });

  it('rejects naming the cacheDir that cannot be written', async () => {
    const plainFile = path.join(base, 'plain-file');
    await writeFile(plainFile, '');
    const vessel = createVessel({ cacheDir: path.join(plainFile, 'data') });
    const error = await rejection(vessel.ready());
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toContain(`${plainFile}/data`);
    expect(error.message).toContain('check the cacheDir option');
    await vessel.close();
  });

  it('names session.url when the sessions’ own server is not there', async () => {
    const vessel = createVessel({
      cacheDir: base,
      timeoutMs: 1000,
      session: { secret: SECRET, url: 'redis://:pw@127.0.0.1:1' },
    });
    const error = await rejection(vessel.ready());
    expect(error.message).toBe('cannot reach redis://:***@127.0.0.1:1: ECONNREFUSED (check the session.url option)');
    await vessel.close();
  });
});
