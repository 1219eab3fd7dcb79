import {
  ConfigError,
  CookieTooLargeError,
  MAX_COOKIE_BYTES,
  type Session,
  SessionManager,
  type SessionOptions,
  VesselError,
} from '@vessel/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { Browser, FakeClock, parseSetCookie, rejectsOf, SECRET } from '../../../../test-support/sessions.js';
import { CookieSealer } from '../../src/session/cookie-crypto.js';
import { serializeRecord } from '../../src/storage/encoding/record.js';

const OLD = 'the old secret, thirty-two bytes or more';
const NEW = 'the new secret, thirty-two bytes or more';

/** The parts of a sealed value: `v2.<key id>.<iv>.<ciphertext+tag>`. */
function sealedParts(value: string): string[] {
  const parts = value.split('.');
  expect(parts).toHaveLength(4);
  expect(parts[0]).toBe('v2');
  return parts;
}

describe('cookie-only sessions', () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager({ type: 'cookie', secret: SECRET, now: clock.now, ...options });
  }

  /** A browser holding a cookie-only session with `data`, and that cookie's (decoded) value. */
  async function sealed(sessions: SessionManager, data: Record<string, unknown>): Promise<[Browser, string, Session]> {
    const browser = new Browser();
    const { session, result } = await browser.request(sessions, async (s) => {
      for (const [key, value] of Object.entries(data)) s.set(key, value);
      await s.save();
    });
    return [browser, parseSetCookie(result.setCookie ?? '').value, session];
  }

  it('needs no storage, but a secret', () => {
    expect(() => new SessionManager({ type: 'cookie' })).toThrow(ConfigError);
    expect(() => new SessionManager({ type: 'cookie' })).toThrow(/session\.secret/);
    expect(sessionsWith()).toBeInstanceOf(SessionManager);
  });

  it('keeps the data out of sight: the cookie does not contain it in clear', async () => {
    const [, value] = await sealed(sessionsWith(), { email: 'ada@example.com' });
    expect(value).not.toContain('ada');
    expect(Buffer.from(sealedParts(value)[3] ?? '', 'base64url').toString('latin1')).not.toContain('ada');
  });

  describe('tampering', () => {
    it('gives a fresh session for a flipped bit anywhere in the sealed bytes', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const [, value] = await sealed(sessions, { user: 'ada', role: 'user' });
      const parts = sealedParts(value);
      let flips = 0;
      for (const segment of [1, 2, 3]) {
        const bytes = Buffer.from(parts[segment] ?? '', 'base64url');
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const flipped = Buffer.from(bytes);
          flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
          const forged = parts.map((part, i) => (i === segment ? flipped.toString('base64url') : part)).join('.');
          const session = await sessions.load({ cookie: `vessel.sid=${encodeURIComponent(forged)}` });
          expect(session.isNew, `segment ${segment}, bit ${bit}`).toBe(true);
          flips++;
        }
      }
      expect(rejects).toHaveLength(flips);
      expect(new Set(rejects.map((event) => event.reason))).toEqual(new Set(['undecryptable']));
    });

    it('gives a fresh session for any changed, missing or added character of the cookie', async () => {
      const sessions = sessionsWith();
      const accepted: string[] = [];
      // Three payload lengths, so the ciphertext's base64url ends on each of its three shapes.
      for (const user of ['ada', 'adam', 'adams']) {
        const [, value] = await sealed(sessions, { user });
        const tryForgery = async (forged: string, what: string) => {
          if (forged === value) return;
          const session = await sessions.load({ cookie: `vessel.sid=${encodeURIComponent(forged)}` });
          if (!session.isNew) accepted.push(`${user}: ${what}`);
        };
        for (let at = 0; at < value.length; at++) {
          const code = value.charCodeAt(at);
          for (const mask of [1, 2, 4, 8, 16, 32]) {
            const forged = value.slice(0, at) + String.fromCharCode(code ^ mask) + value.slice(at + 1);
            await tryForgery(forged, `char ${at}/${value.length} ^ ${mask}`);
          }
          await tryForgery(value.slice(0, at) + value.slice(at + 1), `char ${at}/${value.length} removed`);
        }
        await tryForgery(`${value}A`, 'char appended');
      }
      expect(accepted).toEqual([]);
    });

    it('gives a fresh session for a signed stored-session cookie or plain junk (undecryptable)', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      for (const value of [
        's:abc.def',
        'v1',
        'v1...',
        'v2.a.b.c',
        `v1.${'A'.repeat(8)}.${'A'.repeat(16)}.${'A'.repeat(40)}`,
      ]) {
        expect((await sessions.load({ cookie: `vessel.sid=${encodeURIComponent(value)}` })).isNew).toBe(true);
      }
      expect(rejects.map((event) => event.reason)).toEqual(Array(5).fill('undecryptable'));
    });

    it('gives a fresh session for an authentic payload that is not a session (corrupt)', async () => {
      const sessions = sessionsWith();
      const rejects = rejectsOf(sessions);
      const sealer = new CookieSealer([SECRET]);
      for (const plaintext of [
        'not json',
        serializeRecord({ value: 42 }),
        serializeRecord({ value: { created: 1, accessed: 1, expires: null, data: {} } }), // no id
        serializeRecord({ value: { id: 'x'.repeat(32), created: 'yesterday', accessed: 1, expires: null, data: {} } }),
      ]) {
        expect(
          (await sessions.load({ cookie: `vessel.sid=${encodeURIComponent(sealer.seal(plaintext))}` })).isNew,
        ).toBe(true);
      }
      expect(rejects.map((event) => event.reason)).toEqual(Array(4).fill('corrupt'));
    });
  });

  describe('key rotation', () => {
    it('opens cookies sealed under an older secret and seals new ones under the first', async () => {
      const [browser, oldValue, old] = await sealed(sessionsWith({ secret: OLD }), { user: 'ada' });
      const rotated = sessionsWith({ secret: [NEW, OLD] });
      const session = await browser.load(rotated);
      expect(session.id).toBe(old.id);
      expect(session.get('user')).toBe('ada');

      session.set('visits', 2);
      await session.save();
      const { result } = await browser.finish(rotated, session);
      const newValue = parseSetCookie(result.setCookie ?? '').value;
      const [, newKeyId] = sealedParts(newValue);
      const [, oldKeyId] = sealedParts(oldValue);
      expect(newKeyId).not.toBe(oldKeyId);
      const [, probe] = await sealed(sessionsWith({ secret: NEW }), { probe: true });
      expect(newKeyId).toBe(sealedParts(probe)[1]);
      // A manager that knows only the new secret opens the re-sealed cookie, not the old one.
      const newOnly = sessionsWith({ secret: NEW });
      expect((await newOnly.load({ cookie: browser.cookie })).toJSON()).toEqual({ user: 'ada', visits: 2 });
      const rejects = rejectsOf(newOnly);
      expect((await newOnly.load({ cookie: `vessel.sid=${encodeURIComponent(oldValue)}` })).isNew).toBe(true);
      expect(rejects.map((event) => event.reason)).toEqual(['undecryptable']);
    });

    it('derives key ids from the secret without revealing it', async () => {
      const [, value] = await sealed(sessionsWith({ secret: 'my-very-secret-key, thirty-two bytes long' }), { n: 1 });
      const [, keyId = ''] = sealedParts(value);
      expect(keyId).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(Buffer.from(keyId, 'base64url').toString('latin1')).not.toContain('my-');
      const [, again] = await sealed(sessionsWith({ secret: 'my-very-secret-key, thirty-two bytes long' }), { n: 2 });
      expect(sealedParts(again)[1]).toBe(keyId);
    });
  });

  describe('size limit', () => {
    it('throws CookieTooLargeError at save, naming the size, when the cookie would pass 4096 bytes', async () => {
      const session = await sessionsWith().load();
      session.set('cart', 'x'.repeat(5000));
      const error = await session.save().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(CookieTooLargeError);
      const { size, message } = error as CookieTooLargeError;
      expect(size).toBeGreaterThan(MAX_COOKIE_BYTES);
      expect(size).toBeLessThan(8000);
      expect(message).toContain(`${size} bytes`);
      expect(message).toContain('4096');
    });

    it('saves a session just under the limit', async () => {
      const sessions = sessionsWith();
      const browser = new Browser();
      const { result } = await browser.request(sessions, async (s) => {
        s.set('notes', 'y'.repeat(2500));
        await s.save();
      });
      expect(Buffer.byteLength(result.setCookie ?? '')).toBeLessThanOrEqual(MAX_COOKIE_BYTES);
      expect((await browser.load(sessions)).get('notes')).toBe('y'.repeat(2500));
    });

    it('sends no oversized cookie after a save was refused for its size', async () => {
      const sessions = sessionsWith();
      const [browser] = await sealed(sessions, { user: 'ada' });
      const session = await browser.load(sessions);
      session.set('cart', 'x'.repeat(5000));
      await expect(session.save()).rejects.toThrow(CookieTooLargeError);
      const outcome = await sessions.commit(session).then(
        (result) => result.setCookie ?? '',
        (error: unknown) => error,
      );
      if (typeof outcome === 'string') expect(Buffer.byteLength(outcome)).toBeLessThanOrEqual(MAX_COOKIE_BYTES);
      else expect(outcome).toBeInstanceOf(CookieTooLargeError);
    });
  });

  describe('times sealed in the cookie', () => {
    it('re-seals the access time once the throttle has passed, sliding the idle timeout', async () => {
      const sessions = sessionsWith({ timeout: 600, saveAccessedTime: true, accessedTimeThrottle: 60 });
      const t0 = clock.time;
      const [browser] = await sealed(sessions, { user: 'ada' });
      clock.advance(30);
      expect((await browser.request(sessions, (s) => s.get('user'))).result.setCookie).toBeUndefined();
      clock.advance(31);
      const due = await browser.request(sessions, (s) => s.get('user'));
      expect(due.result.saved).toBe(true);
      expect(due.result.setCookie).toBeDefined();
      clock.advance(599); // t0 + 660 s: past the first idle timeout, within the re-sealed one
      const alive = await browser.load(sessions);
      expect(alive.get('user')).toBe('ada');
      expect(alive.created).toEqual(new Date(t0));
      expect(alive.lastAccessed).toEqual(new Date(t0 + 61_000));
    });

    it('refuses a replayed cookie after its sealed idle timeout (expired)', async () => {
      const sessions = sessionsWith({ timeout: 60, saveAccessedTime: false });
      const rejects = rejectsOf(sessions);
      const [browser, , saved] = await sealed(sessions, { user: 'ada' });
      const copy = browser.cookie;
      clock.advance(61);
      const session = await sessions.load({ cookie: copy });
      expect(session.isNew).toBe(true);
      expect(rejects).toEqual([{ reason: 'expired', id: saved.id }]);
    });

    it('cannot be loaded by id: the session lives only in the cookie', async () => {
      const [, , saved] = await sealed(sessionsWith(), { user: 'ada' });
      await expect(sessionsWith().get(saved.id)).rejects.toThrow(VesselError);
    });
  });
});
