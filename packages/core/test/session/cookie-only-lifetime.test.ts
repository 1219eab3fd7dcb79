/**
 * Cookie-only sessions against a thief who replays a stolen cookie: every replay is re-sealed
 * with a fresh access time, so only an absolute lifetime sealed at creation can end it.
 */
import { DEFAULT_COOKIE_MAX_LIFETIME_SECONDS, SessionManager } from '@vessel/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { Browser, FakeClock, rejectsOf, SECRET } from '../../../../test-support/sessions.js';

describe('cookie-only sessions: absolute lifetime', () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  /** A thief who replays a stolen cookie every `everySeconds` and keeps whatever it gets back. */
  async function replayUntilRefused(sessions: SessionManager, stolen: string, everySeconds: number, days: number) {
    const thief = new Browser(stolen);
    const rejects = rejectsOf(sessions);
    const start = clock.time;
    while (clock.time - start < days * 86_400_000) {
      clock.advance(everySeconds);
      const { session } = await thief.request(sessions, (s) => s.get('user'));
      if (session.isNew) return { aliveForSeconds: (clock.time - start) / 1000, rejects };
    }
    return { aliveForSeconds: Number.POSITIVE_INFINITY, rejects };
  }

  it(`ends a replayed cookie ${DEFAULT_COOKIE_MAX_LIFETIME_SECONDS / 86_400} days after login when maxLifetime is not set`, async () => {
    expect(DEFAULT_COOKIE_MAX_LIFETIME_SECONDS).toBe(14 * 86_400);
    const sessions = new SessionManager({ type: 'cookie', secret: SECRET, timeout: '1h', now: clock.now });
    const created = clock.time;
    const victim = new Browser();
    const { session } = await victim.request(sessions, (s) => s.set('user', 'ada').save());
    // Every 30 minutes the re-sealed cookie's idle timeout slides: before the fix, forever.
    const { aliveForSeconds, rejects } = await replayUntilRefused(sessions, victim.cookie ?? '', 1800, 30);
    expect(aliveForSeconds).toBeGreaterThan(DEFAULT_COOKIE_MAX_LIFETIME_SECONDS - 1800);
    expect(aliveForSeconds).toBeLessThanOrEqual(DEFAULT_COOKIE_MAX_LIFETIME_SECONDS);
    expect(rejects).toEqual([{ reason: 'expired', id: session.id }]);
    expect(clock.time - created).toBeLessThanOrEqual(DEFAULT_COOKIE_MAX_LIFETIME_SECONDS * 1000);
  });

  it('never extends maxLifetime by re-sealing, regenerating or rotating the key', async () => {
    const options = { type: 'cookie', timeout: 600, maxLifetime: '2h', now: clock.now } as const;
    const old = 'an older secret of at least 32 bytes';
    const before = new SessionManager({ ...options, secret: old });
    const victim = new Browser();
    const { session } = await victim.request(before, (s) => s.set('user', 'ada').save());
    const rotated = new SessionManager({ ...options, secret: [SECRET, old] });
    clock.advance(300);
    // Re-sealed under the new key (rotation) and under a fresh id (regenerate): same creation time.
    const { session: renewed } = await victim.request(rotated, (s) => s.regenerate());
    expect(renewed.id).not.toBe(session.id);
    expect(renewed.created).toEqual(session.created);
    const { aliveForSeconds } = await replayUntilRefused(rotated, victim.cookie ?? '', 300, 1);
    expect(aliveForSeconds).toBeLessThanOrEqual(2 * 3600 - 300);
  });

  it('uses a maxLifetime longer than the default cap as it is', async () => {
    const sessions = new SessionManager({
      type: 'cookie',
      secret: SECRET,
      timeout: '1h',
      maxLifetime: '20d',
      now: clock.now,
    });
    const victim = new Browser();
    await victim.request(sessions, (s) => s.set('user', 'ada').save());
    const { aliveForSeconds } = await replayUntilRefused(sessions, victim.cookie ?? '', 1800, 30);
    expect(aliveForSeconds).toBeGreaterThan(20 * 86_400 - 1800);
    expect(aliveForSeconds).toBeLessThanOrEqual(20 * 86_400);
  });
});
