import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSessionId, SessionManager, type SessionOptions } from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { READS, rejectsOf, spyOnCalls, storedRecord } from '../../../../test-support/sessions.js';

/** Ids an attacker might pass in a header or URL; each must be refused before any storage access. */
const MALFORMED_IDS = [
  '../../etc/passwd',
  `../../${'a'.repeat(30)}`,
  `..${path.sep}..${path.sep}${'b'.repeat(30)}`,
  `${'a'.repeat(24)}\0${'b'.repeat(8)}`,
  '\0',
  'short',
  '',
  'a'.repeat(21),
  'a'.repeat(129),
  '*'.repeat(32),
  `${'c'.repeat(30)}/x`,
  `/tmp/${'d'.repeat(30)}`,
];

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe.each(BACKENDS)('no-cookie mode: $name', (backend) => {
  let open: OpenBackend;
  /** For the file backend: a folder around cacheDir, to see that nothing lands next to it. */
  let outer: string | undefined;

  beforeAll(async () => {
    if (backend.type === 'file') {
      outer = await mkdtemp(path.join(tmpdir(), 'vessel-nocookie-'));
      open = await backend.open({ cacheDir: path.join(outer, 'a', 'b', 'cache') });
    } else {
      open = await backend.open();
    }
  });

  afterAll(async () => {
    await open?.cleanup();
    if (outer) await rm(outer, { recursive: true, force: true });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager({ useCookies: false, ...options }, open.storage);
  }

  it('needs no secret and never sets a cookie', async () => {
    const sessions = sessionsWith();
    const session = await sessions.load({ id: undefined });
    session.set('step', 1);
    await session.save();
    const first = await sessions.commit(session);
    expect(first).toEqual({ setCookie: undefined, id: session.id, saved: true });
    const again = await sessions.load({ id: session.id });
    await again.regenerate();
    expect((await sessions.commit(again)).setCookie).toBeUndefined();
    await again.destroy();
    expect((await sessions.commit(again)).setCookie).toBeUndefined();
  });

  it('finds the session by the id the application passes, through load and get', async () => {
    const sessions = sessionsWith();
    const session = await sessions.load({});
    session.set('step', 2);
    await session.save();
    const { id } = await sessions.commit(session);
    expect(id).toBe(session.id);
    const loaded = await sessions.load({ id });
    expect(loaded.id).toBe(id);
    expect(loaded.isNew).toBe(false);
    expect(loaded.get('step')).toBe(2);
    expect((await sessions.get(id))?.get('step')).toBe(2);
  });

  it('hands back the new id after regenerate, and the old id no longer loads', async () => {
    const sessions = sessionsWith();
    const session = await sessions.load({});
    session.set('step', 3);
    await session.save();
    const oldId = session.id;
    await session.regenerate();
    const { id } = await sessions.commit(session);
    expect(id).not.toBe(oldId);
    expect((await sessions.load({ id })).get('step')).toBe(3);
    expect(await sessions.get(oldId)).toBeNull();
    expect((await sessions.load({ id: oldId })).isNew).toBe(true);
  });

  it('gives a fresh session for an unknown id (unknown), and get says null', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const id = generateSessionId();
    const session = await sessions.load({ id });
    expect(session.isNew).toBe(true);
    expect(session.id).not.toBe(id);
    expect(rejects).toEqual([{ reason: 'unknown', id }]);
    expect(await sessions.get(id)).toBeNull();
  });

  it('refuses malformed ids before the storage sees them (invalid-id)', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const get = spyOnCalls(open.storage.namespace('session'), READS);
    for (const id of MALFORMED_IDS) {
      const session = await sessions.load({ id });
      expect(session.isNew, JSON.stringify(id)).toBe(true);
      expect(session.id).not.toBe(id);
      expect(await sessions.get(id)).toBeNull();
    }
    expect(get).not.toHaveBeenCalled();
    expect(rejects.map((event) => event.reason)).toEqual(MALFORMED_IDS.map(() => 'invalid-id'));
  });

  it('refuses ids with control characters even under a pattern that allows them (invalid-id)', async () => {
    const sessions = sessionsWith({ idPattern: /^[^/]{1,64}$/ });
    const rejects = rejectsOf(sessions);
    const get = spyOnCalls(open.storage.namespace('session'), READS);
    const ids = ['abc\0def', '\0', 'line\nbreak', 'bell\u0007', 'del\u007f', 'esc\u001b[2J'];
    for (const id of ids) {
      expect((await sessions.load({ id })).isNew, JSON.stringify(id)).toBe(true);
      expect(await sessions.get(id)).toBeNull();
      expect(() => sessions.create({ id })).toThrow(TypeError);
    }
    expect(get).not.toHaveBeenCalled();
    expect(rejects.map((event) => event.reason)).toEqual(ids.map(() => 'invalid-id'));
    // Ids the pattern allows still reach the storage.
    expect((await sessions.load({ id: 'an-id:the.pattern allows' })).isNew).toBe(true);
    expect(get).toHaveBeenCalled();
  });

  it.runIf(backend.type === 'file')('writes no file outside cacheDir, whatever the id', async () => {
    const sessions = sessionsWith();
    for (const id of MALFORMED_IDS) {
      const session = await sessions.load({ id });
      session.set('payload', id);
      await session.save();
      await sessions.commit(session);
    }
    const files = await filesUnder(outer ?? '');
    expect(files.length).toBeGreaterThanOrEqual(MALFORMED_IDS.length);
    expect(files.filter((file) => !file.startsWith(path.join('a', 'b', 'cache') + path.sep))).toEqual([]);
  });

  it('stores the session a malformed id asked for under a fresh, valid id', async () => {
    const sessions = sessionsWith();
    const session = await sessions.load({ id: '../../etc/passwd' });
    session.set('n', 1);
    await session.save();
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await storedRecord(open.storage, session.id))?.data).toEqual({ n: 1 });
  });
});
