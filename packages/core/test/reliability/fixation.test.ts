import { randomUUID } from 'node:crypto';
import { type Session, SessionManager, type SessionOptions } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { backendTtlMs, sessionsOfUser } from '../../../../test-support/reliability.js';
import { Browser, EXPIRED, FakeClock, rejectsOf, SECRET, storedRecord } from '../../../../test-support/sessions.js';

/** The ways a session's id stops being valid, through the core Session API. */
const ENDINGS = [
  { name: 'regenerate', end: (s: Session) => s.regenerate(), keepsData: true },
  { name: 'invalidate', end: (s: Session) => s.invalidate(), keepsData: false },
  { name: 'destroy', end: (s: Session) => s.destroy(), keepsData: false },
] as const;

/** What a request that loaded the session before it ended may still do with its copy. */
/** `vanishes`: the write finds the session gone and says so (a `vanished` reject event). */
const LATE_ACTIONS = [
  { name: 'saves a change', act: (s: Session) => s.set('cart', ['apple']).save(), vanishes: true },
  { name: 'writes its access time', act: (s: Session) => s.touch(), vanishes: true },
  { name: 'sets an idle timeout of its own', act: (s: Session) => s.setIdleTimeout(3600), vanishes: true },
  { name: 'regenerates it', act: (s: Session) => s.regenerate(), vanishes: true },
  // Nothing to write: it deletes the (already deleted) record and goes on with a fresh, empty session.
  { name: 'invalidates it', act: (s: Session) => s.invalidate(), vanishes: false },
] as const;

describe.each(BACKENDS)('fixation: ended sessions stay ended on $name', (backendCase) => {
  let open: OpenBackend;

  beforeAll(async () => {
    open = await backendCase.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager({ secret: SECRET, ...options }, open.storage);
  }

  /** A browser holding a saved session whose data carries a marker no other test uses. */
  async function loggedIn(sessions: SessionManager): Promise<{ browser: Browser; session: Session; marker: string }> {
    const marker = randomUUID();
    const browser = new Browser();
    const { session } = await browser.request(sessions, (s) => s.set('user', marker).set('role', 'admin').save());
    return { browser, session, marker };
  }

  /** Neither Vessel nor the backend's raw keys know `id` any more. */
  async function expectGone(sessions: SessionManager, id: string): Promise<void> {
    expect(await storedRecord(open.storage, id)).toBeUndefined();
    expect(await sessions.get(id)).toBeNull();
    // Read around Vessel where the backend allows: the raw key itself is gone.
    expect(await backendTtlMs(open, id)).toBeUndefined();
  }

  describe.each(ENDINGS)('after $name', ({ end, keepsData }) => {
    it('refuses the old cookie, and re-sending it (and writing with it) never brings the old data back', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const { browser, session: old, marker } = await loggedIn(sessions);
      const oldCookie = browser.cookie;
      const { session: after } = await browser.request(sessions, end);
      await expectGone(sessions, old.id);

      for (let replay = 0; replay < 3; replay++) {
        const attacker = new Browser(oldCookie);
        const { session, result } = await attacker.request(sessions, (s) => {
          expect(s.isNew).toBe(true);
          expect(s.id).not.toBe(old.id);
          expect(s.toJSON()).toEqual({});
          return s.set('user', 'mallory').save();
        });
        // The write lands under a fresh id of the attacker's own, never under the old one.
        expect(result.id).toBe(session.id);
        expect(session.id).not.toBe(old.id);
        await expectGone(sessions, old.id);
      }
      expect(rejects.filter((event) => event.id === old.id).map((event) => event.reason)).toEqual([
        'unknown',
        'unknown',
        'unknown',
      ]);
      expect(await sessionsOfUser(open.storage, marker)).toEqual(keepsData ? [after.id] : []);
      if (keepsData) expect((await browser.load(sessions)).get('user')).toBe(marker);
    });

    it.each(LATE_ACTIONS)(
      'a request still holding the old session that $name cannot bring it back',
      async ({ act, vanishes }) => {
        const sessions = sessionsWith({ saveAccessedTime: true, accessedTimeThrottle: 0 });
        const { browser, session: old, marker } = await loggedIn(sessions);
        const slow = await browser.load(sessions); // loaded before the session ended
        const { session: after } = await browser.request(sessions, end);
        const rejects = rejectsOf(sessions);
        await act(slow);
        const result = await sessions.commit(slow);
        await expectGone(sessions, old.id);
        // Only a regenerated session, under its new id, holds the old data: no copy appeared.
        expect(await sessionsOfUser(open.storage, marker)).toEqual(keepsData ? [after.id] : []);
        expect(result.saved).toBe(false);
        // The late response tells its browser to drop the cookie; it hands out no other.
        expect(result.setCookie).toContain(EXPIRED);
        expect(rejects.map(({ reason, id }) => ({ reason, id }))).toEqual(
          vanishes ? [{ reason: 'vanished', id: old.id }] : [],
        );
      },
    );
  });
});

describe('fixation with cookie-only sessions (nothing stored, so nothing to delete)', () => {
  it('destroy only expires the cookie: a copy kept elsewhere opens until its sealed idle timeout', async () => {
    const clock = new FakeClock();
    const sessions = new SessionManager({ type: 'cookie', secret: SECRET, timeout: 60, now: clock.now });
    const browser = new Browser();
    await browser.request(sessions, (s) => s.set('user', 'ada').save());
    const copy = browser.cookie;
    const { result } = await browser.request(sessions, (s) => s.destroy());
    expect(result.setCookie).toContain(EXPIRED);
    expect(browser.cookie).toBeUndefined();
    clock.advance(59);
    expect((await new Browser(copy).load(sessions)).get('user')).toBe('ada');
    clock.advance(2);
    expect((await new Browser(copy).load(sessions)).isNew).toBe(true);
  });

  it('regenerate seals the data under a fresh id; the old cookie carries the old id only', async () => {
    const sessions = new SessionManager({ type: 'cookie', secret: SECRET });
    const browser = new Browser();
    const { session: old } = await browser.request(sessions, (s) => s.set('user', 'ada').save());
    const { session } = await browser.request(sessions, (s) => s.regenerate());
    expect(session.id).not.toBe(old.id);
    const renewed = await browser.load(sessions);
    expect(renewed.id).toBe(session.id);
    expect(renewed.get('user')).toBe('ada');
  });
});
