/**
 * Encryption at rest of stored sessions (`session.encryptKey`): what storage holds is sealed
 * and bound to the session id, rich values and merged saves survive it, keys rotate, Beaker's
 * `validateKey` takes part, and a record that does not open is a fresh session, never a crash.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createStorage,
  isSealedSessionRecord,
  SessionManager,
  type SessionOptions,
  SessionRecordSealer,
  type Storage,
  signSessionId,
} from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'the signing secret, long enough to sign cookies';
const KEY = 'encryption key one: thirty-two bytes or more';
const NEXT_KEY = 'encryption key two: thirty-two bytes or more';

let dir: string;
let storage: Storage;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vessel-at-rest-'));
  storage = createStorage({ cacheDir: dir });
});
afterAll(async () => {
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

/** What storage holds for session `id`. */
const sessions = { raw: (id: string) => storage.namespace('session').get(id) };

function manager(options: SessionOptions = {}): SessionManager {
  return new SessionManager({ secret: SECRET, encryptKey: KEY, ...options }, storage);
}

async function savedWith(sessionManager: SessionManager, values: Record<string, unknown>): Promise<string> {
  const session = sessionManager.create();
  for (const [key, value] of Object.entries(values)) session.set(key, value);
  await session.save();
  return session.id;
}

describe('encryption at rest', () => {
  it('stores the data sealed, the times readable, and reads it back with its types', async () => {
    const id = await savedWith(manager(), { user: 'ada@example.com', since: new Date(0), roles: new Set(['admin']) });
    const raw = await sessions.raw(id);
    expect(isSealedSessionRecord(raw)).toBe(true);
    expect(JSON.stringify(raw)).not.toContain('ada@example.com');
    expect(raw).toMatchObject({ created: expect.any(Number), accessed: expect.any(Number) });
    const loaded = await manager().get(id);
    expect(loaded?.get('user')).toBe('ada@example.com');
    expect(loaded?.get('since')).toEqual(new Date(0));
    expect(loaded?.get('roles')).toEqual(new Set(['admin']));
  });

  it('merges the keys two requests changed, as without encryption', async () => {
    const id = await savedWith(manager(), { count: 0 });
    const [first, second] = await Promise.all([manager().get(id), manager().get(id)]);
    first?.set('a', 1);
    second?.set('b', 2);
    await first?.save();
    await second?.save();
    const merged = await manager().get(id);
    expect(merged?.toJSON()).toMatchObject({ count: 0, a: 1, b: 2 });
  });

  it('opens records sealed under an older key after rotation, and seals new writes under the first', async () => {
    const id = await savedWith(manager(), { n: 1 });
    const rotated = manager({ encryptKey: [NEXT_KEY, KEY] });
    const session = await rotated.get(id);
    expect(session?.get('n')).toBe(1);
    session?.set('n', 2);
    await session?.save();
    expect((await manager({ encryptKey: NEXT_KEY }).get(id))?.get('n')).toBe(2);
    // The old key alone no longer opens it: it was re-sealed.
    expect(await manager().get(id)).toBeNull();
  });

  it('reads records written before encryption was on, and seals them at their next save', async () => {
    const id = await savedWith(manager({ encryptKey: undefined }), { legacy: true });
    const session = await manager().get(id);
    expect(session?.get('legacy')).toBe(true);
    session?.set('more', 1);
    await session?.save();
    expect(isSealedSessionRecord(await sessions.raw(id))).toBe(true);
  });

  it('starts a fresh session for a record that does not open, saying why', async () => {
    const id = await savedWith(manager(), { n: 1 });
    for (const [options, detail] of [
      [{ encryptKey: NEXT_KEY }, 'sealed under a key session.encryptKey does not hold'],
      [{ encryptKey: undefined }, 'sealed, and session.encryptKey is not set'],
      [
        { validateKey: 'a validate key Beaker would also want here' },
        'sealed under a key session.encryptKey does not hold',
      ],
    ] as const) {
      const rejected: unknown[] = [];
      const other = manager(options);
      other.on('reject', (event) => rejected.push(event));
      const session = await other.load({ cookie: `vessel.sid=${encodeURIComponent(signSessionId(id, SECRET))}` });
      expect(session.isNew).toBe(true);
      expect(rejected).toEqual([expect.objectContaining({ reason: 'corrupt', id, detail })]);
    }
  });

  it('binds the sealed data to its session id: a copy under another id does not open', async () => {
    const id = await savedWith(manager(), { owner: 'ada' });
    const copy = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    await storage.namespace('session').set(copy, await sessions.raw(id));
    const sealer = new SessionRecordSealer({ keys: [KEY] });
    expect(sealer.open(id, await sessions.raw(id))).toBeDefined();
    expect(sealer.open(copy, await sessions.raw(copy))).toBeUndefined();
    expect(await manager().get(copy)).toBeNull();
  });

  it('needs validateKey to open what was sealed with it', async () => {
    const validateKey = 'the validate key, as Beaker configures it';
    const id = await savedWith(manager({ validateKey }), { n: 1 });
    expect((await manager({ validateKey }).get(id))?.get('n')).toBe(1);
    expect(await manager().get(id)).toBeNull();
  });

  it('writes back only what a request changed: a key it only read keeps another request’s write', async () => {
    const id = await savedWith(manager(), { cart: { items: ['book'] }, note: 'first' });
    const reader = await manager().get(id);
    expect(reader?.get('cart')).toEqual({ items: ['book'] });
    const writer = await manager().get(id);
    writer?.set('cart', { items: ['book', 'pen'] });
    await writer?.save();
    reader?.set('note', 'second');
    await reader?.save();
    expect((await manager().get(id))?.toJSON()).toEqual({ cart: { items: ['book', 'pen'] }, note: 'second' });
  });

  it('writes back only what changed at a second save in the same request too', async () => {
    const id = await savedWith(manager(), { cart: ['book'] });
    const reader = await manager().get(id);
    expect(reader?.get('cart')).toEqual(['book']);
    reader?.set('note', 'first');
    await reader?.save();
    const writer = await manager().get(id);
    writer?.set('cart', ['book', 'pen']);
    await writer?.save();
    reader?.set('note', 'second');
    await reader?.save();
    expect((await manager().get(id))?.toJSON()).toEqual({ cart: ['book', 'pen'], note: 'second' });
  });

  it('mixes validateKey into cookie-only sessions’ keys too', async () => {
    const validateKey = 'the validate key of a cookie-only app';
    const sealing = manager({ type: 'cookie', validateKey });
    const session = sealing.create();
    session.set('n', 1);
    await session.save();
    const { setCookie } = await sealing.commit(session);
    const cookie = (setCookie ?? '').split(';', 1)[0] ?? '';
    expect((await manager({ type: 'cookie', validateKey }).load({ cookie })).get('n')).toBe(1);
    expect((await manager({ type: 'cookie' }).load({ cookie })).isNew).toBe(true);
  });

  it('refuses a short key, naming the option and not the value', () => {
    expect(() => manager({ encryptKey: 'short-key' })).toThrow(
      'session.encryptKey: needs at least 32 bytes of random key material (e.g. `openssl rand -base64 32`); the key given is shorter',
    );
    expect(() => manager({ encryptKey: [KEY, 'short-key'] })).toThrow(
      /^session\.encryptKey: needs at least 32 bytes .*; key #2 in the list is shorter$/,
    );
  });
});
