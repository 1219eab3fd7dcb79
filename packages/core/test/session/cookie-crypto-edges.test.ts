/**
 * Edges of cookie-only sessions' sealing: the wire format's key ids, values of the wrong shape,
 * truncated authentication tags, key-material messages, the revocation entry and the size limit
 * at exactly 4096 bytes.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  ConfigError,
  CookieTooLargeError,
  createStorage,
  MAX_COOKIE_BYTES,
  type SessionManager as Manager,
  REVOKED_SESSIONS_NAMESPACE,
  SessionManager,
  type SessionOptions,
  VesselError,
} from '@vessel/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Browser, FakeClock, parseSetCookie, rejectsOf, SECRET } from '../../../../test-support/sessions.js';
import { CookieSealer } from '../../src/session/cookie-crypto.js';
import { serializeRecord } from '../../src/storage/encoding/record.js';

const SALT = 'vessel/cookie-session';

/** The AES key and the `v2.<key id>` head that the documented derivation gives for `secret`. */
function derived(secret: string): { key: Buffer; head: string } {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, 'aes-256-gcm', 32));
  const id = Buffer.from(hkdfSync('sha256', key, SALT, 'vessel key id', 6)).toString('base64url');
  return { key, head: `v2.${id}` };
}

/** `plaintext` sealed under `secret`, with the tag cut to `tagBytes` (16 is the whole tag). */
function sealedWithTag(secret: string, plaintext: string, tagBytes: number): string {
  const { key, head } = derived(secret);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(head));
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag().subarray(0, tagBytes),
  ]);
  return `${head}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/** The Cookie header carrying `value` as the session cookie. */
const cookieOf = (value: string) => `vessel.sid=${encodeURIComponent(value)}`;

/** The error `build` throws (undefined when it does not). */
function thrownBy(build: () => unknown): Error | undefined {
  try {
    build();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

describe('cookie-only sessions: the sealed format', () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager({ type: 'cookie', secret: SECRET, now: clock.now, ...options });
  }

  it('names the sealing key by the documented HKDF key id, so cookies survive an upgrade', async () => {
    const { result } = await new Browser().request(sessionsWith(), (s) => s.set('user', 'ada').save());
    const value = parseSetCookie(result.setCookie ?? '').value;
    expect(value.startsWith(`${derived(SECRET).head}.`)).toBe(true);
  });

  it('opens a cookie sealed by hand with the documented derivation', async () => {
    const now = clock.time;
    const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    const record = { id, created: now, accessed: now, expires: null, data: { user: 'ada' } };
    const session = await sessionsWith().load({
      cookie: cookieOf(sealedWithTag(SECRET, serializeRecord({ value: record }), 16)),
    });
    expect(session.id).toBe(id);
    expect(session.get('user')).toBe('ada');
  });

  it('refuses a sealed value with a part added or missing (undecryptable)', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const { result } = await new Browser().request(sessions, (s) => s.set('user', 'ada').save());
    const value = parseSetCookie(result.setCookie ?? '').value;
    const parts = value.split('.');
    for (const forged of [
      `${value}.x`,
      `${value}.`,
      parts.slice(0, 3).join('.'),
      `${parts.slice(0, 3).join('.')}..${parts[3]}`,
    ]) {
      expect((await sessions.load({ cookie: cookieOf(forged) })).isNew, forged).toBe(true);
    }
    expect(rejects.map((event) => event.reason)).toEqual(Array(4).fill('undecryptable'));
  });

  it('refuses a truncated authentication tag, though GCM would check the bytes left', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    // Eight bytes of ciphertext and a four-byte tag: twelve bytes after the iv, short of a whole tag.
    const forged = sealedWithTag(SECRET, '{"a":1}x', 4);
    expect((await sessions.load({ cookie: cookieOf(forged) })).isNew).toBe(true);
    expect(rejects).toEqual([{ reason: 'undecryptable', id: undefined, detail: undefined }]);
  });

  it('opens an authentic value holding only a tag, and calls its empty payload corrupt', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const sealed = new CookieSealer([SECRET]).seal('');
    expect((await sessions.load({ cookie: cookieOf(sealed) })).isNew).toBe(true);
    expect(rejects.map((event) => event.reason)).toEqual(['corrupt']);
  });

  it('says why an authentic payload is not a session: the decoder’s error, or "not a session"', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const sealer = new CookieSealer([SECRET]);
    await sessions.load({ cookie: cookieOf(sealer.seal('not json')) });
    await sessions.load({
      cookie: cookieOf(sealer.seal(serializeRecord({ value: { id: 'x'.repeat(32), data: {} } }))),
    });
    expect(rejects).toHaveLength(2);
    expect(rejects[0]?.reason).toBe('corrupt');
    expect(rejects[0]?.detail).toEqual(expect.any(String));
    expect(rejects[0]?.detail).not.toBe('not a session');
    expect(rejects[1]).toEqual({ reason: 'corrupt', id: undefined, detail: 'not a session' });
  });

  it('needs at least one key to seal with', () => {
    expect(() => new CookieSealer([])).toThrow('cookie sessions need at least one secret');
  });

  it('refuses loading by id with VESSEL_UNSUPPORTED, saying the session lives in the cookie', async () => {
    const error = await sessionsWith()
      .get('AbCdEfGhIjKlMnOpQrStUvWxYz012345')
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(VesselError);
    expect((error as VesselError).code).toBe('VESSEL_UNSUPPORTED');
    expect((error as VesselError).message).toBe('cookie-only sessions live in the cookie; they cannot be loaded by id');
  });
});

describe('cookie-only sessions: key material messages', () => {
  const long = (n: number) => `secret number ${n}, long enough for a cookie key`;

  it('asks for a secret (or encryptKey) when neither is given', () => {
    const error = thrownBy(() => new SessionManager({ type: 'cookie' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      'session.secret: cookie-only sessions need a secret (or session.encryptKey) to encrypt with',
    );
  });

  it('says "the secret given" for a single short secret', () => {
    expect(thrownBy(() => new SessionManager({ type: 'cookie', secret: 'short' }))?.message).toMatch(
      /; the secret given is shorter$/,
    );
  });

  it('names the position of a short secret in a list, in words up to the fifth and by number after', () => {
    const positions = ['first', 'second', 'third', 'fourth', 'fifth'];
    for (let at = 0; at < 7; at++) {
      const secret = Array.from({ length: 7 }, (_, n) => (n === at ? 'short' : long(n)));
      const which = at < 5 ? `the ${positions[at]} secret in the list is` : `secret #${at + 1} in the list is`;
      const error = thrownBy(() => new SessionManager({ type: 'cookie', secret }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message, `short secret at ${at}`).toMatch(new RegExp(`; ${which} shorter$`));
    }
  });
});

describe('cookie-only sessions: the revocation entry', () => {
  const storage = createStorage({ type: 'memory' });

  afterAll(async () => {
    await storage.close();
  });

  it('records when the session was revoked', async () => {
    const clock = new FakeClock();
    const sessions = new SessionManager(
      { type: 'cookie', secret: SECRET, revocationList: true, maxLifetime: '1d', now: clock.now },
      storage,
    );
    const { session } = await new Browser().request(sessions, (s) => s.set('user', 'ada').save());
    clock.advance(5);
    await sessions.revoke(session.id);
    expect(await storage.namespace(REVOKED_SESSIONS_NAMESPACE).get(session.id)).toEqual({ revokedAt: clock.time });
  });
});

describe('cookie-only sessions: the 4096-byte limit', () => {
  /** A manager whose cookie Path is `/` followed by `pad` letters (each adds one byte to Set-Cookie). */
  function sessionsWithPath(clock: FakeClock, pad: number): Manager {
    return new SessionManager({
      type: 'cookie',
      secret: SECRET,
      now: clock.now,
      cookiePath: `/${'p'.repeat(pad)}`,
      generateId: () => 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
    });
  }

  /** The Set-Cookie header of a saved session holding `notes` (throws when it is too large). */
  async function headerFor(sessions: Manager, notes: string): Promise<string> {
    const { result } = await new Browser().request(sessions, (s) => s.set('notes', notes).save());
    return result.setCookie ?? '';
  }

  it('accepts a cookie of exactly 4096 bytes and refuses one byte more', async () => {
    const clock = new FakeClock();
    // Grow the payload until the cookie is within a few bytes of the limit, then pad the Path.
    let length = 2500;
    let size = Buffer.byteLength(await headerFor(sessionsWithPath(clock, 0), 'n'.repeat(length)));
    while (size < MAX_COOKIE_BYTES - 8) {
      length += 3;
      size = Buffer.byteLength(await headerFor(sessionsWithPath(clock, 0), 'n'.repeat(length)));
    }
    expect(size).toBeLessThanOrEqual(MAX_COOKIE_BYTES);
    const pad = MAX_COOKIE_BYTES - size;
    const exact = await headerFor(sessionsWithPath(clock, pad), 'n'.repeat(length));
    expect(Buffer.byteLength(exact)).toBe(MAX_COOKIE_BYTES);
    await expect(headerFor(sessionsWithPath(clock, pad + 1), 'n'.repeat(length))).rejects.toThrow(CookieTooLargeError);
  });
});
