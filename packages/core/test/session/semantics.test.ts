import { type Session, SessionManager, type SessionOptions, signSessionId } from '@vessel/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type BackendCase, type OpenBackend } from '../../../../test-support/backends.js';
import {
  Browser,
  browserWith,
  EXPIRED,
  FakeClock,
  parseSetCookie,
  rejectsOf,
  SECRET,
  sessionEntry,
  spyOnCalls,
  storedRecord,
  WRITES,
} from '../../../../test-support/sessions.js';

/** Where sessions live: records on a storage backend, or sealed in the cookie itself. */
interface SessionKind {
  readonly name: string;
  /** The backend of stored sessions; absent for cookie-only sessions. */
  readonly backend?: BackendCase;
}

const KINDS: readonly SessionKind[] = [
  ...BACKENDS.map((backend) => ({ name: backend.name, backend })),
  { name: 'cookie-only' },
];

describe.each(KINDS)('session semantics: $name', (kind) => {
  const stored = kind.backend !== undefined;
  let open: OpenBackend | undefined;
  let clock: FakeClock;

  beforeAll(async () => {
    open = await kind.backend?.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  beforeEach(() => {
    // No namespace clear between tests: every test works on ids of its own, and a SCAN-based
    // clear walks the whole keyspace of a shared Redis (slow when a benchmark filled it).
    clock = new FakeClock();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A manager for this kind of session, on the test's clock. */
  function sessionsWith(options: SessionOptions = {}): SessionManager {
    const where: SessionOptions = stored ? {} : { type: 'cookie' };
    return new SessionManager({ secret: SECRET, now: clock.now, ...where, ...options }, open?.storage);
  }

  /** The storage of stored sessions (only called in tests that run for them). */
  function storage() {
    if (!open) throw new Error('this test needs stored sessions');
    return open.storage;
  }

  /** A spy on the session namespace's writes (stored sessions), or `undefined` (cookie-only). */
  function spyOnWrites() {
    return open ? spyOnCalls(open.storage.namespace('session'), WRITES) : undefined;
  }

  describe('round trip', () => {
    it('loads back unicode keys and values, Date, Map, Set, BigInt and nested data', async () => {
      const sessions = sessionsWith();
      const rich = {
        when: new Date('2026-03-01T12:34:56.789Z'),
        tags: new Set(['ä', '日本', '🏷️']),
        prefs: new Map<unknown, unknown>([
          ['theme', 'dark'],
          [7, new Date(0)],
        ]),
        big: 2n ** 70n,
        nested: { list: [1, 'two', { three: null }], empty: {} },
      };
      const [browser, saved] = await browserWith(sessions, { 'ключ-鍵-🔑': 'значение — 値 — 🎉', rich });
      const back = await browser.load(sessions);
      expect(back.id).toBe(saved.id);
      expect(back.isNew).toBe(false);
      expect(back.keys().sort()).toEqual(['rich', 'ключ-鍵-🔑']);
      expect(back.get('ключ-鍵-🔑')).toBe('значение — 値 — 🎉');
      const loaded = back.get<typeof rich>('rich');
      expect(loaded).toEqual(rich);
      expect(loaded?.when).toBeInstanceOf(Date);
      expect(loaded?.tags).toBeInstanceOf(Set);
      expect(loaded?.prefs).toBeInstanceOf(Map);
      expect(loaded?.prefs.get(7)).toEqual(new Date(0));
      expect(loaded?.big).toBe(1180591620717411303424n);
    });

    it('answers undefined for names that only exist on Object.prototype', async () => {
      const session = await sessionsWith().load();
      expect(session.get('constructor')).toBeUndefined();
      expect(session.get('toString')).toBeUndefined();
      expect(session.get('__proto__')).toBeUndefined();
      expect(session.has('constructor')).toBe(false);
    });

    it('stores "__proto__" as an ordinary key, never as the data\'s prototype', async () => {
      const sessions = sessionsWith();
      const browser = new Browser();
      const { session } = await browser.request(sessions, async (s) => {
        s.set('__proto__', { admin: true });
        await s.save();
      });
      expect(session.get('admin')).toBeUndefined();
      const back = await browser.load(sessions);
      expect(back.keys()).toEqual(['__proto__']);
      expect(back.get('__proto__')).toEqual({ admin: true });
      expect(back.get('admin')).toBeUndefined();
    });

    it('refuses a function at set(), before anything is stored', async () => {
      const session = await sessionsWith().load();
      expect(() => session.set('handler', { run: () => 1 })).toThrow(TypeError);
      expect(() => session.set('handler', { run: () => 1 })).toThrow(/function/);
      expect(session.has('handler')).toBe(false);
    });

    it('sends no cookie and stores nothing for a new session nobody wrote to', async () => {
      const sessions = sessionsWith({ auto: true });
      const set = spyOnWrites();
      const { session, result } = await new Browser().request(sessions, (s) => {
        s.get('anything');
        s.has('user');
        s.keys();
      });
      expect(session.isNew).toBe(true);
      expect(result).toEqual({ setCookie: undefined, id: session.id, saved: false });
      if (set) expect(set).not.toHaveBeenCalled();
      if (stored) expect(await storedRecord(storage(), session.id)).toBeUndefined();
    });

    it('reports isNew, created, lastAccessed and expiresAt as the session is saved and read', async () => {
      const sessions = sessionsWith({ timeout: 600, saveAccessedTime: false });
      const t0 = clock.time;
      const browser = new Browser();
      const session = await browser.load(sessions);
      expect(session.isNew).toBe(true);
      expect(session.created).toEqual(new Date(t0));
      expect(session.lastAccessed).toEqual(new Date(t0));
      expect(session.expiresAt).toEqual(new Date(t0 + 600_000));

      clock.advance(5);
      session.set('user', 'ada');
      await session.save();
      expect(session.isNew).toBe(false);
      expect(session.created).toEqual(new Date(t0));
      expect(session.lastAccessed).toEqual(new Date(t0 + 5_000));
      expect(session.expiresAt).toEqual(new Date(t0 + 605_000));
      await browser.finish(sessions, session);

      clock.advance(10);
      const later = await browser.load(sessions);
      expect(later.id).toBe(session.id);
      expect(later.isNew).toBe(false);
      expect(later.created).toEqual(new Date(t0));
      expect(later.lastAccessed).toEqual(new Date(t0 + 5_000));
      expect(later.expiresAt).toEqual(new Date(t0 + 605_000));
    });
  });

  describe('revert, invalidate, regenerate, destroy', () => {
    it('revert drops the changes this request has not saved', async () => {
      const sessions = sessionsWith({ auto: true, saveAccessedTime: false });
      const [browser] = await browserWith(sessions, { name: 'ada', cart: ['apple'] });
      const session = await browser.load(sessions);
      session.set('name', 'grace');
      session.set('extra', 1);
      session.get<string[]>('cart')?.push('pear');
      await session.revert();
      expect(session.toJSON()).toEqual({ name: 'ada', cart: ['apple'] });
      const { result } = await browser.finish(sessions, session);
      expect(result.saved).toBe(false);
      expect((await browser.load(sessions)).toJSON()).toEqual({ name: 'ada', cart: ['apple'] });
    });

    it.runIf(stored)('revert reloads the stored copy, with what other requests saved meanwhile', async () => {
      const sessions = sessionsWith();
      const [browser] = await browserWith(sessions, { name: 'ada' });
      const mine = await browser.load(sessions);
      mine.set('mine', 'unsaved');
      await browser.request(sessions, async (s) => {
        s.set('theirs', 'saved');
        await s.save();
      });
      await mine.revert();
      expect(mine.toJSON()).toEqual({ name: 'ada', theirs: 'saved' });
    });

    it('invalidate continues with a fresh id and no data, and the old cookie no longer loads it', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const [browser, old] = await browserWith(sessions, { user: 'ada' });
      const oldCookie = browser.cookie;
      const { session, result } = await browser.request(sessions, (s) => s.invalidate());
      expect(session.id).not.toBe(old.id);
      expect(session.isNew).toBe(true);
      expect(session.toJSON()).toEqual({});
      expect(result.id).toBe(session.id);
      // Nothing was saved under the new id, so the browser is told to drop the old cookie.
      expect(result.setCookie).toBe(`vessel.sid=; Path=/; ${EXPIRED}; HttpOnly; SameSite=Lax`);
      if (stored) {
        expect(await storedRecord(storage(), old.id)).toBeUndefined();
        expect(await sessions.get(old.id)).toBeNull();
        const replay = await sessions.load({ cookie: oldCookie });
        expect(replay.isNew).toBe(true);
        expect(replay.id).not.toBe(old.id);
        expect(replay.toJSON()).toEqual({});
        expect(rejects).toEqual([{ reason: 'unknown', id: old.id }]);
      }
    });

    it('invalidate then save gives the browser a cookie for the new id', async () => {
      const sessions = sessionsWith();
      const [browser, old] = await browserWith(sessions, { user: 'ada' });
      const { session, result } = await browser.request(sessions, async (s) => {
        await s.invalidate();
        s.set('step', 1);
        await s.save();
      });
      expect(result.id).toBe(session.id);
      expect(session.id).not.toBe(old.id);
      expect(result.setCookie).not.toContain(EXPIRED);
      if (stored) expect(parseSetCookie(result.setCookie ?? '').value).toBe(signSessionId(session.id, SECRET));
      const next = await browser.load(sessions);
      expect(next.id).toBe(session.id);
      expect(next.toJSON()).toEqual({ step: 1 });
      if (stored) {
        expect(await storedRecord(storage(), old.id)).toBeUndefined();
        expect((await storedRecord(storage(), session.id))?.data).toEqual({ step: 1 });
      }
    });

    it('regenerate moves the data to a fresh id, and the old cookie then gives a fresh session', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const [browser, old] = await browserWith(sessions, { cart: ['apple'] });
      const oldCookie = browser.cookie;
      const { session, result } = await browser.request(sessions, async (s) => {
        s.set('user', 'ada');
        await s.regenerate();
      });
      expect(session.id).not.toBe(old.id);
      expect(session.isNew).toBe(false);
      expect(result.id).toBe(session.id);
      expect(result.setCookie).toBeDefined();
      expect(result.setCookie).not.toContain(EXPIRED);
      const next = await browser.load(sessions);
      expect(next.id).toBe(session.id);
      expect(next.toJSON()).toEqual({ cart: ['apple'], user: 'ada' });
      if (stored) {
        expect(parseSetCookie(result.setCookie ?? '').value).toBe(signSessionId(session.id, SECRET));
        expect(await storedRecord(storage(), old.id)).toBeUndefined();
        expect((await storedRecord(storage(), session.id))?.data).toEqual({ cart: ['apple'], user: 'ada' });
        const replay = await sessions.load({ cookie: oldCookie });
        expect(replay.isNew).toBe(true);
        expect(replay.id).not.toBe(old.id);
        expect(replay.toJSON()).toEqual({});
        expect(rejects).toEqual([{ reason: 'unknown', id: old.id }]);
      }
    });

    it('destroy deletes the record and the response expires the cookie', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const [browser, old] = await browserWith(sessions, { user: 'ada' });
      const oldCookie = browser.cookie;
      const { session, result } = await browser.request(sessions, (s) => s.destroy());
      expect(result.setCookie).toBe(`vessel.sid=; Path=/; ${EXPIRED}; HttpOnly; SameSite=Lax`);
      expect(result.saved).toBe(false);
      expect(browser.cookie).toBeUndefined();
      expect(session.toJSON()).toEqual({});
      expect(() => session.set('user', 'mallory')).toThrow(/destroyed/);
      await expect(session.save()).rejects.toThrow(/destroyed/);
      if (stored) {
        expect(await storedRecord(storage(), old.id)).toBeUndefined();
        expect(await sessions.get(old.id)).toBeNull();
        const replay = await sessions.load({ cookie: oldCookie });
        expect(replay.isNew).toBe(true);
        expect(replay.toJSON()).toEqual({});
        expect(rejects).toEqual([{ reason: 'unknown', id: old.id }]);
      }
    });
  });

  describe('lifetimes', () => {
    it('starts a fresh session after the idle timeout', async () => {
      const sessions = sessionsWith({ timeout: 60, saveAccessedTime: false });
      const rejects = rejectsOf(sessions);
      const [browser, old] = await browserWith(sessions, { user: 'ada' });
      clock.advance(59);
      expect((await browser.load(sessions)).get('user')).toBe('ada');
      clock.advance(2);
      const after = await browser.load(sessions);
      expect(after.isNew).toBe(true);
      expect(after.id).not.toBe(old.id);
      expect(after.toJSON()).toEqual({});
      expect(rejects).toEqual([{ reason: 'expired', id: old.id }]);
      if (stored) expect(await sessions.get(old.id)).toBeNull();
    });

    it('restarts the idle timeout with every save', async () => {
      const sessions = sessionsWith({ timeout: 60, saveAccessedTime: false });
      const t0 = clock.time;
      const [browser] = await browserWith(sessions, { visits: 1 });
      clock.advance(50);
      await browser.request(sessions, async (s) => {
        s.set('visits', 2);
        await s.save();
      });
      clock.advance(50);
      const alive = await browser.load(sessions);
      expect(alive.get('visits')).toBe(2);
      expect(alive.expiresAt).toEqual(new Date(t0 + 110_000));
      clock.advance(11);
      expect((await browser.load(sessions)).isNew).toBe(true);
    });

    it('ends a session at maxLifetime however active it is', async () => {
      const sessions = sessionsWith({ timeout: 60, maxLifetime: 150, saveAccessedTime: false });
      const rejects = rejectsOf(sessions);
      const t0 = clock.time;
      const [browser, old] = await browserWith(sessions, { visits: 0 });
      expect(old.expiresAt).toEqual(new Date(t0 + 60_000));
      for (const visits of [1, 2]) {
        clock.advance(50);
        const { session } = await browser.request(sessions, async (s) => {
          s.set('visits', visits);
          await s.save();
        });
        expect(session.expiresAt).toEqual(new Date(t0 + Math.min(50_000 * visits + 60_000, 150_000)));
      }
      clock.advance(40); // t0 + 140 s
      const late = await browser.load(sessions);
      expect(late.get('visits')).toBe(2);
      expect(late.expiresAt).toEqual(new Date(t0 + 150_000));
      clock.advance(11); // t0 + 151 s
      expect((await browser.load(sessions)).isNew).toBe(true);
      expect(rejects).toEqual([{ reason: 'expired', id: old.id }]);
    });

    it('gives a session a lifetime even when no limit is configured (one day idle)', async () => {
      const session = await sessionsWith().load();
      expect(session.expiresAt).toEqual(new Date(clock.time + 86_400_000));
    });

    describe.runIf(stored)('storage expiry', () => {
      /** How far the backend's expiry may drift from the session's: Redis keeps a TTL on its own clock. */
      const toleranceMs = kind.backend?.type === 'redis' ? 50 : 20;

      async function expectStoredExpiry(session: Session): Promise<void> {
        const entry = await sessionEntry(storage(), session.id);
        const expiresAt = session.expiresAt?.getTime();
        expect(expiresAt).toBeTypeOf('number');
        expect(entry?.value).toMatchObject({ expires: expiresAt });
        expect(entry?.expiresAt).toBeTypeOf('number');
        // The backend counts the TTL from the real time of the write, which came at most the real
        // time since the clock was last synced after it (that gap grows on a loaded machine).
        const drift = (entry?.expiresAt ?? 0) - (expiresAt ?? 0);
        expect(drift).toBeGreaterThanOrEqual(-toleranceMs);
        expect(drift).toBeLessThanOrEqual(Math.max(0, Date.now() - clock.time) + toleranceMs);
      }

      it('stores the record with the session expiry, and moves it with every save', async () => {
        const sessions = sessionsWith({ timeout: 3600 });
        const [browser, first] = await browserWith(sessions, { n: 1 });
        expect(first.expiresAt).toEqual(new Date(clock.time + 3_600_000));
        await expectStoredExpiry(first);
        await new Promise((resolve) => setTimeout(resolve, 30));
        clock.sync();
        const { session } = await browser.request(sessions, async (s) => {
          s.set('n', 2);
          await s.save();
        });
        expect(session.expiresAt).toEqual(new Date(clock.time + 3_600_000));
        expect(session.expiresAt?.getTime()).toBeGreaterThanOrEqual((first.expiresAt?.getTime() ?? 0) + 30);
        await expectStoredExpiry(session);
      });

      it('caps the record expiry at maxLifetime, later saves included', async () => {
        const sessions = sessionsWith({ timeout: 3600, maxLifetime: 600 });
        const [browser, first] = await browserWith(sessions, { n: 1 });
        const end = new Date(first.created.getTime() + 600_000);
        expect(first.expiresAt).toEqual(end);
        await expectStoredExpiry(first);
        await new Promise((resolve) => setTimeout(resolve, 30));
        clock.sync();
        const { session } = await browser.request(sessions, async (s) => {
          s.set('n', 2);
          await s.save();
        });
        expect(session.expiresAt).toEqual(end);
        await expectStoredExpiry(session);
      });

      it('keeps the record expiry in step through access-time writes and regenerate', async () => {
        const sessions = sessionsWith({ timeout: 900, saveAccessedTime: true, accessedTimeThrottle: 0 });
        const [browser] = await browserWith(sessions, { n: 1 });
        await new Promise((resolve) => setTimeout(resolve, 30));
        clock.sync();
        const read = await browser.request(sessions, (s) => s.get('n'));
        expect(read.result.saved).toBe(true);
        expect(read.session.expiresAt).toEqual(new Date(clock.time + 900_000));
        await expectStoredExpiry(read.session);
        clock.sync();
        const { session } = await browser.request(sessions, (s) => s.regenerate());
        expect(session.expiresAt).toEqual(new Date(clock.time + 900_000));
        await expectStoredExpiry(session);
      });

      it('never stores a session without an expiry, even with no limit configured', async () => {
        const [, session] = await browserWith(sessionsWith(), { n: 1 });
        expect(session.expiresAt).toEqual(new Date(clock.time + 86_400_000));
        await expectStoredExpiry(session);
      });
    });
  });

  describe('auto and explicit saves', () => {
    it('with auto, saves a change at commit without save()', async () => {
      const sessions = sessionsWith({ auto: true });
      const browser = new Browser();
      const first = await browser.request(sessions, (s) => s.set('user', 'ada'));
      expect(first.result.saved).toBe(true);
      expect(first.result.setCookie).toBeDefined();
      expect(first.session.isNew).toBe(false);
      const second = await browser.request(sessions, (s) => s.set('visits', 2));
      expect(second.result.saved).toBe(true);
      expect(second.session.id).toBe(first.session.id);
      expect((await browser.load(sessions)).toJSON()).toEqual({ user: 'ada', visits: 2 });
      if (stored) expect((await storedRecord(storage(), first.session.id))?.data).toEqual({ user: 'ada', visits: 2 });
    });

    it('without auto, persists nothing unless save() is called', async () => {
      const sessions = sessionsWith({ saveAccessedTime: false });
      const browser = new Browser();
      const set = spyOnWrites();
      const fresh = await browser.request(sessions, (s) => s.set('user', 'ada'));
      expect(fresh.result).toEqual({ setCookie: undefined, id: fresh.session.id, saved: false });
      if (set) expect(set).not.toHaveBeenCalled();
      set?.mockRestore();

      await browser.request(sessions, async (s) => {
        s.set('user', 'ada');
        await s.save();
      });
      const unsaved = await browser.request(sessions, (s) => {
        s.set('user', 'grace');
        s.set('extra', 1);
      });
      expect(unsaved.result.saved).toBe(false);
      expect((await browser.load(sessions)).toJSON()).toEqual({ user: 'ada' });
    });

    it('without auto, an access-time write does not persist unsaved changes', async () => {
      const sessions = sessionsWith({ saveAccessedTime: true, accessedTimeThrottle: 60, timeout: 3600 });
      const t0 = clock.time;
      const [browser] = await browserWith(sessions, { user: 'ada' });
      clock.advance(61);
      await browser.request(sessions, (s) => s.set('user', 'mallory'));
      const next = await browser.load(sessions);
      expect(next.lastAccessed).toEqual(new Date(t0 + 61_000)); // the access time was due and stored…
      expect(next.get('user')).toBe('ada'); // …but not the change nobody saved
    });

    it('saves objects changed in place through get()', async () => {
      const sessions = sessionsWith();
      const [browser] = await browserWith(sessions, {
        cart: ['apple'],
        profile: { name: 'ada', tags: new Set(['x']) },
      });
      await browser.request(sessions, async (s) => {
        s.get<string[]>('cart')?.push('pear');
        s.get<{ tags: Set<string> }>('profile')?.tags.add('y');
        await s.save();
      });
      expect((await browser.load(sessions)).toJSON()).toEqual({
        cart: ['apple', 'pear'],
        profile: { name: 'ada', tags: new Set(['x', 'y']) },
      });
    });

    it('with auto, saves an in-place change at commit', async () => {
      const sessions = sessionsWith({ auto: true });
      const [browser] = await browserWith(sessions, { cart: ['apple'] });
      const { result } = await browser.request(sessions, (s) => s.get<string[]>('cart')?.push('pear'));
      expect(result.saved).toBe(true);
      expect((await browser.load(sessions)).get('cart')).toEqual(['apple', 'pear']);
    });

    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    /** `array` with a hole at `index`. */
    const withHole = (array: unknown[], index: number) => {
      Reflect.deleteProperty(array, index);
      return array;
    };
    /** A value of every kind the codec keeps, as stored before each in-place edit below. */
    const everyKind = () => ({
      nested: { a: 1, b: { c: [1, 2, 3] } },
      list: [1, 'two', { three: 3 }],
      holey: withHole([1, 0, 3], 1),
      when: new Date(1_700_000_000_000),
      odd: { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, big: 10n, gone: undefined },
      map: new Map<string, unknown>([['k', { v: 1 }]]),
      set: new Set([1, 2]),
      bytes: Buffer.from([1, 2, 3]),
      bare: Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 }),
      point: new Point(1, 2),
    });
    type EveryKind = ReturnType<typeof everyKind>;
    const edits: Record<string, (value: EveryKind) => void> = {
      'a nested key added': (v) => Object.assign(v.nested.b, { d: 4 }),
      'a nested key deleted': (v) => Reflect.deleteProperty(v.nested, 'a'),
      'a number made a string': (v) => Object.assign(v.nested, { a: '1' }),
      'the same keys in another order': (v) => {
        const { a } = v.nested;
        Reflect.deleteProperty(v.nested, 'a');
        Object.assign(v.nested, { a });
      },
      'an array element set': (v) => {
        v.list[1] = 2;
      },
      'a hole filled with undefined': (v) => {
        v.holey[1] = undefined;
      },
      'an array grown by a hole': (v) => {
        v.list.length = 4;
      },
      'a Date moved': (v) => v.when.setTime(v.when.getTime() + 1),
      'NaN made null': (v) => Object.assign(v.odd, { nan: null }),
      'a BigInt changed': (v) => Object.assign(v.odd, { big: 11n }),
      'an undefined member given a value': (v) => Object.assign(v.odd, { gone: 0 }),
      'a Map entry edited in place': (v) => Object.assign(v.map.get('k') as object, { v: 2 }),
      'a Set grown': (v) => v.set.add(3),
      'a byte of a Buffer changed': (v) => {
        v.bytes[0] = 9;
      },
      'a null-prototype object edited': (v) => Object.assign(v.bare, { a: 2 }),
      'a class instance edited': (v) => {
        v.point.y = 3;
      },
    };
    for (const [edit, apply] of Object.entries(edits)) {
      it(`with auto, saves an in-place edit at commit: ${edit}`, async () => {
        const sessions = sessionsWith({ auto: true, saveAccessedTime: false });
        const [browser] = await browserWith(sessions, { value: everyKind() });
        const expected = everyKind();
        apply(expected);
        const { result } = await browser.request(sessions, (s) => apply(s.get<EveryKind>('value') as EveryKind));
        expect(result.saved).toBe(true);
        // Objects other than Date, Map, Set and Buffer come back as plain objects of their
        // properties, and holes as null (codec.test.ts: the stored form of a hole).
        const filled = (array: unknown[]) => Array.from(array, (item, index) => (index in array ? item : null));
        const asStored = {
          ...expected,
          list: filled(expected.list),
          holey: filled(expected.holey),
          bare: { ...expected.bare },
          point: { ...expected.point },
        };
        expect((await browser.load(sessions)).get('value')).toStrictEqual(asStored);
      });
    }

    it('writes nothing for a request that reads values of every kind and changes none', async () => {
      const sessions = sessionsWith({ auto: true, saveAccessedTime: false });
      const [browser] = await browserWith(sessions, { value: everyKind(), other: [{ deep: { er: [new Date(0)] } }] });
      const { result } = await browser.request(sessions, (s) => {
        s.get('value');
        s.get('other');
      });
      expect(result.saved).toBe(false);
    });

    it('saves an in-place change made after an earlier save of the same request', async () => {
      const sessions = sessionsWith();
      const [browser] = await browserWith(sessions, { cart: ['apple'] });
      const { session } = await browser.request(sessions, async (s) => {
        const cart = s.get<string[]>('cart') ?? [];
        cart.push('pear');
        await s.save();
        cart.push('plum');
        await s.save();
      });
      expect(session.get('cart')).toEqual(['apple', 'pear', 'plum']);
      expect((await browser.load(sessions)).get('cart')).toEqual(['apple', 'pear', 'plum']);
    });

    it('writes nothing and sends no cookie for a request that only reads', async () => {
      const sessions = sessionsWith({ auto: true, saveAccessedTime: false });
      const [browser, saved] = await browserWith(sessions, {
        cart: ['apple'],
        profile: { since: new Date(0), prefs: new Map([['theme', 'dark']]) },
      });
      const set = spyOnWrites();
      const { result } = await browser.request(sessions, (s) => {
        s.get('cart');
        s.get('profile');
        s.entries();
      });
      expect(result).toEqual({ setCookie: undefined, id: saved.id, saved: false });
      if (set) expect(set).not.toHaveBeenCalled();
    });
  });

  describe('access time', () => {
    it.runIf(stored)(
      'writes the access time of read-only requests at most once per throttle, extending the idle expiry',
      async () => {
        const sessions = sessionsWith({ timeout: 600, saveAccessedTime: true, accessedTimeThrottle: 60 });
        const t0 = clock.time;
        const [browser, saved] = await browserWith(sessions, { user: 'ada' });
        const set = spyOnCalls(storage().namespace('session'), WRITES);

        clock.advance(30);
        const early = await browser.request(sessions, (s) => s.get('user'));
        expect(early.result.saved).toBe(false);
        expect(set).not.toHaveBeenCalled();
        expect((await storedRecord(storage(), saved.id))?.accessed).toBe(t0);

        clock.advance(31); // t0 + 61 s: the throttle has passed
        const due = await browser.request(sessions, (s) => s.get('user'));
        expect(due.result.saved).toBe(true);
        expect(set).toHaveBeenCalledTimes(1);
        expect(due.session.lastAccessed).toEqual(new Date(t0 + 61_000));
        expect(due.session.expiresAt).toEqual(new Date(t0 + 661_000));
        expect((await storedRecord(storage(), saved.id))?.accessed).toBe(t0 + 61_000);

        clock.advance(30); // t0 + 91 s: within the throttle of the last write
        await browser.request(sessions, (s) => s.get('user'));
        expect(set).toHaveBeenCalledTimes(1);

        clock.advance(569); // t0 + 660 s: past the idle timeout of the first save, not of the access
        const alive = await browser.load(sessions);
        expect(alive.get('user')).toBe('ada');
        expect((await sessions.get(saved.id))?.lastAccessed).toEqual(new Date(t0 + 61_000));
      },
    );

    it('without saveAccessedTime, read-only requests never write and the idle timeout counts from the last save', async () => {
      const sessions = sessionsWith({ timeout: 120, saveAccessedTime: false });
      const [browser] = await browserWith(sessions, { user: 'ada' });
      const set = spyOnWrites();
      clock.advance(100);
      const read = await browser.request(sessions, (s) => s.get('user'));
      expect(read.result).toMatchObject({ saved: false, setCookie: undefined });
      if (set) expect(set).not.toHaveBeenCalled();
      clock.advance(21);
      expect((await browser.load(sessions)).isNew).toBe(true);
    });
  });

  describe.runIf(stored)('parallel requests', () => {
    it('keeps every key that 50 parallel requests set on one session', async () => {
      const sessions = sessionsWith();
      const [browser, saved] = await browserWith(sessions, { base: true });
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          new Browser(browser.cookie).request(sessions, async (s) => {
            s.set(`k${i}`, i);
            await s.save();
          }),
        ),
      );
      const expected = Object.fromEntries([['base', true], ...Array.from({ length: 50 }, (_, i) => [`k${i}`, i])]);
      const back = await browser.load(sessions);
      expect(back.id).toBe(saved.id);
      expect(back.toJSON()).toEqual(expected);
      expect((await storedRecord(storage(), saved.id))?.data).toEqual(expected);
    });

    // A delete and a set in one save order each; interleavings.test.ts holds one save's write
    // while the other lands, so no test depends on which request wins a race.
    it.each([
      ['the delete saves first', true],
      ['the set saves first', false],
    ])('keeps a delete of one key and a set of another when %s', async (_order, deleteFirst) => {
      const sessions = sessionsWith();
      const [browser, saved] = await browserWith(sessions, { a: 1, b: 2 });
      const deleting = await browser.load(sessions);
      const setting = await browser.load(sessions);
      deleting.delete('a');
      setting.set('c', 3);
      const [first, second] = deleteFirst ? [deleting, setting] : [setting, deleting];
      await first.save();
      await second.save();
      expect((await browser.load(sessions)).toJSON()).toEqual({ b: 2, c: 3 });
      expect((await storedRecord(storage(), saved.id))?.data).toEqual({ b: 2, c: 3 });
    });
  });

  describe.runIf(stored)('saves that come too late', () => {
    it('does not bring back a session another request destroyed', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const [browser, saved] = await browserWith(sessions, { user: 'ada' });
      const slow = await browser.load(sessions);
      await browser.request(sessions, (s) => s.destroy());
      slow.set('cart', ['apple']);
      await slow.save();
      expect(await storedRecord(storage(), saved.id)).toBeUndefined();
      expect(rejects.map(({ reason, id }) => ({ reason, id }))).toEqual([{ reason: 'vanished', id: saved.id }]);
      expect(slow.isDestroyed).toBe(true);
      const { setCookie } = await sessions.commit(slow);
      expect(setCookie).toContain(EXPIRED);
    });

    it('does not bring back the old id of a regenerated session', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const [browser, saved] = await browserWith(sessions, { user: 'ada' });
      const slow = await browser.load(sessions);
      const { session: renewed } = await browser.request(sessions, (s) => s.regenerate());
      slow.set('cart', ['apple']);
      await slow.save();
      expect(await storedRecord(storage(), saved.id)).toBeUndefined();
      expect((await storedRecord(storage(), renewed.id))?.data).toEqual({ user: 'ada' });
      expect((await browser.load(sessions)).toJSON()).toEqual({ user: 'ada' });
      expect(rejects.map(({ reason, id }) => ({ reason, id }))).toEqual([{ reason: 'vanished', id: saved.id }]);
    });

    it('does not bring back a session that expired while the request ran', async () => {
      const sessions = sessionsWith({ timeout: 60, saveAccessedTime: false });
      const rejects = rejectsOf(sessions);
      const [browser, saved] = await browserWith(sessions, { user: 'ada' });
      clock.advance(50);
      const slow = await browser.load(sessions);
      clock.advance(11); // the session's idle timeout passes during the request
      slow.set('cart', ['apple']);
      await slow.save();
      expect(await sessions.get(saved.id)).toBeNull();
      expect(rejects.map(({ reason, id }) => ({ reason, id }))).toEqual([{ reason: 'vanished', id: saved.id }]);
    });
  });
});
