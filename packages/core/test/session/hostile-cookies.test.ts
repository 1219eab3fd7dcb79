import {
  CorruptEntryError,
  generateSessionId,
  SessionManager,
  type SessionOptions,
  type SessionRejectEvent,
  type SessionRejectReason,
  signSessionId,
} from '@vessel/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { Browser, FakeClock, READS, rejectsOf, SECRET, spyOnCalls, WRITES } from '../../../../test-support/sessions.js';

/** The Cookie header a browser sends for a session cookie value (percent-encoded as set). */
function header(value: string, name = 'vessel.sid'): string {
  return `${name}=${encodeURIComponent(value)}`;
}

describe.each(BACKENDS)('hostile cookies: $name', (backend) => {
  let open: OpenBackend;
  let clock: FakeClock;

  beforeAll(async () => {
    open = await backend.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  beforeEach(() => {
    clock = new FakeClock();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    return new SessionManager({ secret: SECRET, now: clock.now, ...options }, open.storage);
  }

  /** A stored session with `{ user: 'ada' }` and the Cookie header that names it. */
  async function saved(sessions: SessionManager): Promise<{ id: string; cookie: string }> {
    const browser = new Browser();
    const { session } = await browser.request(sessions, async (s) => {
      s.set('user', 'ada');
      await s.save();
    });
    return { id: session.id, cookie: browser.cookie ?? '' };
  }

  /** Loads `cookie` and expects a fresh, empty session and exactly one `reject` with `reason`. */
  async function expectRejected(
    sessions: SessionManager,
    cookie: string,
    reason: SessionRejectReason,
  ): Promise<SessionRejectEvent> {
    const rejects = rejectsOf(sessions);
    const session = await sessions.load({ cookie });
    expect(session.isNew, cookie.slice(0, 80)).toBe(true);
    expect(session.toJSON()).toEqual({});
    expect(
      rejects.map((event) => event.reason),
      cookie.slice(0, 80),
    ).toEqual([reason]);
    sessions.removeAllListeners('reject');
    return rejects[0] as SessionRejectEvent;
  }

  it('gives a fresh session for a tampered id or signature (bad-signature), naming no id', async () => {
    const sessions = sessionsWith();
    const { id } = await saved(sessions);
    const signed = signSessionId(id, SECRET);
    const dot = signed.lastIndexOf('.');
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const forgeries = [
      flip(signed, 2), // first character of the id
      flip(signed, dot - 1), // last character of the id
      flip(signed, dot + 1), // first character of the signature
      flip(signed, signed.length - 1), // last character of the signature
      signed.slice(0, -1), // truncated signature
      `${signed}A`, // extended signature
      `${signed}=`, // padded signature
      signSessionId(id, 'another secret'),
      signed.slice(2), // without the "s:" marker
      id, // unsigned
      `s:${id}`, // no signature at all
      `s:${id}.`,
      '',
    ];
    for (const forgery of forgeries) {
      const event = await expectRejected(sessions, header(forgery), 'bad-signature');
      expect(event.id).toBeUndefined();
    }
  });

  it('refuses a well-signed but malformed id before the storage sees it (invalid-id)', async () => {
    const sessions = sessionsWith();
    const get = spyOnCalls(open.storage.namespace('session'), READS);
    const malformed = [
      '../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      `${'a'.repeat(24)}\0${'b'.repeat(8)}`,
      'short',
      'a'.repeat(21),
      'a'.repeat(129),
      '*'.repeat(32),
      `${'a'.repeat(30)}/x`,
      `${'a'.repeat(30)} x`,
      'ünïcødé-ünïcødé-ünïcødé-ünïcødé',
    ];
    for (const id of malformed) await expectRejected(sessions, header(signSessionId(id, SECRET)), 'invalid-id');
    expect(get).not.toHaveBeenCalled();
  });

  it('gives a fresh session for an authentic cookie naming no stored session (unknown)', async () => {
    const sessions = sessionsWith();
    const id = generateSessionId();
    const event = await expectRejected(sessions, header(signSessionId(id, SECRET)), 'unknown');
    expect(event.id).toBe(id);
  });

  it('gives a fresh session for an expired one (expired)', async () => {
    const sessions = sessionsWith({ timeout: 60, saveAccessedTime: false });
    const { id, cookie } = await saved(sessions);
    clock.advance(61);
    const event = await expectRejected(sessions, cookie, 'expired');
    expect(event.id).toBe(id);
  });

  it('gives a fresh session for a stored value that is not a session record (corrupt)', async () => {
    const sessions = sessionsWith();
    const { id, cookie } = await saved(sessions);
    await open.storage.namespace('session').set(id, { user: 'ada' });
    const event = await expectRejected(sessions, cookie, 'corrupt');
    expect(event.id).toBe(id);
    expect(event.detail).toMatch(/session record/);
  });

  it('gives a fresh session for garbage bytes under the session key (corrupt)', async (context) => {
    if (!open.writeRaw) return context.skip();
    const sessions = sessionsWith();
    const { id, cookie } = await saved(sessions);
    for (const garbage of ['\u00ff garbage {', '{"expires":null}', '{"expires":"soon","value":{}}', '']) {
      await open.writeRaw(`${open.storage.prefix}:session::${id}`, garbage);
      const event = await expectRejected(sessions, cookie, 'corrupt');
      expect(event.id).toBe(id);
      expect(event.detail?.length).toBeGreaterThan(0);
    }
  });

  it('throws CorruptEntryError for a corrupt record when invalidateCorrupt is off', async () => {
    const sessions = sessionsWith({ invalidateCorrupt: false });
    const { id, cookie } = await saved(sessions);
    await open.storage.namespace('session').set(id, 42);
    await expect(sessions.load({ cookie })).rejects.toThrow(CorruptEntryError);
  });

  it('never throws on junk Cookie headers', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const set = spyOnCalls(open.storage.namespace('session'), WRITES);
    const junk = [
      undefined,
      null,
      '',
      ';',
      ';;;',
      '=',
      '==',
      'vessel.sid',
      'vessel.sid=',
      'vessel.sid="',
      'vessel.sid=""',
      'vessel.sid=%',
      'vessel.sid=%E0%A4%A',
      'vessel.sid=%00',
      'vessel.sid=\u0000',
      'vessel.sid=s:',
      'vessel.sid=s:.',
      'vessel.sid=s%3A%ZZ.%ZZ',
      ' vessel.sid = s:abc.def ',
      'vessel.sid=🍪🍪🍪',
      '\u00ff\u00fe=1; =; ;=;',
      'a=b; c; d=; =e',
      'x'.repeat(8192),
      `vessel.sid=${'a'.repeat(8192)}`,
      `vessel.sid=s:${'a'.repeat(8192)}.${'b'.repeat(43)}`,
      `vessel.sid=${'%'.repeat(8192)}`,
      Array.from({ length: 500 }, (_, i) => `c${i}=v${i}`).join('; '),
    ];
    for (const cookie of junk) {
      const session = await sessions.load({ cookie });
      expect(session.isNew).toBe(true);
      expect(session.toJSON()).toEqual({});
    }
    expect(new Set(rejects.map((event) => event.reason))).toEqual(new Set(['bad-signature']));
    expect(set).not.toHaveBeenCalled();
  });

  it('uses the first good cookie when several carry the session name', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const first = await saved(sessions);
    const second = await saved(sessions);
    const unknown = header(signSessionId(generateSessionId(), SECRET));
    const forged = header(signSessionId(first.id, 'another secret'));
    const cases: [string, string][] = [
      [`${forged}; ${second.cookie}`, second.id],
      [`${unknown}; ${first.cookie}`, first.id],
      [`vessel.sid=junk; ${forged}; ${unknown}; ${second.cookie}; ${first.cookie}`, second.id],
      [`${first.cookie}; ${second.cookie}`, first.id],
      [`${second.cookie}; ${forged}`, second.id],
    ];
    for (const [cookie, id] of cases) {
      const session = await sessions.load({ cookie });
      expect(session.id).toBe(id);
      expect(session.get('user')).toBe('ada');
    }
    expect(rejects).toEqual([]);
  });

  it('finds the session cookie among unrelated cookies, illegal names and 8 KB values', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const { id, cookie } = await saved(sessions);
    const value = cookie.slice('vessel.sid='.length);
    const headers = [
      `theme=dark; ${cookie}; lang=en`,
      `=nameless; {bad name}=1; ${cookie}`,
      `vessel.sid.old=x; xvessel.sid=junk; vessel.si=y; ${cookie}`,
      `big=${'x'.repeat(8192)}; ${cookie}; other=${'y'.repeat(8192)}`,
      `ünï=çødé; 🍪=🍪; ${cookie}`,
      `vessel.sid="${value}"`,
      `  ${cookie}  ;`,
    ];
    for (const cookieHeader of headers) {
      const session = await sessions.load({ cookie: cookieHeader });
      expect(session.id, cookieHeader.slice(0, 60)).toBe(id);
      expect(session.get('user')).toBe('ada');
    }
    expect(rejects).toEqual([]);
  });

  it('keeps secrets and whole cookies out of reject events', async () => {
    const sessions = sessionsWith();
    const rejects = rejectsOf(sessions);
    const id = generateSessionId();
    const signed = signSessionId(id, SECRET);
    await sessions.load({ cookie: header(signed) });
    await sessions.load({ cookie: header(signSessionId(id, 'another secret')) });
    const text = JSON.stringify(rejects);
    expect(rejects.map((event) => event.reason)).toEqual(['unknown', 'bad-signature']);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(signed.slice(signed.lastIndexOf('.') + 1));
  });
});
