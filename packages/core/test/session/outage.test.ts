import { createServer } from 'node:net';
import {
  createStorage,
  generateSessionId,
  SessionManager,
  type Storage,
  StorageUnavailableError,
  signSessionId,
} from '@vessel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectsOf, SECRET } from '../../../../test-support/sessions.js';

/** A local TCP port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

const UNREACHABLE = [
  {
    name: 'redis',
    open: (port: number) => createStorage({ type: 'redis', url: `redis://127.0.0.1:${port}`, timeoutMs: 1000 }),
  },
  {
    name: 'postgres',
    open: (port: number) =>
      createStorage({ type: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/test`, timeoutMs: 1000 }),
  },
];

describe.each(UNREACHABLE)('sessions during a storage outage: $name', ({ open }) => {
  let storage: Storage | undefined;

  afterEach(async () => {
    await storage?.close().catch(() => {});
    storage = undefined;
  });

  it('rejects load of an authentic cookie with StorageUnavailableError, never a fresh session', async () => {
    const port = await freePort();
    storage = open(port);
    const sessions = new SessionManager({ secret: SECRET }, storage);
    const rejects = rejectsOf(sessions);
    const cookie = `vessel.sid=${encodeURIComponent(signSessionId(generateSessionId(), SECRET))}`;
    const started = Date.now();
    const error = await sessions.load({ cookie }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(rejects).toEqual([]);
  });

  it('rejects a save with StorageUnavailableError', async () => {
    storage = open(await freePort());
    const sessions = new SessionManager({ secret: SECRET }, storage);
    const session = await sessions.load({}); // no cookie: nothing to read yet
    session.set('user', 'ada');
    await expect(session.save()).rejects.toThrow(StorageUnavailableError);
  });

  it('rejects get by id with StorageUnavailableError, never null', async () => {
    storage = open(await freePort());
    const sessions = new SessionManager({ secret: SECRET }, storage);
    await expect(sessions.get(generateSessionId())).rejects.toThrow(StorageUnavailableError);
  });
});
