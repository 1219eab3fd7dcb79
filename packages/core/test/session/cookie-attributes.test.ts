import { createStorage, SessionManager, type SessionOptions, type Storage } from '@vessel/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Browser, EXPIRED, FakeClock, parseSetCookie, SECRET } from '../../../../test-support/sessions.js';

/** Cookie attributes do not depend on the backend: stored sessions on memory, and cookie-only ones. */
const KINDS = [
  { name: 'stored', type: undefined },
  { name: 'cookie-only', type: 'cookie' },
] as const;

describe.each(KINDS)('session cookie attributes: $name', (kind) => {
  const storage: Storage = createStorage({ type: 'memory' });
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  afterAll(async () => {
    await storage.close();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager({ secret: SECRET, now: clock.now, type: kind.type, ...options }, storage);
  }

  /** The Set-Cookie header of a request that saves a new session. */
  async function firstCookie(sessions: SessionManager, browser = new Browser()): Promise<string> {
    const { result } = await browser.request(sessions, async (s) => {
      s.set('user', 'ada');
      await s.save();
    });
    if (!result.setCookie) throw new Error('a saved new session must set its cookie');
    return result.setCookie;
  }

  it('defaults to vessel.sid, Path=/, HttpOnly, SameSite=Lax and a browser-session cookie', async () => {
    const setCookie = await firstCookie(sessionsWith());
    const cookie = parseSetCookie(setCookie);
    expect(cookie.name).toBe('vessel.sid');
    expect(setCookie).toBe(`vessel.sid=${cookie.raw}; Path=/; HttpOnly; SameSite=Lax`);
    expect(cookie.attributes).toEqual({ path: '/', httponly: true, samesite: 'Lax' });
  });

  it('names the cookie after key, and reads only that cookie back', async () => {
    const sessions = sessionsWith({ key: 'app_session' });
    const browser = new Browser();
    const setCookie = await firstCookie(sessions, browser);
    expect(parseSetCookie(setCookie).name).toBe('app_session');
    expect((await browser.load(sessions)).get('user')).toBe('ada');
    const renamed = browser.cookie?.replace('app_session=', 'vessel.sid=');
    expect((await sessions.load({ cookie: renamed })).isNew).toBe(true);
  });

  it('sets Path and Domain from cookiePath and cookieDomain', async () => {
    const setCookie = await firstCookie(sessionsWith({ cookiePath: '/app', cookieDomain: 'example.com' }));
    expect(parseSetCookie(setCookie).attributes).toMatchObject({ path: '/app', domain: 'example.com' });
  });

  it('adds Secure with secure, drops HttpOnly with httpOnly: false', async () => {
    const setCookie = await firstCookie(sessionsWith({ secure: true, httpOnly: false }));
    expect(parseSetCookie(setCookie).attributes).toEqual({ path: '/', secure: true, samesite: 'Lax' });
  });

  it('writes sameSite as Strict, Lax or None', async () => {
    for (const [sameSite, written] of [
      ['strict', 'Strict'],
      ['lax', 'Lax'],
      ['none', 'None'],
    ] as const) {
      const setCookie = await firstCookie(sessionsWith({ sameSite, secure: true }));
      expect(parseSetCookie(setCookie).attributes.samesite).toBe(written);
    }
  });

  it('sends no Expires for cookieExpires false or true (browser session)', async () => {
    for (const cookieExpires of [false, true]) {
      const setCookie = await firstCookie(sessionsWith({ cookieExpires }));
      expect(parseSetCookie(setCookie).attributes).not.toHaveProperty('expires');
    }
  });

  it('sets Expires that many seconds after the response for cookieExpires in seconds', async () => {
    const sessions = sessionsWith({ cookieExpires: 3600 });
    const browser = new Browser();
    const setCookie = await firstCookie(sessions, browser);
    expect(parseSetCookie(setCookie).attributes.expires).toBe(new Date(clock.time + 3_600_000).toUTCString());
    // Every later save sends the cookie again, its expiry counted from that response.
    clock.advance(600);
    const { result } = await browser.request(sessions, async (s) => {
      s.set('visits', 2);
      await s.save();
    });
    expect(parseSetCookie(result.setCookie ?? '').attributes.expires).toBe(
      new Date(clock.time + 3_600_000).toUTCString(),
    );
  });

  it('sets Expires to the date given as cookieExpires (a Date or an ISO string)', async () => {
    const date = new Date('2031-05-06T07:08:09Z');
    for (const cookieExpires of [date, '2031-05-06T07:08:09Z']) {
      const setCookie = await firstCookie(sessionsWith({ cookieExpires }));
      expect(parseSetCookie(setCookie).attributes.expires).toBe('Tue, 06 May 2031 07:08:09 GMT');
    }
  });

  it('sends the cookie only when it changes without rolling', async () => {
    const sessions = sessionsWith({ saveAccessedTime: false });
    const browser = new Browser();
    await firstCookie(sessions, browser);
    const read = await browser.request(sessions, (s) => s.get('user'));
    expect(read.result.setCookie).toBeUndefined();
  });

  it('sends the cookie on every commit with rolling, read-only requests included', async () => {
    const sessions = sessionsWith({ rolling: true, cookieExpires: 60, saveAccessedTime: false });
    const browser = new Browser();
    await firstCookie(sessions, browser);
    for (let i = 0; i < 3; i++) {
      clock.advance(30);
      const { session, result } = await browser.request(sessions, (s) => s.get('user'));
      expect(result.saved).toBe(false);
      expect(result.setCookie).toBeDefined();
      expect(parseSetCookie(result.setCookie ?? '').attributes.expires).toBe(
        new Date(clock.time + 60_000).toUTCString(),
      );
      expect(session.get('user')).toBe('ada');
    }
    expect((await browser.load(sessions)).get('user')).toBe('ada');
  });

  it('sends no cookie with rolling for a new session nobody wrote to', async () => {
    const { result } = await new Browser().request(sessionsWith({ rolling: true }));
    expect(result.setCookie).toBeUndefined();
  });

  it('expires the cookie on destroy with the same name, Path and Domain, so the browser drops it', async () => {
    const sessions = sessionsWith({ key: 'sid', cookiePath: '/app', cookieDomain: 'example.com', secure: true });
    const browser = new Browser();
    await firstCookie(sessions, browser);
    const { result } = await browser.request(sessions, (s) => s.destroy());
    expect(result.setCookie).toBe(`sid=; Domain=example.com; Path=/app; ${EXPIRED}; HttpOnly; Secure; SameSite=Lax`);
  });
});
