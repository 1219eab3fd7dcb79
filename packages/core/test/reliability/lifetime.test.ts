import { type Session, SessionManager, type SessionOptions } from '@vessel/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { backendTtlMs, OffsetClock } from '../../../../test-support/reliability.js';
import { Browser, FakeClock, rejectsOf, SECRET, storedRecord } from '../../../../test-support/sessions.js';

/**
 * How far the backend's TTL may stray from the session's remaining lifetime, in ms: the time
 * between reading the clock for a write and the backend applying it, on a busy machine.
 */
const SLACK_MS = 100;
/** Saves in flight on one session in the contended step. */
const PARALLEL = 100;

const IDLE_SECONDS = 300;
const ABSOLUTE_SECONDS = 600;

describe.each(BACKENDS)('storage lifetime follows the session on $name', (backendCase) => {
  let open: OpenBackend;
  let clock: OffsetClock;

  beforeAll(async () => {
    open = await backendCase.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  beforeEach(() => {
    clock = new OffsetClock();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager(
      {
        secret: SECRET,
        timeout: IDLE_SECONDS,
        maxLifetime: ABSOLUTE_SECONDS,
        saveAccessedTime: true,
        accessedTimeThrottle: 0,
        now: clock.now,
        ...options,
      },
      open.storage,
    );
  }

  /**
   * The stored record says the session's expiry, and the backend drops the key then: its TTL
   * is the session's remaining lifetime (never longer, beyond the slack). Returns the TTL.
   */
  async function expectStorageInStep(session: Session, sessions: SessionManager): Promise<number> {
    const expiresAt = session.expiresAt?.getTime();
    if (expiresAt === undefined) throw new Error('every session has an expiry');
    expect((await storedRecord(open.storage, session.id))?.expires).toBe(expiresAt);
    const remainingMs = expiresAt - clock.now();
    const ttlMs = await backendTtlMs(open, session.id);
    expect(ttlMs, 'the backend keeps an expiry').toBeTypeOf('number');
    expect(ttlMs as number).toBeLessThanOrEqual(remainingMs + SLACK_MS);
    expect(ttlMs as number).toBeGreaterThanOrEqual(remainingMs - SLACK_MS);
    // Never past the absolute limit, whatever the idle timeout says.
    const { maxLifetime } = sessions.options;
    if (maxLifetime !== undefined)
      expect(expiresAt).toBeLessThanOrEqual(session.created.getTime() + maxLifetime * 1000);
    return ttlMs as number;
  }

  it('keeps the TTL at the session’s remaining lifetime through saves, access writes, regenerate and touches, shrinking to the absolute limit', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const browser = new Browser();
    /** The backend's TTL after each step that the absolute limit bounds. */
    const absoluteTtls: number[] = [];
    /** One request `seconds` after the last, then the checks; `limit` names the limit that must decide the expiry. */
    const step = async (seconds: number, limit: 'idle' | 'absolute', handle: (s: Session) => unknown) => {
      clock.advance(seconds);
      const { session } = await browser.request(sessions, handle);
      await expectLimit(session, limit);
      return session;
    };
    const expectLimit = async (session: Session, limit: 'idle' | 'absolute') => {
      const ttlMs = await expectStorageInStep(session, sessions);
      if (limit === 'idle') {
        expect(session.expiresAt?.getTime()).toBe(session.lastAccessed.getTime() + IDLE_SECONDS * 1000);
      } else {
        expect(session.expiresAt?.getTime()).toBe(session.created.getTime() + ABSOLUTE_SECONDS * 1000);
        absoluteTtls.push(ttlMs);
      }
    };

    const first = await step(0, 'idle', (s) => s.set('user', 'ada').save());
    await step(100, 'idle', (s) => s.set('cart', ['apple']).save());
    await step(100, 'idle', (s) => s.get('user')); // an access-time write
    // From here on the absolute limit (first.created + 600 s) comes first: the TTL only shrinks.
    await step(150, 'absolute', (s) => {
      s.setIdleTimeout(3600);
      return s.save();
    });
    const renewed = await step(50, 'absolute', (s) => s.regenerate());
    expect(renewed.id).not.toBe(first.id);
    expect(renewed.created).toEqual(first.created);
    expect(await backendTtlMs(open, first.id), 'the old key is gone').toBeUndefined();
    await step(190, 'absolute', (s) => s.touch()); // 10 s before the absolute end

    // Contended saves retry; each retry must count the TTL from when it is written.
    const cookie = browser.cookie;
    await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        new Browser(cookie).request(sessions, (s) => s.set(`k${i}`, i).save()),
      ),
    );
    const merged = await sessions.get(renewed.id);
    if (!merged) throw new Error('the session is gone after the parallel saves');
    expect(merged.keys()).toHaveLength(PARALLEL + 2);
    await expectLimit(merged, 'absolute');

    const [capped, regenerated, touched, contended] = absoluteTtls as [number, number, number, number];
    expect(capped).toBeLessThanOrEqual(250_000 + SLACK_MS);
    expect(regenerated).toBeLessThan(capped);
    expect(regenerated).toBeLessThanOrEqual(200_000 + SLACK_MS);
    expect(touched).toBeLessThan(regenerated);
    expect(touched).toBeLessThanOrEqual(10_000 + SLACK_MS);
    expect(contended).toBeLessThanOrEqual(touched);

    clock.advance(11);
    const after = await browser.load(sessions);
    expect(after.isNew).toBe(true);
    expect(after.toJSON()).toEqual({});
    expect(rejects).toEqual([{ reason: 'expired', id: renewed.id }]);
  });

  it('slides the TTL to one idle timeout after each write when no absolute limit is set', async () => {
    const sessions = sessionsWith({ maxLifetime: undefined });
    const browser = new Browser();
    for (const seconds of [0, 250, 250, 250]) {
      clock.advance(seconds);
      const { session } = await browser.request(sessions, (s) => s.set('n', seconds).save());
      await expectStorageInStep(session, sessions);
      expect(session.expiresAt?.getTime()).toBe(session.lastAccessed.getTime() + IDLE_SECONDS * 1000);
    }
  });
});

describe('cookie-only sessions: the sealed limits hold against a client that keeps old cookies', () => {
  it('refuses a copy of an early cookie after its idle timeout, and every cookie after the absolute limit', async () => {
    const clock = new FakeClock();
    const sessions = new SessionManager({
      type: 'cookie',
      secret: SECRET,
      timeout: 60,
      maxLifetime: 150,
      now: clock.now,
    });
    const rejects = rejectsOf(sessions);
    const browser = new Browser();
    await browser.request(sessions, (s) => s.set('user', 'ada').save());
    const early = browser.cookie;
    for (const visits of [1, 2]) {
      clock.advance(50);
      await browser.request(sessions, (s) => s.set('visits', visits).save());
    }
    // t0 + 100 s: the early copy's sealed access time is 100 s old, the live cookie's 0 s.
    const replay = await new Browser(early).load(sessions);
    expect(replay.isNew).toBe(true);
    expect(replay.toJSON()).toEqual({});
    expect((await browser.load(sessions)).get('visits')).toBe(2);
    clock.advance(45); // t0 + 145 s
    await browser.request(sessions, (s) => s.set('visits', 3).save());
    clock.advance(6); // t0 + 151 s: past maxLifetime, 6 s after the last save
    expect((await browser.load(sessions)).isNew).toBe(true);
    expect(rejects.map((event) => event.reason)).toEqual(['expired', 'expired']);
  });
});
