import { createHmac } from 'node:crypto';
import { ConfigError, createStorage, isValidSessionId, SessionManager, signSessionId } from '@vessel/core';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionIdVerifier, verifySessionId } from '../../src/session/cookie-signing.js';

const SECRET = 'a signing secret of 32 bytes or more';
const OTHER = 'another signing secret, 32 bytes too';
const id = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('signed cookie values at their edges', () => {
  it("writes express-session's format: base64 HMAC-SHA256 without padding", () => {
    const expected = createHmac('sha256', SECRET).update(id).digest('base64').replace(/=+$/, '');
    expect(signSessionId(id, SECRET)).toBe(`s:${id}.${expected}`);
    expect(signSessionId(id, SECRET)).not.toMatch(/=/);
  });

  it('accepts only the s: form', () => {
    const signed = signSessionId(id, SECRET);
    expect(verifySessionId(signed, [SECRET])).toEqual({ id, secretIndex: 0 });
    expect(verifySessionId(`t:${signed.slice(2)}`, [SECRET])).toBeUndefined();
    expect(verifySessionId(signed.slice(2), [SECRET])).toBeUndefined();
    expect(new SessionIdVerifier([SECRET]).verify(`x${signed.slice(1)}`)).toBeUndefined();
  });

  it('never yields an empty id, even one correctly signed', () => {
    const signedEmpty = signSessionId('', SECRET);
    expect(verifySessionId(signedEmpty, [SECRET])).toBeUndefined();
    expect(new SessionIdVerifier([SECRET]).verify(signedEmpty)).toBeUndefined();
  });

  it('names the first secret that signed, when a secret is listed twice', () => {
    const signed = signSessionId(id, SECRET);
    expect(verifySessionId(signed, [OTHER, SECRET, SECRET])).toEqual({ id, secretIndex: 1 });
    expect(new SessionIdVerifier([SECRET, SECRET]).verify(signed)).toEqual({ id, secretIndex: 0 });
  });

  it('signs the same value from memory as from the secret, again and again', () => {
    const verifier = new SessionIdVerifier([SECRET]);
    const expected = signSessionId(id, SECRET);
    expect(verifier.sign(id)).toBe(expected);
    expect(verifier.sign(id)).toBe(expected);
    const verified = new SessionIdVerifier([SECRET]);
    verified.verify(expected);
    expect(verified.sign(id)).toBe(expected);
    expect(verified.sign(id)).toBe(expected);
  });

  it('forgets remembered signatures when a secret is replaced in place (same list length)', () => {
    const secrets = [SECRET];
    const verifier = new SessionIdVerifier(secrets);
    const signed = signSessionId(id, SECRET);
    expect(verifier.verify(signed)).toBeDefined();
    secrets[0] = OTHER;
    expect(verifier.verify(signed)).toBeUndefined();
    expect(verifier.sign(id)).toBe(signSessionId(id, OTHER));
  });
});

describe('session ids from the outside', () => {
  const wide = /^[\s\S]+$/;

  it('takes ids of at most 256 characters, even under a wide pattern', () => {
    expect(isValidSessionId('i'.repeat(256), wide)).toBe(true);
    expect(isValidSessionId('i'.repeat(257), wide)).toBe(false);
  });

  it('refuses a control character anywhere, the last one included', () => {
    expect(isValidSessionId('abc\u0001', wide)).toBe(false);
    expect(isValidSessionId('\u007fabc', wide)).toBe(false);
    expect(isValidSessionId('ab\u001fcd', wide)).toBe(false);
    expect(isValidSessionId('abc ', wide)).toBe(true);
  });
});

describe('signing secrets measured in bytes', () => {
  const storage = createStorage({ type: 'memory' });

  afterAll(async () => {
    await storage.close();
  });

  it('counts UTF-8 bytes of strings and the length of Buffers', () => {
    expect(new SessionManager({ secret: 'é'.repeat(16) }, storage)).toBeInstanceOf(SessionManager);
    expect(() => new SessionManager({ secret: 'é'.repeat(15) }, storage)).toThrow(/is 30 bytes/);
  });

  it('refuses a Buffer of 31 bytes and takes one of 32, through the Express-facing check', async () => {
    const { assertSigningSecrets } = await import('../../src/session/signing-secrets.js');
    expect(() => assertSigningSecrets('secret', [Buffer.alloc(31, 1)])).toThrow(/is 31 bytes/);
    expect(() => assertSigningSecrets('secret', [Buffer.alloc(32, 1)])).not.toThrow();
    expect(() => assertSigningSecrets('secret', [])).toThrow(ConfigError);
    expect(() => assertSigningSecrets('secret', [])).toThrow(/^secret: expected at least one non-empty secret/);
    expect(() => assertSigningSecrets('secret', [42])).toThrow(/expected a string or Buffer, the secret is number/);
    expect(() => assertSigningSecrets('secret', [SECRET, null])).toThrow(/secret #2 is null/);
  });
});
