/**
 * Attacks on cookie-only sessions' keys: recovering a weak secret offline from one cookie (its
 * key id was an unstretched fingerprint of the secret), and what upgrading does to old cookies.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError, MIN_COOKIE_KEY_BYTES, SessionManager, type SessionOptions } from '@vessel/core';
import { describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, SECRET } from '../../../../test-support/sessions.js';
import { serializeRecord } from '../../src/storage/encoding/record.js';

/** Secrets an attacker tries first: tutorials' placeholders and the usual suspects. */
const DICTIONARY = ['secret', 'keyboard cat', 'changeme', 'dev-secret-change-me', 'i_wear_two_layers_of_socks', SECRET];

/** The key id versions before this fix put in every cookie: HKDF of the secret, unstretched. */
function legacyFingerprint(secret: string): string {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret), 'vessel/cookie-session', 'key-id', 6)).toString(
    'base64url',
  );
}

/** The secret whose fingerprint matches the cookie's key id: what one cookie gave away. */
function recoverOffline(cookieValue: string): string | undefined {
  const keyId = cookieValue.split('.')[1];
  return DICTIONARY.find((guess) => legacyFingerprint(guess) === keyId);
}

describe('cookie-only sessions: key material', () => {
  it(`refuses secrets under ${32} bytes, naming the option and never the value`, () => {
    expect(MIN_COOKIE_KEY_BYTES).toBe(32);
    const attempts: [SessionOptions, RegExp][] = [
      [{ secret: 'keyboard cat' }, /^session\.secret: .*32 bytes/],
      [{ secret: 'x'.repeat(31) }, /^session\.secret: /],
      // An old secret still opens cookies: a short one anywhere in the list is as weak.
      [{ secret: [SECRET, 'old and short'] }, /^session\.secret: .*second/],
      [{ encryptKey: 'short', secret: SECRET }, /^session\.encryptKey: .*32 bytes/],
    ];
    for (const [options, message] of attempts) {
      let error: unknown;
      try {
        new SessionManager({ type: 'cookie', ...options });
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/keyboard|old and short|xxxx|short'/);
    }
    // 32 bytes counted as UTF-8: 16 two-byte characters are enough.
    expect(new SessionManager({ type: 'cookie', secret: 'é'.repeat(16) })).toBeInstanceOf(SessionManager);
    expect(new SessionManager({ type: 'cookie', encryptKey: 'k'.repeat(32) })).toBeInstanceOf(SessionManager);
  });

  it('gives an offline guesser nothing: a short secret never seals, and key ids are not the secret’s fingerprint', async () => {
    // The attack: one cookie, a dictionary, and the published key-id derivation.
    let weakCookie: string | undefined;
    try {
      const weak = new SessionManager({ type: 'cookie', secret: 'keyboard cat' });
      const { result } = await new Browser().request(weak, (s) => s.set('user', 'ada').save());
      weakCookie = parseSetCookie(result.setCookie ?? '').value;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
    }
    expect(weakCookie === undefined ? undefined : recoverOffline(weakCookie)).toBeUndefined();

    // Even a long secret that happens to be in the dictionary is not found from its key id.
    const sessions = new SessionManager({ type: 'cookie', secret: SECRET });
    const { result } = await new Browser().request(sessions, (s) => s.set('user', 'ada').save());
    const value = parseSetCookie(result.setCookie ?? '').value;
    expect(value.split('.')[1]).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(recoverOffline(value)).toBeUndefined();
  });
});

/** A cookie as versions before 2 sealed it: `v1.<fingerprint of the secret>.<iv>.<body>`. */
function sealedAsV1(secret: string, value: unknown): string {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), 'vessel/cookie-session', 'aes-256-gcm', 32));
  const head = `v1.${legacyFingerprint(secret)}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(head));
  const body = Buffer.concat([cipher.update(serializeRecord({ value }), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${head}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

describe('cookie-only sessions: cookies sealed before the key-id change', () => {
  it('opens a v1 cookie under a long enough secret and re-seals it as v2', async () => {
    const now = Date.now();
    const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    const v1 = sealedAsV1(SECRET, { id, created: now, accessed: now, expires: null, data: { user: 'ada' } });
    const browser = new Browser(`vessel.sid=${encodeURIComponent(v1)}`);
    const sessions = new SessionManager({ type: 'cookie', secret: SECRET });
    const { session, result } = await browser.request(sessions);
    expect(session.id).toBe(id);
    expect(session.get('user')).toBe('ada');
    expect(parseSetCookie(result.setCookie ?? '').value).toMatch(/^v2\./);
    expect((await browser.load(sessions)).get('user')).toBe('ada');
  });
});
