import { createHmac } from 'node:crypto';
import { createStorage, SessionManager, type SessionOptions, signSessionId, unsignSessionId } from '@vessel/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Browser, parseSetCookie, rejectsOf } from '../../../../test-support/sessions.js';
import { REMEMBERED_SIGNATURES, SessionIdVerifier } from '../../src/session/cookie-signing.js';

/** A Cookie header exactly as express-session (cookie-signature + cookie) writes one. */
function expressSessionCookie(name: string, id: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  return `${name}=${encodeURIComponent(`s:${id}.${signature}`)}`;
}

/** Signing secrets of the 32 bytes or more that stored sessions require. */
const NEW = 'the new signing secret, 32 bytes or more';
const OLD = 'the old signing secret, 32 bytes or more';
/** express-session's README secret, grown to the length Vessel requires. */
const KEYBOARD_CAT = 'keyboard cat, long enough to sign with';

describe('session cookie signing', () => {
  const storage = createStorage({ type: 'memory' });

  afterAll(async () => {
    await storage.close();
  });

  function sessionsWith(options: SessionOptions): SessionManager {
    return new SessionManager(options, storage);
  }

  /** A saved session with `{ user: 'ada' }`, created under `sessions`. */
  async function saved(sessions: SessionManager): Promise<{ id: string; browser: Browser; setCookie: string }> {
    const browser = new Browser();
    const { session, result } = await browser.request(sessions, async (s) => {
      s.set('user', 'ada');
      await s.save();
    });
    return { id: session.id, browser, setCookie: result.setCookie ?? '' };
  }

  describe('secret rotation', () => {
    it('signs new cookies with the first secret only', async () => {
      const { id, setCookie } = await saved(sessionsWith({ secret: [NEW, OLD] }));
      const { value } = parseSetCookie(setCookie);
      expect(value).toBe(signSessionId(id, NEW));
      expect(unsignSessionId(value, [NEW])).toBe(id);
      expect(unsignSessionId(value, [OLD])).toBeUndefined();
    });

    it('still loads a cookie signed with an older secret', async () => {
      const { id, browser } = await saved(sessionsWith({ secret: OLD }));
      const rotated = sessionsWith({ secret: [NEW, OLD] });
      const session = await browser.load(rotated);
      expect(session.id).toBe(id);
      expect(session.get('user')).toBe('ada');
    });

    it('refuses the old cookie once its secret is dropped (bad-signature)', async () => {
      const { browser } = await saved(sessionsWith({ secret: OLD }));
      const dropped = sessionsWith({ secret: NEW });
      const rejects = rejectsOf(dropped);
      expect((await browser.load(dropped)).isNew).toBe(true);
      expect(rejects.map((event) => event.reason)).toEqual(['bad-signature']);
    });

    it('re-sends a cookie signed with the new secret when it sends one (rolling, regenerate)', async () => {
      const { id, browser } = await saved(sessionsWith({ secret: OLD }));
      const rotated = sessionsWith({ secret: [NEW, OLD], rolling: true });
      const rolled = await browser.request(rotated, (s) => s.get('user'));
      expect(parseSetCookie(rolled.result.setCookie ?? '').value).toBe(signSessionId(id, NEW));
      const renewed = await browser.request(rotated, (s) => s.regenerate());
      expect(parseSetCookie(renewed.result.setCookie ?? '').value).toBe(signSessionId(renewed.session.id, NEW));
      expect((await browser.load(sessionsWith({ secret: NEW }))).get('user')).toBe('ada');
    });

    it('treats a string with commas as one secret in code', async () => {
      const { id, setCookie } = await saved(sessionsWith({ secret: `${NEW},${OLD}` }));
      expect(parseSetCookie(setCookie).value).toBe(signSessionId(id, `${NEW},${OLD}`));
    });
  });

  describe('express-session compatibility', () => {
    it('loads cookies that express-session signed, and writes the same cookie for the same id', async () => {
      const sessions = sessionsWith({ key: 'connect.sid', secret: KEYBOARD_CAT });
      for (let i = 0; i < 8; i++) {
        const { id, setCookie } = await saved(sessions);
        const cookie = expressSessionCookie('connect.sid', id, KEYBOARD_CAT);
        const session = await sessions.load({ cookie });
        expect(session.id).toBe(id);
        expect(session.get('user')).toBe('ada');
        expect(setCookie.split(';')[0]).toBe(cookie);
      }
    });

    it('percent-encodes the signature, as express-session does, so "+", "/" and ":" survive', async () => {
      const sessions = sessionsWith({ secret: KEYBOARD_CAT });
      let seen = '';
      for (let i = 0; i < 20 && !(seen.includes('%2B') && seen.includes('%2F')); i++) {
        const { setCookie } = await saved(sessions);
        seen += parseSetCookie(setCookie).raw;
      }
      expect(seen).toMatch(/^s%3A/);
      expect(seen).toContain('%2B');
      expect(seen).toContain('%2F');
      expect(seen).not.toMatch(/[+/:]/);
    });
  });

  describe('remembered signatures', () => {
    const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

    it('accepts a returning cookie from memory, and still refuses a forged one for the same id', () => {
      const verifier = new SessionIdVerifier(['s1']);
      const signed = signSessionId(id, 's1');
      expect(verifier.verify(signed)).toEqual({ id, secretIndex: 0 });
      expect(verifier.verify(signed)).toEqual({ id, secretIndex: 0 });
      const forged = `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`;
      expect(verifier.verify(forged)).toBeUndefined();
      expect(verifier.verify(`${signed}x`)).toBeUndefined();
      expect(verifier.verify(signSessionId(id, 'other'))).toBeUndefined();
      expect(verifier.verify(signed)).toEqual({ id, secretIndex: 0 });
    });

    it('follows a rotation: old-secret cookies keep their index, re-signing uses the first secret', () => {
      const verifier = new SessionIdVerifier(['new', 'old']);
      expect(verifier.verify(signSessionId(id, 'old'))).toEqual({ id, secretIndex: 1 });
      expect(verifier.sign(id)).toBe(signSessionId(id, 'new'));
      expect(verifier.verify(signSessionId(id, 'new'))).toEqual({ id, secretIndex: 0 });
      expect(verifier.verify(signSessionId(id, 'old'))).toEqual({ id, secretIndex: 1 });
    });

    it('takes Buffer secrets, signing exactly as with the same string', () => {
      const verifier = new SessionIdVerifier([Buffer.from('s1')]);
      expect(verifier.sign(id)).toBe(signSessionId(id, 's1'));
      expect(verifier.verify(signSessionId(id, 's1'))).toEqual({ id, secretIndex: 0 });
      expect(verifier.verify(signSessionId(id, 's2'))).toBeUndefined();
    });

    it('forgets what it remembered when a secret is removed from the list at run time', () => {
      // express-session reads its secret array on every request, so apps rotate by editing it.
      const secrets = ['new', 'old'];
      const verifier = new SessionIdVerifier(secrets);
      const oldCookie = signSessionId(id, 'old');
      expect(verifier.verify(oldCookie)).toEqual({ id, secretIndex: 1 });
      expect(verifier.verify(oldCookie)).toEqual({ id, secretIndex: 1 }); // now from memory
      secrets.pop(); // 'old' leaked: drop it
      expect(verifier.verify(oldCookie)).toBeUndefined();
      expect(verifier.verify(signSessionId(id, 'new'))).toEqual({ id, secretIndex: 0 });
    });

    it('signs with the new first secret after a rotation at run time, not from memory', () => {
      const secrets = ['first'];
      const verifier = new SessionIdVerifier(secrets);
      expect(verifier.sign(id)).toBe(signSessionId(id, 'first'));
      secrets.unshift('newer');
      expect(verifier.sign(id)).toBe(signSessionId(id, 'newer'));
      expect(verifier.verify(signSessionId(id, 'first'))).toEqual({ id, secretIndex: 1 });
      secrets.splice(0, secrets.length, 'replaced');
      expect(verifier.verify(signSessionId(id, 'newer'))).toBeUndefined();
      expect(verifier.verify(signSessionId(id, 'first'))).toBeUndefined();
    });

    it(`remembers at most ${REMEMBERED_SIGNATURES} ids and never a forged one`, () => {
      const verifier = new SessionIdVerifier(['s1']);
      const first = signSessionId(`${id}-0`, 's1');
      verifier.verify(first);
      for (let i = 1; i <= REMEMBERED_SIGNATURES; i++) verifier.verify(signSessionId(`${id}-${i}`, 's1'));
      for (let i = 0; i < 100; i++) expect(verifier.verify(`s:${id}-forged-${i}.nope`)).toBeUndefined();
      // Forgotten or not, every authentic cookie still verifies.
      expect(verifier.verify(first)).toEqual({ id: `${id}-0`, secretIndex: 0 });
    });

    it(`forgets the oldest id past ${REMEMBERED_SIGNATURES}, and keeps the newest`, () => {
      // A Buffer secret changed in place is not noticed (the docs say to replace it instead), so
      // after the change only remembered ids still verify: that shows what the verifier holds.
      const secret = Buffer.from('a Buffer secret that is changed in place');
      const verifier = new SessionIdVerifier([secret]);
      const signed = (i: number) => signSessionId(`${id}-${i}`, secret);
      const cookies = Array.from({ length: REMEMBERED_SIGNATURES + 1 }, (_, i) => signed(i));
      for (const cookie of cookies) expect(verifier.verify(cookie)).toBeDefined();
      secret.fill(0x61);
      expect(verifier.verify(cookies[0] as string)).toBeUndefined();
      expect(verifier.verify(cookies[1] as string)).toBeDefined();
      expect(verifier.verify(cookies[REMEMBERED_SIGNATURES] as string)).toBeDefined();
    });
  });
});

describe('signing secrets of stored sessions', () => {
  const storage = createStorage({ type: 'memory' });

  afterAll(async () => {
    await storage.close();
  });

  it.each([
    ['an empty secret', ''],
    ['a blank secret', '   '],
    ["express-session's README secret", 'keyboard cat'],
    ['31 bytes', 'x'.repeat(31)],
  ])('refuses %s at construction, naming session.secret and never the secret', (_what, secret) => {
    const construct = () => new SessionManager({ secret }, storage);
    expect(construct).toThrow(/^session\.secret: /);
    expect(construct).not.toThrow(secret.trim() ? secret : /^$/);
  });

  it('refuses a short old secret kept for rotation, naming its place in the list', () => {
    expect(() => new SessionManager({ secret: [NEW, 'keyboard cat'] }, storage)).toThrow(
      /^session\.secret: secret #2 is 12 bytes/,
    );
  });

  it('takes 32 bytes, and needs no secret without cookies', () => {
    expect(new SessionManager({ secret: 'x'.repeat(32) }, storage)).toBeInstanceOf(SessionManager);
    expect(new SessionManager({ useCookies: false }, storage)).toBeInstanceOf(SessionManager);
  });
});
