/**
 * Edges of stored sessions' persistence, merge and lifetime: what a save that met another
 * request's write hands back to the application, records of the wrong shape, rotation of the
 * signing secret on a read-only request, saves and regenerates that come too late, contention
 * that never ends, and which limit wins when the options changed under a stored session.
 */
import { createStorage, SessionManager, type SessionOptions, VesselError } from '@vessel/core';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  browserWith,
  FakeClock,
  parseSetCookie,
  rejectsOf,
  SECRET,
  spyOnCalls,
  storedRecord,
  WRITES,
} from '../../../../test-support/sessions.js';

const storage = createStorage({ type: 'memory' });
const OLD = 'the old signing secret, long enough to sign';
const NEW = 'the new signing secret, long enough to sign';

let clock: FakeClock;

beforeEach(() => {
  clock = new FakeClock();
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await storage.close();
});

function sessionsWith(options: SessionOptions = {}): SessionManager {
  return new SessionManager({ secret: SECRET, now: clock.now, ...options }, storage);
}

/** The error `promise` rejects with (undefined when it resolves). */
function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('a save that another request overtook', () => {
  it('hands the application the merged data: the other request’s keys appear in this session', async () => {
    const sessions = sessionsWith();
    const [browser] = await browserWith(sessions, { a: 1 });
    const slow = await browser.load(sessions);
    await browser.request(sessions, (s) => s.set('b', 2).save());
    slow.set('c', 3);
    await slow.save();
    expect(slow.toJSON()).toEqual({ a: 1, b: 2, c: 3 });
    // Nothing is left to save: the merged save counted as this request's save.
    const writes = spyOnCalls(storage.namespace('session'), WRITES);
    await sessions.commit(slow);
    expect(writes).not.toHaveBeenCalled();
  });

  it('keeps a key this request deleted deleted, in memory and in the store', async () => {
    const sessions = sessionsWith();
    const [browser, first] = await browserWith(sessions, { a: 1, b: 2 });
    const slow = await browser.load(sessions);
    await browser.request(sessions, (s) => s.set('c', 3).save());
    slow.delete('a');
    await slow.save();
    expect(slow.has('a')).toBe(false);
    expect(slow.keys()).toEqual(['b', 'c']);
    expect((await storedRecord(storage, first.id))?.data).toEqual({ b: 2, c: 3 });
  });

  it('keeps the very objects the application read when nobody else changed them', async () => {
    const sessions = sessionsWith();
    const [browser] = await browserWith(sessions, { cart: { items: [1] }, user: { name: 'ada' } });
    const slow = await browser.load(sessions);
    const cart = slow.get<{ items: number[] }>('cart');
    await browser.request(sessions, (s) => s.set('other', true).save());
    slow.set('visits', 1);
    await slow.save();
    expect(slow.get('cart')).toBe(cart);
    // Still live: an edit in place after the save is saved by the next one.
    cart?.items.push(2);
    await slow.save();
    expect((await browser.load(sessions)).get('cart')).toEqual({ items: [1, 2] });
  });

  it('takes the newer value of an object it read but another request changed, or deleted', async () => {
    const sessions = sessionsWith();
    const [browser] = await browserWith(sessions, { cart: { items: [1] }, user: { name: 'ada' } });
    const slow = await browser.load(sessions);
    const cart = slow.get('cart');
    const user = slow.get('user');
    await browser.request(sessions, async (s) => {
      s.set('cart', { items: [1, 9] });
      s.delete('user');
      await s.save();
    });
    slow.set('visits', 1);
    await slow.save();
    expect(slow.get('cart')).not.toBe(cart);
    expect(slow.get('cart')).toEqual({ items: [1, 9] });
    expect(slow.has('user')).toBe(false);
    expect(user).toEqual({ name: 'ada' });
    expect(slow.toJSON()).toEqual({ cart: { items: [1, 9] }, visits: 1 });
  });

  it('gives up with VESSEL_SESSION_CONTENDED after 100 attempts when others rewrite the session each time', async () => {
    const sessions = sessionsWith();
    const [browser, first] = await browserWith(sessions, { a: 1 });
    const slow = await browser.load(sessions);
    const namespace = storage.namespace('session');
    const write = namespace.setIfVersion.bind(namespace);
    let rivals = 0;
    // Another request lands a write just before each of this save's compare-and-set attempts.
    vi.spyOn(namespace, 'setIfVersion').mockImplementation(async (...args) => {
      const record = await storedRecord(storage, first.id);
      rivals += 1;
      await namespace.set(first.id, { ...record, data: { ...record?.data, rival: rivals } }, { ttlMs: 60_000 });
      return write(...args);
    });
    slow.set('mine', true);
    const error = await rejectionOf(slow.save());
    expect(error).toBeInstanceOf(VesselError);
    expect((error as VesselError).code).toBe('VESSEL_SESSION_CONTENDED');
    expect((error as VesselError).message).toBe(`session ${first.id} changed under 100 save attempts in a row`);
    expect(rivals).toBe(100);
  });
});

describe('stored records of the wrong shape', () => {
  it.each([
    ['data is null', { data: null }],
    ['data is text', { data: 'user=ada' }],
    ['data is an array', { data: ['ada'] }],
    ['created is missing', { created: undefined }],
    ['expires is text', { expires: 'tomorrow' }],
    ['the timeout is 0', { timeout: 0 }],
    ['the timeout is negative', { timeout: -60 }],
    ['the timeout is a fraction', { timeout: 1.5 }],
    ['the timeout is text', { timeout: '60' }],
  ])('starts a fresh session when %s (corrupt)', async (_, change) => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const [browser, first] = await browserWith(sessions, { user: 'ada' });
    const record = await storedRecord(storage, first.id);
    await storage.namespace('session').set(first.id, { ...record, ...change }, { ttlMs: 60_000 });
    const session = await browser.load(sessions);
    expect(session.isNew).toBe(true);
    expect(rejects).toEqual([{ reason: 'corrupt', id: first.id, detail: 'not a session record' }]);
  });

  it('accepts a record with a whole positive timeout of its own', async () => {
    const sessions = sessionsWith();
    const [browser, first] = await browserWith(sessions, { user: 'ada' });
    const record = await storedRecord(storage, first.id);
    await storage.namespace('session').set(first.id, { ...record, timeout: 1 }, { ttlMs: 60_000 });
    const session = await browser.load(sessions);
    expect(session.get('user')).toBe('ada');
    expect(session.idleTimeout).toBe(1);
  });
});

describe('secret rotation on stored sessions', () => {
  it('re-sends the cookie signed with the new secret on a read-only request', async () => {
    const [browser] = await browserWith(sessionsWith({ secret: OLD }), { user: 'ada' });
    const rotated = sessionsWith({ secret: [NEW, OLD] });
    const { session, result } = await browser.request(rotated, (s) => s.get('user'));
    expect(session.get('user')).toBe('ada');
    expect(result.setCookie).toBeDefined();
    // Only the new secret is needed from now on.
    expect((await browser.load(sessionsWith({ secret: NEW }))).get('user')).toBe('ada');
    expect(parseSetCookie(result.setCookie ?? '').value.startsWith(`s:${session.id}.`)).toBe(true);
  });

  it('sends no cookie on a read-only request whose cookie the first secret signed', async () => {
    const [browser] = await browserWith(sessionsWith({ secret: NEW }), { user: 'ada' });
    const { result } = await browser.request(sessionsWith({ secret: [NEW, OLD] }), (s) => s.get('user'));
    expect(result.setCookie).toBeUndefined();
  });
});

describe('operations on a destroyed session', () => {
  it('refuses save with VESSEL_SESSION_DESTROYED', async () => {
    const sessions = sessionsWith();
    const [browser] = await browserWith(sessions, { user: 'ada' });
    const session = await browser.load(sessions);
    await session.destroy();
    const error = await rejectionOf(session.save());
    expect(error).toBeInstanceOf(VesselError);
    expect((error as VesselError).code).toBe('VESSEL_SESSION_DESTROYED');
    expect((error as VesselError).message).toBe(`session ${session.id} was destroyed in this request`);
  });

  it('refuses regenerate with VESSEL_SESSION_DESTROYED', async () => {
    const sessions = sessionsWith();
    const [browser] = await browserWith(sessions, { user: 'ada' });
    const session = await browser.load(sessions);
    await session.destroy();
    const error = await rejectionOf(session.regenerate());
    expect(error).toBeInstanceOf(VesselError);
    expect((error as VesselError).code).toBe('VESSEL_SESSION_DESTROYED');
    expect((error as VesselError).message).toBe(`session ${session.id} was destroyed in this request`);
  });

  it('refuses setIdleTimeout, naming the session', async () => {
    const sessions = sessionsWith();
    const [browser] = await browserWith(sessions, { user: 'ada' });
    const session = await browser.load(sessions);
    await session.destroy();
    expect(() => session.setIdleTimeout(60)).toThrow(`session ${session.id} was destroyed in this request`);
  });

  it('commits with an expired cookie and no write, even when an access-time write is due', async () => {
    const sessions = sessionsWith({ saveAccessedTime: true, accessedTimeThrottle: 0 });
    const [browser, first] = await browserWith(sessions, { user: 'ada' });
    clock.advance(10);
    const session = await browser.load(sessions);
    await session.destroy();
    const writes = spyOnCalls(storage.namespace('session'), WRITES);
    const { setCookie, saved } = await sessions.commit(session);
    expect(setCookie).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(saved).toBe(false);
    expect(writes).not.toHaveBeenCalled();
    expect(await storedRecord(storage, first.id)).toBeUndefined();
  });
});

describe('sessions never stored', () => {
  it('are destroyed and invalidated without touching the storage', async () => {
    const sessions = sessionsWith();
    const writes = spyOnCalls(storage.namespace('session'), WRITES);
    const destroyed = await sessions.load();
    destroyed.set('user', 'ada');
    await destroyed.destroy();
    const invalidated = await sessions.load();
    invalidated.set('user', 'ada');
    await invalidated.invalidate();
    expect(writes).not.toHaveBeenCalled();
  });
});

describe('saves and regenerates that come too late', () => {
  it('says in the vanished event which operation found the session gone', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const [browser, first] = await browserWith(sessions, { user: 'ada' });
    const slow = await browser.load(sessions);
    await sessions.revoke(first.id);
    slow.set('visits', 1);
    await slow.save();
    expect(slow.isDestroyed).toBe(true);
    expect(rejects).toEqual([
      { reason: 'vanished', id: first.id, detail: 'destroyed or expired by another request before this save' },
    ]);
  });

  it('does not regenerate a session another request destroyed since this one loaded it', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const [browser, first] = await browserWith(sessions, { user: 'ada' });
    const slow = await browser.load(sessions);
    await sessions.revoke(first.id);
    const writes = spyOnCalls(storage.namespace('session'), WRITES);
    await slow.regenerate();
    expect(slow.isDestroyed).toBe(true);
    expect(slow.toJSON()).toEqual({});
    expect(writes).not.toHaveBeenCalled();
    expect(rejects).toEqual([
      { reason: 'vanished', id: first.id, detail: 'destroyed or expired by another request before this regenerate' },
    ]);
  });

  it('removes the new copy when the old session is destroyed between the check and the delete', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const [browser, first] = await browserWith(sessions, { user: 'ada' });
    const slow = await browser.load(sessions);
    const namespace = storage.namespace('session');
    const write = namespace.set.bind(namespace);
    // Another request logs the session out while this one writes the copy under the new id.
    vi.spyOn(namespace, 'set').mockImplementationOnce(async (...args) => {
      await write(...args);
      await sessions.revoke(first.id);
    });
    await slow.regenerate();
    expect(slow.id).not.toBe(first.id);
    expect(await storedRecord(storage, slow.id)).toBeUndefined();
    expect(await storedRecord(storage, first.id)).toBeUndefined();
    expect(slow.isDestroyed).toBe(true);
    expect(rejects.map((event) => [event.reason, event.id])).toEqual([['vanished', first.id]]);
  });
});

describe('which limit ends a stored session', () => {
  it('uses maxLifetime alone when no idle timeout is set: no default idle timeout then', async () => {
    const sessions = sessionsWith({ maxLifetime: '3d' });
    const [browser] = await browserWith(sessions, { user: 'ada' });
    clock.advance(2 * 86_400);
    expect((await browser.load(sessions)).get('user')).toBe('ada');
    clock.advance(86_400);
    expect((await browser.load(sessions)).isNew).toBe(true);
  });

  it('ends a session at the sooner of its stored expiry and the current options’ limits', async () => {
    const [browser] = await browserWith(sessionsWith({ timeout: 3600 }), { user: 'ada' });
    clock.advance(120);
    // The timeout was shortened after the session was stored: the new limit applies at once.
    const stricter = sessionsWith({ timeout: 60 });
    const rejects = rejectsOf(stricter);
    expect((await browser.load(stricter)).isNew).toBe(true);
    expect(rejects.map((event) => event.reason)).toEqual(['expired']);
    // And a longer limit never stretches the stored expiry.
    const [other] = await browserWith(sessionsWith({ timeout: 60 }), { user: 'bob' });
    clock.advance(120);
    expect((await other.load(sessionsWith({ timeout: 3600 }))).isNew).toBe(true);
  });
});
