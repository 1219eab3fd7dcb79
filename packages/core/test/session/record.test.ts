/**
 * The session record module: which values are records (readable or sealed), when one has
 * ended, and what a sealed record opens to — with its edges: foreign values, sealed text that
 * is not a record, and the key derivation that keeps cookies, stored records and validate keys apart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createStorage,
  isSealedSessionRecord,
  isSessionRecord,
  isStoredSessionRecord,
  SessionRecordSealer,
  type Storage,
  sessionRecord,
  sessionRecordEnded,
  setSessionRecordExpiry,
} from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteExec } from '../../../../test-support/backends.js';
import { CookieSealer } from '../../src/session/cookie-crypto.js';
import { serializeRecord } from '../../src/storage/index.js';

const KEY = 'a stored-session encryption key, 32+ bytes';
const ID = 'aDq3k2X9b8ZcV7nM1pL0sT5uW4yR6eQh';
const TIMES = { created: 1_000, accessed: 2_000, expires: 3_000 };

describe('which values are session records', () => {
  it('takes readable records, with or without their own timeout', () => {
    expect(isSessionRecord({ ...TIMES, data: {} })).toBe(true);
    expect(isSessionRecord({ ...TIMES, expires: null, timeout: 60, data: { a: 1 } })).toBe(true);
    expect(isStoredSessionRecord({ ...TIMES, data: {} })).toBe(true);
  });

  it('refuses values that are not objects, or lack a time or the data', () => {
    for (const value of [null, undefined, 'record', 42, []]) {
      expect(isSessionRecord(value)).toBe(false);
      expect(isSealedSessionRecord(value)).toBe(false);
      expect(isStoredSessionRecord(value)).toBe(false);
    }
    expect(isSessionRecord({ ...TIMES, created: '1000', data: {} })).toBe(false);
    expect(isSessionRecord({ ...TIMES, accessed: '2000', data: {} })).toBe(false);
    expect(isSessionRecord({ ...TIMES, expires: '3000', data: {} })).toBe(false);
    expect(isSessionRecord({ ...TIMES, timeout: 0, data: {} })).toBe(false);
    expect(isSessionRecord({ ...TIMES, data: [] })).toBe(false);
    expect(isStoredSessionRecord({ ...TIMES })).toBe(false);
  });

  it('takes sealed records: a string in sealed, and no data beside it', () => {
    expect(isSealedSessionRecord({ ...TIMES, sealed: 'v2.x.y.z' })).toBe(true);
    expect(isStoredSessionRecord({ ...TIMES, sealed: 'v2.x.y.z' })).toBe(true);
    expect(isSessionRecord({ ...TIMES, sealed: 'v2.x.y.z' })).toBe(false);
    expect(isSealedSessionRecord({ ...TIMES, sealed: 5 })).toBe(false);
    expect(isSealedSessionRecord({ ...TIMES, sealed: 'v2.x.y.z', data: {} })).toBe(false);
    expect(isSealedSessionRecord({ ...TIMES, accessed: null, sealed: 'v2.x.y.z' })).toBe(false);
  });
});

describe('when a record has ended', () => {
  it('at its expires instant and after; never with expires null', () => {
    expect(sessionRecordEnded({ expires: 3_000 }, 2_999)).toBe(false);
    expect(sessionRecordEnded({ expires: 3_000 }, 3_000)).toBe(true);
    expect(sessionRecordEnded({ expires: 3_000 }, 3_001)).toBe(true);
    expect(sessionRecordEnded({ expires: null }, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('SessionRecordSealer', () => {
  const sealer = new SessionRecordSealer({ keys: [KEY] });

  it('opens what it sealed for the same id, keeping the times readable', () => {
    const record = sessionRecord({ ...TIMES, timeout: 90 }, { user: 'ada', at: new Date(5) });
    const sealed = sealer.seal(ID, record);
    expect(sealed).toEqual({ ...TIMES, timeout: 90, sealed: expect.stringMatching(/^v2\./) });
    expect(sealer.open(ID, sealed)).toEqual({ record, current: true });
  });

  it('passes a readable record through as not sealed under the current key', () => {
    const record = sessionRecord(TIMES, { a: 1 });
    expect(sealer.open(ID, record)).toEqual({ record, current: false });
  });

  it('says "not current" for a record sealed under an older key of the list', () => {
    const sealed = sealer.seal(ID, sessionRecord(TIMES, { a: 1 }));
    const rotated = new SessionRecordSealer({ keys: ['the next encryption key, 32 bytes or more', KEY] });
    expect(rotated.open(ID, sealed)?.current).toBe(false);
  });

  it('opens nothing that is not a record, or whose sealed text is no record data', () => {
    const raw = new CookieSealer([KEY], { purpose: 'stored-session' });
    const sealedText = (plaintext: string) => ({ ...TIMES, sealed: raw.seal(plaintext, ID) });
    expect(sealer.open(ID, sealedText(serializeRecord({ value: { a: 1 } })))?.record.data).toEqual({ a: 1 });
    expect(sealer.open(ID, sealedText('not a record'))).toBeUndefined();
    for (const value of [5, null, [1, 2], 'text'])
      expect(sealer.open(ID, sealedText(serializeRecord({ value })))).toBeUndefined();
    expect(sealer.open(ID, { ...TIMES })).toBeUndefined();
    expect(sealer.open(ID, 'a string')).toBeUndefined();
  });
});

describe('key derivation keeps sealed values apart', () => {
  it('a stored record never opens as a cookie, nor a cookie as a stored record', () => {
    const cookie = new CookieSealer([KEY]);
    const stored = new CookieSealer([KEY], { purpose: 'stored-session' });
    expect(cookie.open(stored.seal('x'))).toBeUndefined();
    expect(stored.open(cookie.seal('x'))).toBeUndefined();
    expect(stored.open(stored.seal('x'))?.plaintext).toBe('x');
  });

  it('two validate keys give two keys, and none gives a third', () => {
    const a = new CookieSealer([KEY], { validateKey: 'validate key A' });
    const b = new CookieSealer([KEY], { validateKey: 'validate key B' });
    const none = new CookieSealer([KEY]);
    expect(a.open(a.seal('x'))?.plaintext).toBe('x');
    expect(b.open(a.seal('x'))).toBeUndefined();
    expect(none.open(a.seal('x'))).toBeUndefined();
    expect(a.open(none.seal('x'))).toBeUndefined();
  });

  it('binds a sealed value to its context', () => {
    const stored = new CookieSealer([KEY], { purpose: 'stored-session' });
    expect(stored.open(stored.seal('x', ID), ID)?.plaintext).toBe('x');
    expect(stored.open(stored.seal('x', ID), `${ID}2`)).toBeUndefined();
    expect(stored.open(stored.seal('x', ID))).toBeUndefined();
  });
});

describe('setSessionRecordExpiry', () => {
  let dir: string;
  let storage: Storage;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vessel-record-expiry-'));
    storage = createStorage({ cacheDir: dir });
  });
  afterAll(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The storage expiry the scan reports for `key`. */
  async function storedExpiry(key: string): Promise<number | null | undefined> {
    for await (const entry of storage.namespace('session').scan({ includeExpired: true }))
      if (entry.key === key) return entry.expiresAt;
    return undefined;
  }

  it("moves a record's own expires and its storage expiry together, sealed or not", async () => {
    const namespace = storage.namespace('session');
    const at = Date.now() + 3_600_000;
    const plain = sessionRecord({ created: 1, accessed: 2, expires: Date.now() + 60_000 }, { a: 1 });
    await namespace.set('plain', plain, { ttlMs: 60_000 });
    await namespace.set('sealed', new SessionRecordSealer({ keys: [KEY] }).seal('sealed', plain), { ttlMs: 60_000 });
    for (const id of ['plain', 'sealed']) {
      const started = Date.now();
      expect(await setSessionRecordExpiry(namespace, id, at)).toBe(true);
      const took = Date.now() - started;
      expect(await namespace.get(id)).toMatchObject({ expires: at });
      // The storage takes a TTL, counted from its own write: later than `at` by at most the call's time.
      expect(await storedExpiry(id)).toBeGreaterThanOrEqual(at);
      expect(await storedExpiry(id)).toBeLessThanOrEqual(at + took + 1);
    }
    expect(new SessionRecordSealer({ keys: [KEY] }).open('sealed', await namespace.get('sealed'))?.record.data).toEqual(
      {
        a: 1,
      },
    );
  });

  it('says false for an id with no entry', async () => {
    expect(await setSessionRecordExpiry(storage.namespace('session'), 'missing', Date.now() + 1000)).toBe(false);
  });

  it('moves only the storage expiry of a value that is not a session record, leaving it as it is', async () => {
    const namespace = storage.namespace('session');
    const at = Date.now() + 3_600_000;
    await namespace.set('foreign', { hello: 'world' }, { ttlMs: 60_000 });
    await namespace.set('text', 'just text', { ttlMs: 60_000 });
    for (const [id, value] of [
      ['foreign', { hello: 'world' }],
      ['text', 'just text'],
    ] as const) {
      expect(await setSessionRecordExpiry(namespace, id, at)).toBe(true);
      expect(await namespace.get(id)).toEqual(value);
      expect(await storedExpiry(id)).toBe(at);
    }
  });

  it('moves the storage expiry of an entry that cannot be decoded, without throwing', async () => {
    const at = Date.now() + 3_600_000;
    await sqliteExec(path.join(dir, 'vessel.sqlite'), 'INSERT INTO vessel (key, value) VALUES (?, ?)', [
      'vessel:session::undecodable',
      '{"expires":null,"value":{broken',
    ]);
    expect(await setSessionRecordExpiry(storage.namespace('session'), 'undecodable', at)).toBe(true);
    expect(await storedExpiry('undecodable')).toBe(at);
  });

  it('ends a session now: an expiry that has come leaves nothing to read', async () => {
    const namespace = storage.namespace('session');
    await namespace.set('ending', sessionRecord({ created: 1, accessed: 2, expires: null }, {}), { ttlMs: 60_000 });
    expect(await setSessionRecordExpiry(namespace, 'ending', Date.now() - 1)).toBe(true);
    expect(await namespace.get('ending')).toBeUndefined();
  });
});
