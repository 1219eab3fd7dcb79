/**
 * Revoking cookie-only sessions: nothing is stored, so `destroy()` used to only ask the browser
 * to drop its cookie while a copy kept elsewhere went on working. With `revocationList` the
 * ids of ended sessions are kept in the storage until every copy of their cookie has expired.
 */
import { createServer } from 'node:net';
import {
  ConfigError,
  createStorage,
  REVOKED_SESSIONS_NAMESPACE,
  SessionManager,
  type SessionOptions,
  StorageUnavailableError,
  VesselError,
} from '@vessel/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Browser, FakeClock, rejectsOf, SECRET } from '../../../../test-support/sessions.js';

describe('cookie-only sessions: revocation list', () => {
  const storage = createStorage({ type: 'memory' });
  let clock: FakeClock;

  afterAll(async () => {
    await storage.close();
  });

  beforeEach(() => {
    clock = new FakeClock();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager(
      { type: 'cookie', secret: SECRET, revocationList: true, maxLifetime: '1d', now: clock.now, ...options },
      storage,
    );
  }

  /** A victim logged in as ada, and a thief holding a copy of the victim's cookie. */
  async function stolen(sessions: SessionManager): Promise<{ victim: Browser; thief: Browser; id: string }> {
    const victim = new Browser();
    const { session } = await victim.request(sessions, (s) => s.set('user', 'ada').save());
    return { victim, thief: new Browser(victim.cookie), id: session.id };
  }

  it('refuses every copy of the cookie once the session is destroyed', async () => {
    const sessions = sessionsWith();
    const { victim, thief, id } = await stolen(sessions);
    expect((await thief.load(sessions)).get('user')).toBe('ada');
    await victim.request(sessions, (s) => s.destroy()); // logout
    const rejects = rejectsOf(sessions);
    clock.advance(60);
    const replay = await thief.request(sessions, (s) => s.get('user'));
    expect(replay.session.isNew).toBe(true);
    expect(replay.session.toJSON()).toEqual({});
    expect(rejects).toEqual([{ reason: 'revoked', id }]);
    expect(replay.result.setCookie).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it('revokes the old id on regenerate and invalidate', async () => {
    const sessions = sessionsWith();
    const { victim, thief, id } = await stolen(sessions);
    const { session } = await victim.request(sessions, (s) => s.regenerate());
    expect(session.id).not.toBe(id);
    expect((await thief.load(sessions)).isNew).toBe(true);
    expect((await victim.load(sessions)).get('user')).toBe('ada');
    const copy = new Browser(victim.cookie);
    await victim.request(sessions, (s) => s.invalidate());
    expect((await copy.load(sessions)).isNew).toBe(true);
  });

  it('lets another process sharing the storage revoke a session by id ("log out everywhere")', async () => {
    const web = sessionsWith();
    const admin = sessionsWith();
    const { thief, id } = await stolen(web);
    expect(await admin.revoke(id)).toBe(true);
    expect((await thief.load(web)).isNew).toBe(true);
    // Kept no longer than any copy of the cookie could still open: maxLifetime.
    const entries = [];
    for await (const entry of storage.namespace(REVOKED_SESSIONS_NAMESPACE).scan()) entries.push(entry);
    const entry = entries.find((candidate) => candidate.key === id);
    expect(entry?.expiresAt).toBeGreaterThan(Date.now());
    expect(entry?.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });

  it('needs a storage, and says so; revoke without the list is refused plainly', async () => {
    expect(() => new SessionManager({ type: 'cookie', secret: SECRET, revocationList: true })).toThrow(ConfigError);
    expect(() => new SessionManager({ type: 'cookie', secret: SECRET, revocationList: true })).toThrow(
      /^session\.revocationList: /,
    );
    const plain = new SessionManager({ type: 'cookie', secret: SECRET }, storage);
    await expect(plain.revoke('AbCdEfGhIjKlMnOpQrStUvWxYz012345')).rejects.toThrow(VesselError);
    // Without the list (before this option existed) a copied cookie outlives the logout.
    const { victim, thief } = await stolen(plain);
    await victim.request(plain, (s) => s.destroy());
    expect((await thief.load(plain)).get('user')).toBe('ada');
  });

  it('revokes a stored session by deleting its record', async () => {
    const sessions = new SessionManager({ secret: SECRET }, storage);
    const { thief, id } = await stolen(sessions);
    expect(await sessions.revoke(id)).toBe(true);
    expect((await thief.load(sessions)).isNew).toBe(true);
    expect(await sessions.revoke(id)).toBe(false);
    expect(await sessions.revoke('../etc/passwd')).toBe(false);
  });

  it('fails the request when the list cannot be read, never letting the cookie through', async () => {
    const { victim } = await stolen(sessionsWith());
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const down = createStorage({ type: 'redis', url: `redis://127.0.0.1:${port}`, timeoutMs: 1000 });
    try {
      const sessions = new SessionManager({ type: 'cookie', secret: SECRET, revocationList: true }, down);
      await expect(victim.load(sessions)).rejects.toThrow(StorageUnavailableError);
    } finally {
      await down.close().catch(() => {});
    }
  });
});
