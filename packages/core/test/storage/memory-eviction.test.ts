import { ConfigError, createStorage } from '@vessel/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('memory backend: expiry and bound', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('deletes expired entries in the background, with no sweep call and no read of them', async () => {
    vi.useFakeTimers();
    const storage = createStorage({ type: 'memory' });
    const sessions = storage.namespace('session');
    for (let i = 0; i < 2000; i++) await sessions.set(`s${i}`, { visits: i }, { ttlMs: 30_000 });
    await sessions.set('kept', { user: 'ada' }, { ttlMs: 3_600_000 });
    expect(await sessions.count({ includeExpired: true })).toBe(2001);

    // Half an hour later, as a process serving cookieless requests would be: only the timer ran.
    await vi.advanceTimersByTimeAsync(30 * 60_000);

    expect(await sessions.count({ includeExpired: true })).toBe(1);
    expect(await sessions.get('kept')).toEqual({ user: 'ada' });
    await storage.close();
  });

  it('never holds more than maxEntries: a full map drops expired entries, then the oldest writes', async () => {
    vi.useFakeTimers();
    const storage = createStorage({ type: 'memory', maxEntries: 1000, sweepIntervalMs: 0 });
    const sessions = storage.namespace('session');
    const cache = storage.namespace('cache:pages');
    for (let i = 0; i < 500; i++) await cache.set(`p${i}`, i, { ttlMs: 1000 });
    vi.setSystemTime(Date.now() + 2000); // the cache entries expire; no timer to delete them
    for (let i = 0; i < 5000; i++) await sessions.set(`s${i}`, { visits: i }, { ttlMs: 600_000 });

    const total = (await sessions.count({ includeExpired: true })) + (await cache.count({ includeExpired: true }));
    expect(total).toBeLessThanOrEqual(1000);
    expect(await cache.count({ includeExpired: true })).toBe(0);
    expect(await sessions.get('s4999')).toEqual({ visits: 4999 });
    expect(await sessions.get('s0')).toBeUndefined();
    await storage.close();
  });

  it('keeps a rewritten or touched entry over older writes', async () => {
    const storage = createStorage({ type: 'memory', maxEntries: 100 });
    const sessions = storage.namespace('session');
    await sessions.set('active', 1, { ttlMs: 600_000 });
    for (let i = 0; i < 99; i++) await sessions.set(`s${i}`, i, { ttlMs: 600_000 });
    await sessions.touch('active', Date.now() + 600_000);
    for (let i = 99; i < 150; i++) await sessions.set(`s${i}`, i, { ttlMs: 600_000 });
    expect(await sessions.get('active')).toBe(1);
    expect(await sessions.count()).toBeLessThanOrEqual(100);
    await storage.close();
  });

  it('refuses a bound that is not a positive whole number', () => {
    expect(() => createStorage({ type: 'memory', maxEntries: 0 })).toThrow(ConfigError);
    expect(() => createStorage({ type: 'memory', sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs/);
  });
});
