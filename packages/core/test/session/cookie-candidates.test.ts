/**
 * Several cookies of the session's name in one request (other paths, old domains, or a header
 * stuffed on purpose): each authentic one used to cost a storage read, without bound.
 */
import {
  createStorage,
  generateSessionId,
  MAX_SESSION_COOKIE_LOOKUPS,
  SessionManager,
  signSessionId,
} from '@vessel/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, READS, rejectsOf, SECRET, spyOnCalls } from '../../../../test-support/sessions.js';

describe('several cookies of the session name', () => {
  const storage = createStorage({ type: 'memory' });
  const sessions = new SessionManager({ secret: SECRET }, storage);

  afterAll(async () => {
    await storage.close();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A Cookie header of `values`, each as a `vessel.sid` cookie. */
  const header = (values: string[]) => values.map((value) => `vessel.sid=${encodeURIComponent(value)}`).join('; ');

  /** Authentic cookies naming sessions that do not exist (a logged-out user's, or made on purpose). */
  const gone = (count: number) => Array.from({ length: count }, () => signSessionId(generateSessionId(), SECRET));

  it(`reads the storage for at most ${MAX_SESSION_COOKIE_LOOKUPS} authentic cookies per request`, async () => {
    expect(MAX_SESSION_COOKIE_LOOKUPS).toBe(3);
    const reads = spyOnCalls(storage.namespace('session'), READS);
    const rejects = rejectsOf(sessions);
    const session = await sessions.load({ cookie: header(gone(200)) });
    expect(session.isNew).toBe(true);
    expect(reads).toHaveBeenCalledTimes(MAX_SESSION_COOKIE_LOOKUPS);
    expect(rejects.map((event) => event.reason)).toEqual(['unknown']);
  });

  it('still finds the live session behind junk and a stale cookie of the name', async () => {
    const browser = new Browser();
    await browser.request(sessions, (s) => s.set('user', 'ada').save());
    const live = decodeURIComponent((browser.cookie ?? '').split('=')[1] ?? '');
    // Forged signatures cost no read; they do not count against the limit.
    const forged = Array.from({ length: 20 }, (_, i) => `s:${generateSessionId()}.forged${i}`);
    const reads = spyOnCalls(storage.namespace('session'), READS);
    const session = await sessions.load({ cookie: header([...forged, 'junk', ...gone(2), live]) });
    expect(session.get('user')).toBe('ada');
    expect(reads).toHaveBeenCalledTimes(3);
  });
});
