import { SessionManager } from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { holdNext } from '../../../../test-support/interleave.js';
import {
  Browser,
  browserWith,
  rejectsOf,
  SECRET,
  spyOnCalls,
  storedRecord,
} from '../../../../test-support/sessions.js';

/**
 * Concurrent requests on one session with every interleaving forced through `holdNext`, so each
 * test takes the path it names on every run instead of whichever path a race happens to pick.
 */
describe.each(BACKENDS)('forced interleavings of saves: $name', (backend) => {
  let open: OpenBackend;
  let sessions: SessionManager;

  beforeAll(async () => {
    open = await backend.open();
    sessions = new SessionManager({ secret: SECRET }, open.storage);
  });

  afterAll(async () => {
    await open.cleanup();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const namespace = () => open.storage.namespace('session');

  it('merges a delete whose write another save overtook onto the newer record', async () => {
    const [browser, { id }] = await browserWith(sessions, { a: 1, b: 2 });
    const deleting = await browser.load(sessions);
    const setting = await browser.load(sessions);
    deleting.delete('a');
    setting.set('c', 3);
    const writes = spyOnCalls(namespace(), ['setIfVersion']);

    const write = holdNext(namespace(), 'setIfVersion');
    const saving = deleting.save();
    await write.reached;
    await setting.save();
    write.release();
    await saving;

    expect((await storedRecord(open.storage, id))?.data).toEqual({ b: 2, c: 3 });
    // The held write met a newer version, read it again and landed on the second try.
    expect(writes).toHaveBeenCalledTimes(3);
  });

  it("merges a set whose write another save overtook, keeping the other save's delete", async () => {
    const [browser, { id }] = await browserWith(sessions, { a: 1, b: 2 });
    const deleting = await browser.load(sessions);
    const setting = await browser.load(sessions);
    deleting.delete('a');
    setting.set('c', 3);

    const write = holdNext(namespace(), 'setIfVersion');
    const saving = setting.save();
    await write.reached;
    await deleting.save();
    write.release();
    await saving;

    expect((await storedRecord(open.storage, id))?.data).toEqual({ b: 2, c: 3 });
  });

  it('tries again when another save lands between its fresh read and its write', async () => {
    const [browser, { id }] = await browserWith(sessions, { base: true });
    const slow = await browser.load(sessions);
    const second = await browser.load(sessions);
    slow.set('slow', 1);
    second.set('second', 2);
    const writes = spyOnCalls(namespace(), ['setIfVersion']);

    const firstWrite = holdNext(namespace(), 'setIfVersion');
    const saving = slow.save();
    await firstWrite.reached;
    await second.save();
    // The slow save's write fails; hold its fresh read's answer while a third save lands.
    const freshRead = holdNext(namespace(), 'getVersioned', 'after');
    firstWrite.release();
    await freshRead.reached;
    const third = await browser.load(sessions);
    third.set('third', 3);
    await third.save();
    freshRead.release();
    await saving;

    expect((await storedRecord(open.storage, id))?.data).toEqual({ base: true, slow: 1, second: 2, third: 3 });
    // second, third, and the slow save's three attempts (stale twice, then current).
    expect(writes).toHaveBeenCalledTimes(5);
  });

  it('does not bring back a session destroyed between a failed write and the fresh read', async () => {
    const [browser, { id }] = await browserWith(sessions, { user: 'ada' });
    const rejects = rejectsOf(sessions);
    const slow = await browser.load(sessions);
    const other = await browser.load(sessions);
    slow.set('cart', ['apple']);
    other.set('seen', true);

    const write = holdNext(namespace(), 'setIfVersion');
    const saving = slow.save();
    await write.reached;
    await other.save();
    const freshRead = holdNext(namespace(), 'getVersioned');
    write.release();
    await freshRead.reached;
    await new Browser(browser.cookie).request(sessions, (s) => s.destroy());
    freshRead.release();
    await saving;

    expect(await storedRecord(open.storage, id)).toBeUndefined();
    expect(slow.isDestroyed).toBe(true);
    expect(rejects.map(({ reason }) => reason)).toContain('vanished');
  });
});
