import { SessionManager, type SessionOptions } from '@vessel/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type BackendCase, type OpenBackend } from '../../../../test-support/backends.js';
import { Browser, FakeClock, SECRET, storedRecord } from '../../../../test-support/sessions.js';

interface SessionKind {
  readonly name: string;
  readonly backend?: BackendCase;
}

const KINDS: readonly SessionKind[] = [
  ...BACKENDS.filter((backend) => ['memory', 'sqlite', 'redis'].includes(backend.name)).map((backend) => ({
    name: backend.name,
    backend,
  })),
  { name: 'cookie-only' },
];

describe.each(KINDS)('a session’s own idle timeout: $name', (kind) => {
  let open: OpenBackend | undefined;
  let clock: FakeClock;

  beforeAll(async () => {
    open = await kind.backend?.open();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  beforeEach(() => {
    clock = new FakeClock();
  });

  function sessionsWith(options: SessionOptions = {}): SessionManager {
    const where: SessionOptions = open ? {} : { type: 'cookie' };
    return new SessionManager({ secret: SECRET, timeout: 60, now: clock.now, ...where, ...options }, open?.storage);
  }

  it('outlives the manager’s timeout when longer, and keeps it across requests', async () => {
    const sessions = sessionsWith();
    const browser = new Browser();
    const { session } = await browser.request(sessions, async (s) => {
      s.set('user', 'ada');
      s.setIdleTimeout(3600);
      await s.save();
    });
    expect(session.idleTimeout).toBe(3600);
    expect(session.expiresAt?.getTime()).toBe(clock.time + 3_600_000);
    if (open) expect(await storedRecord(open.storage, session.id)).toMatchObject({ timeout: 3600 });

    clock.advance(1800);
    const later = await browser.request(sessions, (s) => {
      expect(s.get('user')).toBe('ada');
      expect(s.idleTimeout).toBe(3600);
      s.touch();
    });
    expect(later.session.expiresAt?.getTime()).toBe(clock.time + 3_600_000);

    clock.advance(3599);
    expect((await browser.load(sessions)).get('user')).toBe('ada');
    clock.advance(2);
    expect((await browser.load(sessions)).isNew).toBe(true);
  });

  it('expires sooner than the manager’s timeout when shorter, and goes back to it when unset', async () => {
    const sessions = sessionsWith();
    const browser = new Browser();
    await browser.request(sessions, async (s) => {
      s.set('k', 1);
      s.setIdleTimeout(10);
      await s.save();
    });
    clock.advance(11);
    expect((await browser.load(sessions)).isNew).toBe(true);

    const other = new Browser();
    await other.request(sessions, async (s) => {
      s.set('k', 2);
      s.setIdleTimeout(10);
      await s.save();
    });
    await other.request(sessions, (s) => s.setIdleTimeout(undefined));
    clock.advance(30);
    const reloaded = await other.load(sessions);
    expect(reloaded.get('k')).toBe(2);
    expect(reloaded.idleTimeout).toBeUndefined();
  });

  it('stays within maxLifetime', async () => {
    const sessions = sessionsWith({ maxLifetime: 100 });
    const browser = new Browser();
    const { session } = await browser.request(sessions, async (s) => {
      s.set('k', 1);
      s.setIdleTimeout(3600);
      await s.save();
    });
    expect(session.expiresAt?.getTime()).toBe(session.created.getTime() + 100_000);
  });

  it('refuses timeouts that are not whole positive seconds', async () => {
    const session = await sessionsWith().load({});
    expect(() => session.setIdleTimeout(0)).toThrow('idle timeout must be a whole number of seconds > 0, got 0');
    expect(() => session.setIdleTimeout(1.5)).toThrow(RangeError);
  });
});

describe('SessionManager.create', () => {
  let open: OpenBackend;

  beforeAll(async () => {
    open = await (BACKENDS.find((backend) => backend.name === 'memory') as BackendCase).open();
  });

  afterAll(async () => {
    await open.cleanup();
  });

  it('starts a session under an id the caller chose, stored under it at the first save', async () => {
    const sessions = new SessionManager({ secret: SECRET, idPattern: /^order-[0-9]{4}$/ }, open.storage);
    const session = sessions.create({ id: 'order-0042' });
    expect(session.id).toBe('order-0042');
    expect(session.isNew).toBe(true);
    session.set('items', 3);
    await session.save();
    expect((await sessions.get('order-0042'))?.get('items')).toBe(3);
    expect(sessions.create().id).not.toBe(sessions.create().id);
  });

  it('refuses ids outside idPattern before anything is stored', () => {
    const sessions = new SessionManager({ secret: SECRET }, open.storage);
    expect(() => sessions.create({ id: '../../etc/passwd' })).toThrow(/^invalid session id "..\/..\/etc\/passwd"/);
  });
});
