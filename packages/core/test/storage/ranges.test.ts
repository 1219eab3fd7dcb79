import { createStorage, type Namespace, type Storage, type StorageEntry } from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';

async function collect(iterable: AsyncIterable<StorageEntry>): Promise<StorageEntry[]> {
  const entries: StorageEntry[] = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

async function keysOf(namespace: Namespace, options: { includeExpired?: boolean; pageSize?: number } = {}) {
  return (await collect(namespace.scan(options))).map((entry) => entry.key).sort();
}

/** A stored record as Vessel writes it, expiring at `expires` (ms since the epoch). */
const recordExpiringAt = (expires: number, value = 1) => `{"expires":${expires},"value":${value}}`;

/**
 * Key ranges, expiry instants and TTLs, once per backend. The clock is faked (`Date` only) on
 * backends that keep the expiry in the record; Redis expires keys on its own clock, so the cases
 * that need time to pass run on the others.
 */
describe.each(BACKENDS)('storage ranges and expiry: $name', (backend) => {
  let open: OpenBackend;
  let nativeTtl: boolean;
  /** Storages on the same data whose prefixes sort right below and right above this one's. */
  let neighbours: Storage[] = [];

  beforeAll(async () => {
    open = await backend.open();
    nativeTtl = open.storage.capabilities.nativeTtl;
    await open.storage.ping();
    // The memory backend's data is private to its storage: it has no neighbours by prefix.
    if (backend.type !== 'memory') {
      const prefix = open.storage.prefix;
      neighbours = [`${prefix}9`, `${prefix}A`].map((neighbour) => createStorage({ ...open.input, prefix: neighbour }));
    }
  });

  afterAll(async () => {
    for (const neighbour of neighbours) await neighbour.close();
    await open?.cleanup();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** Freezes `Date` at the present and returns that instant. */
  function freezeClock(): number {
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now });
    return now;
  }

  it('sweeps, counts, lists and clears only its own range, with neighbours on both sides', async (context) => {
    if (nativeTtl) return context.skip(); // expired entries are gone from Redis before anything can sweep them
    const start = freezeClock();
    const name = 'range';
    const ns = open.storage.namespace(name);
    // `range:0` sorts right below `range::`, `range:A` right above `range:;` (the range's end).
    const sides = [open.storage.namespace(`${name}:0`), open.storage.namespace(`${name}:A`)];
    const byPrefix = neighbours.map((neighbour) => neighbour.namespace(name));
    const bystanders = [...sides, ...byPrefix];
    await ns.set('old-1', 1, { ttlMs: 1000 });
    await ns.set('old-2', 2, { ttlMs: 1000 });
    await ns.set('live', 3, { ttlMs: 60_000 });
    await ns.set('forever', 4);
    for (const bystander of bystanders) {
      await bystander.set('old', 'theirs', { ttlMs: 1000 });
      await bystander.set('live', 'theirs', { ttlMs: 60_000 });
    }
    vi.setSystemTime(start + 5000);

    expect(await ns.count()).toBe(2);
    expect(await ns.count({ includeExpired: true })).toBe(4);
    expect(await keysOf(ns)).toEqual(['forever', 'live']);
    expect(await keysOf(ns, { includeExpired: true })).toEqual(['forever', 'live', 'old-1', 'old-2']);
    expect(await ns.sweep()).toBe(2);
    expect(await keysOf(ns, { includeExpired: true })).toEqual(['forever', 'live']);
    for (const bystander of bystanders) {
      expect(await bystander.count()).toBe(1);
      expect(await bystander.count({ includeExpired: true })).toBe(2);
      expect(await keysOf(bystander, { includeExpired: true })).toEqual(['live', 'old']);
    }

    await ns.clear();
    expect(await ns.count({ includeExpired: true })).toBe(0);
    for (const bystander of bystanders) expect(await bystander.count({ includeExpired: true })).toBe(2);
  });

  it('lists and clears only its own range, page by page, with neighbours on both sides', async () => {
    const ns = open.storage.namespace('live-range');
    const bystanders = [
      open.storage.namespace('live-range:0'),
      open.storage.namespace('live-range:A'),
      ...neighbours.map((neighbour) => neighbour.namespace('live-range')),
    ];
    await ns.set('a', 1, { ttlMs: 60_000 });
    await ns.set('b', 2);
    for (const bystander of bystanders) await bystander.set('x', 'theirs');
    expect(await keysOf(ns, { pageSize: 1 })).toEqual(['a', 'b']);
    expect(await ns.count()).toBe(2);
    await ns.clear();
    expect(await ns.count()).toBe(0);
    for (const bystander of bystanders) {
      expect(await bystander.count()).toBe(1);
      expect(await keysOf(bystander)).toEqual(['x']);
    }
  });

  it('keeps a foreign key at the end of the range out, and one at its very start in', async (context) => {
    if (!open.writeRaw || !open.rawKeys || nativeTtl) return context.skip();
    const start = freezeClock();
    const ns = open.storage.namespace('edge');
    const prefix = open.storage.prefix;
    // `<prefix>:edge::` is the range's first key (an empty key, which only another writer
    // makes); `<prefix>:edge:;` is its end, the first key past it.
    await open.writeRaw(`${prefix}:edge::`, recordExpiringAt(start - 1000));
    await open.writeRaw(`${prefix}:edge:;`, recordExpiringAt(start - 1000));
    await ns.set('mine', 1);
    expect(await ns.count({ includeExpired: true })).toBe(2);
    expect(await ns.count()).toBe(1);
    expect(await keysOf(ns, { includeExpired: true })).toEqual(['', 'mine']);
    expect(await ns.sweep()).toBe(1);
    await ns.clear();
    const left = await open.rawKeys();
    expect(left).not.toContain(`${prefix}:edge::`);
    expect(left).not.toContain(`${prefix}:edge::mine`);
    expect(left).toContain(`${prefix}:edge:;`);
  });

  it('treats an entry as expired from the millisecond its expiresAt names', async (context) => {
    if (nativeTtl) return context.skip();
    const start = freezeClock();
    const ns = open.storage.namespace('instant');
    await ns.set('k', 'v', { ttlMs: 1000 });
    await ns.set('t', 'v', { ttlMs: 1000 });
    const [entry] = await collect(ns.scan());
    expect(entry?.expiresAt).toBe(start + 1000);
    if (open.rawExpiresAt) expect(await open.rawExpiresAt(`${open.storage.prefix}:instant::k`)).toBe(start + 1000);

    vi.setSystemTime(start + 999);
    expect(await ns.count()).toBe(2);
    expect(await keysOf(ns)).toEqual(['k', 't']);
    expect(await ns.sweep()).toBe(0);
    expect(await ns.get('k')).toBe('v');

    vi.setSystemTime(start + 1000);
    expect(await ns.count()).toBe(0);
    expect(await ns.count({ includeExpired: true })).toBe(2);
    expect(await keysOf(ns)).toEqual([]);
    expect(await keysOf(ns, { includeExpired: true })).toEqual(['k', 't']);
    expect(await ns.touch('t', start + 60_000)).toBe(false);
    // A read at that very millisecond still finds it, as keyv's own check (`now > expires`) does.
    expect(await ns.get('k')).toBe('v');
    expect(await ns.sweep()).toBe(2);
    expect(await ns.count({ includeExpired: true })).toBe(0);
  });

  it('reads an expired entry as missing and deletes it on the way', async (context) => {
    if (nativeTtl || !open.rawKeys) return context.skip();
    const start = freezeClock();
    const ns = open.storage.namespace('read-expired');
    await ns.set('k', 'v', { ttlMs: 1000 });
    vi.setSystemTime(start + 1001);
    expect(await ns.get('k')).toBeUndefined();
    expect(await open.rawKeys()).not.toContain(`${open.storage.prefix}:read-expired::k`);
  });

  it('does not bring back an expired entry with touch', async (context) => {
    if (nativeTtl) return context.skip();
    const start = freezeClock();
    const ns = open.storage.namespace('touch-expired');
    await ns.set('k', { kept: true }, { ttlMs: 1000 });
    vi.setSystemTime(start + 2000);
    expect(await ns.touch('k', start + 60_000)).toBe(false);
    expect(await ns.touch('k', null)).toBe(false);
    expect(await ns.get('k')).toBeUndefined();
    expect(await ns.count()).toBe(0);
  });

  it('touch sets the exact instant it is given, rounded to the millisecond', async () => {
    const start = freezeClock();
    const ns = open.storage.namespace('touch-instant');
    await ns.set('k', { kept: true }, { ttlMs: 1000 });
    expect(await ns.touch('k', start + 90_000.6)).toBe(true);
    const [entry] = await collect(ns.scan());
    const [keyOnly] = await collect(ns.scan({ keysOnly: true }));
    if (nativeTtl) {
      expect(Math.abs((entry?.expiresAt ?? 0) - (start + 90_001))).toBeLessThan(1000);
      const ttl = await open.rawTtlMs?.(`${open.storage.prefix}:touch-instant::k`);
      expect(ttl).toBeGreaterThan(80_000);
      expect(ttl).toBeLessThanOrEqual(90_001);
    } else {
      expect(entry?.expiresAt).toBe(start + 90_001);
      expect(keyOnly?.expiresAt).toBe(start + 90_001);
      if (open.rawExpiresAt)
        expect(await open.rawExpiresAt(`${open.storage.prefix}:touch-instant::k`)).toBe(start + 90_001);
    }
    expect(await ns.get('k')).toEqual({ kept: true });
    await expect(ns.touch('k', Number.NaN)).rejects.toThrow(TypeError);
    await expect(ns.touch('k', Number.POSITIVE_INFINITY)).rejects.toThrow(/expiresAt must be a timestamp/);
  });

  it('touch to an earlier instant expires the entry then, and null keeps it forever', async (context) => {
    if (nativeTtl) return context.skip();
    const start = freezeClock();
    const ns = open.storage.namespace('touch-move');
    await ns.set('sooner', 1, { ttlMs: 60_000 });
    await ns.set('never', 2, { ttlMs: 1000 });
    expect(await ns.touch('sooner', start + 500)).toBe(true);
    expect(await ns.touch('never', null)).toBe(true);
    if (open.rawExpiresAt) expect(await open.rawExpiresAt(`${open.storage.prefix}:touch-move::never`)).toBeNull();
    vi.setSystemTime(start + 10 * 365 * 86_400_000);
    expect(await ns.count()).toBe(1);
    expect(await ns.sweep()).toBe(1);
    expect(await keysOf(ns, { includeExpired: true })).toEqual(['never']);
    expect(await ns.get('never')).toBe(2);
  });

  it('touch answers false for a missing key, with or without an expiry', async () => {
    const ns = open.storage.namespace('touch-missing');
    expect(await ns.touch('nobody', null)).toBe(false);
    expect(await ns.touch('nobody', Date.now() + 60_000)).toBe(false);
    expect(await ns.count()).toBe(0);
  });

  it('stores the TTL it is given from the instant of the call, and none for 0', async () => {
    const start = freezeClock();
    const ns = open.storage.namespace('ttl');
    await ns.set('ttl', 1, { ttlMs: 45_000 });
    await ns.set('zero', 2, { ttlMs: 0 });
    await ns.set('none', 3);
    await ns.set('versioned', 0);
    const read = await ns.getVersioned('versioned');
    expect(await ns.setIfVersion('versioned', read?.version ?? '', 5, { ttlMs: 0 })).not.toBe(false);
    await ns.set('versioned-ttl', 0);
    const readTtl = await ns.getVersioned('versioned-ttl');
    expect(await ns.setIfVersion('versioned-ttl', readTtl?.version ?? '', 6, { ttlMs: 45_000 })).not.toBe(false);
    const expiries = Object.fromEntries((await collect(ns.scan())).map((entry) => [entry.key, entry.expiresAt]));
    expect(expiries.zero).toBeNull();
    expect(expiries.none).toBeNull();
    expect(expiries.versioned).toBeNull();
    for (const key of ['ttl', 'versioned-ttl']) {
      if (nativeTtl) {
        expect(Math.abs((expiries[key] ?? 0) - (start + 45_000))).toBeLessThan(1000);
        const ttl = await open.rawTtlMs?.(`${open.storage.prefix}:ttl::${key}`);
        expect(ttl).toBeGreaterThan(40_000);
        expect(ttl).toBeLessThanOrEqual(45_000);
      } else {
        expect(expiries[key]).toBe(start + 45_000);
      }
    }
    if (nativeTtl) expect(await open.rawTtlMs?.(`${open.storage.prefix}:ttl::versioned`)).toBeNull();
    await expect(ns.set('bad', 1, { ttlMs: -1 })).rejects.toThrow(/ttlMs must be a whole number/);
    await expect(ns.set('bad', 1, { ttlMs: 1.5 })).rejects.toThrow(TypeError);
    await expect(ns.setIfVersion('bad', '', 1, { ttlMs: -1 })).rejects.toThrow(TypeError);
  });

  it('reports the same expiry with keysOnly as with values', async () => {
    const ns = open.storage.namespace('keys-only');
    await ns.set('a', 'x'.repeat(100), { ttlMs: 60_000 });
    await ns.set('b', 'y');
    const full = await collect(ns.scan());
    const keysOnly = await collect(ns.scan({ keysOnly: true }));
    const expiry = (entries: StorageEntry[], key: string) => entries.find((entry) => entry.key === key)?.expiresAt;
    expect(expiry(keysOnly, 'b')).toBeNull();
    if (nativeTtl) expect(Math.abs((expiry(keysOnly, 'a') ?? 0) - (expiry(full, 'a') ?? 0))).toBeLessThan(1000);
    else expect(expiry(keysOnly, 'a')).toBe(expiry(full, 'a'));
    expect(expiry(keysOnly, 'a')).toBeGreaterThan(Date.now() + 50_000);
    const size = (entries: StorageEntry[], key: string) => entries.find((entry) => entry.key === key)?.size;
    expect(size(keysOnly, 'a')).toBe(size(full, 'a'));
    expect(size(keysOnly, 'a')).toBeGreaterThan(100);
    expect(keysOnly.every((entry) => entry.value === undefined && entry.corrupt === undefined)).toBe(true);
  });

  it('pages through a namespace whose size is a multiple of the page size', async () => {
    const ns = open.storage.namespace('pages');
    const keys = Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    // Written last key first: a backend that keeps write order must still page in key order.
    for (const key of [...keys].reverse()) await ns.set(key, key);
    for (const pageSize of [1, 3, 4, 6, 12, 13]) expect(await keysOf(ns, { pageSize })).toEqual(keys);
  });

  it('refuses a page size that is not a whole number of at least one, instead of listing too little', async () => {
    const ns = open.storage.namespace('page-size');
    for (const key of ['a', 'b', 'c']) await ns.set(key, key);
    for (const pageSize of [0, -1, 0.5, 2.5, Number.NaN]) {
      await expect(keysOf(ns, { pageSize })).rejects.toThrow(/pageSize must be a whole number/);
    }
    expect(await keysOf(ns, { pageSize: 1 })).toEqual(['a', 'b', 'c']);
    expect(await keysOf(ns)).toEqual(['a', 'b', 'c']);
  });

  it('hides an expired record whose expiry is not at its head, and reports a live one', async (context) => {
    if (!open.writeRaw || nativeTtl) return context.skip();
    const start = freezeClock();
    const ns = open.storage.namespace('reordered');
    // Written by another tool that put the fields in another order.
    await open.writeRaw(`${open.storage.prefix}:reordered::past`, `{"value":1,"expires":${start - 1}}`);
    await open.writeRaw(`${open.storage.prefix}:reordered::now`, `{"value":3,"expires":${start}}`);
    await open.writeRaw(`${open.storage.prefix}:reordered::future`, `{"value":2,"expires":${start + 60_000}}`);
    const entries = await collect(ns.scan());
    expect(entries.map((entry) => [entry.key, entry.expiresAt])).toEqual([['future', start + 60_000]]);
    expect(await ns.get('past')).toBeUndefined();
  });

  it('refuses to swap in undefined, naming the key, and leaves the entry as it was', async () => {
    const ns = open.storage.namespace('swap-undefined');
    await ns.set('k', 'before', { ttlMs: 60_000 });
    const read = await ns.getVersioned('k');
    await expect(ns.setIfVersion('k', read?.version ?? '', undefined)).rejects.toThrow(
      /cannot store undefined under "k"/,
    );
    expect(await ns.get('k')).toBe('before');
  });
});
