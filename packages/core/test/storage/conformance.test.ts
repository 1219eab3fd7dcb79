import { CorruptEntryError, createStorage, LockTimeoutError, type Namespace, type StorageEntry } from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';

async function collect(iterable: AsyncIterable<StorageEntry>): Promise<StorageEntry[]> {
  const entries: StorageEntry[] = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

/** Runs `count` writes with at most `width` in flight. */
async function fill(namespace: Namespace, count: number, value: (i: number) => unknown, width = 64): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await namespace.set(`key-${String(i).padStart(6, '0')}`, value(i));
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

describe.each(BACKENDS)('storage conformance: $name', (backend) => {
  let open: OpenBackend;
  let nativeTtl: boolean;

  beforeAll(async () => {
    open = await backend.open();
    nativeTtl = open.storage.capabilities.nativeTtl;
    await open.storage.ping();
  });

  afterAll(async () => {
    await open?.cleanup();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** Lets `ttlMs` pass: on the clock the backend uses (Redis' own), or on a fake one. */
  async function letExpire(namespace: Namespace, key: string, ttlMs: number): Promise<void> {
    if (nativeTtl) {
      // Redis expires keys on its own clock: wait for the event, bounded.
      const deadline = Date.now() + 5000;
      while ((await namespace.has(key)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return;
    }
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    vi.setSystemTime(Date.now() + ttlMs + 1);
  }

  describe('single keys', () => {
    it('reads back what it stored, and nothing for a missing key', async () => {
      const ns = open.storage.namespace('basic');
      await ns.set('ada', { name: 'Ada', langs: ['en', 'fr'], age: 36, admin: true, nothing: null });
      expect(await ns.get('ada')).toEqual({ name: 'Ada', langs: ['en', 'fr'], age: 36, admin: true, nothing: null });
      expect(await ns.get('nobody')).toBeUndefined();
      expect(await ns.has('ada')).toBe(true);
      expect(await ns.has('nobody')).toBe(false);
    });

    it('overwrites, deletes and reports whether a delete found something', async () => {
      const ns = open.storage.namespace('basic');
      await ns.set('k', 1);
      await ns.set('k', 2);
      expect(await ns.get('k')).toBe(2);
      expect(await ns.delete('k')).toBe(true);
      expect(await ns.delete('k')).toBe(false);
      expect(await ns.get('k')).toBeUndefined();
    });

    it('keeps types through a round trip: Date, Map, Set, BigInt, Buffer, undefined, NaN, nested', async () => {
      const ns = open.storage.namespace('types');
      const value = {
        when: new Date('2026-11-25T10:00:00.000Z'),
        map: new Map<unknown, unknown>([
          ['a', 1],
          [2, new Set([new Date(0)])],
        ]),
        set: new Set(['x', 'y']),
        big: 12345678901234567890n,
        bytes: Buffer.from([0, 1, 254, 255]),
        missing: undefined,
        notANumber: Number.NaN,
        infinite: Number.NEGATIVE_INFINITY,
        nested: { deeper: [{ $dollar: 'kept', $: 'tag-like key', '': 'empty key' }] },
        regex: /ab+c/gi,
      };
      await ns.set('rich', value);
      const back = await ns.get<typeof value>('rich');
      expect(back).toEqual(value);
      expect(back?.when).toBeInstanceOf(Date);
      expect(back?.map).toBeInstanceOf(Map);
      expect(back?.big).toBe(12345678901234567890n);
      expect(Buffer.isBuffer(back?.bytes)).toBe(true);
      expect(Object.hasOwn(back ?? {}, 'missing')).toBe(true);
    });

    it('stores a "__proto__" key as data, never as a prototype', async () => {
      const ns = open.storage.namespace('types');
      await ns.set('proto', JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'));
      await ns.set('proto-rich', { when: new Date(0), inner: JSON.parse('{"__proto__": {"polluted": true}}') });
      const plain = await ns.get<Record<string, unknown>>('proto');
      const rich = await ns.get<{ inner: Record<string, unknown> }>('proto-rich');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(rich?.inner)).toBe(Object.prototype);
      expect(Object.hasOwn(rich?.inner ?? {}, '__proto__')).toBe(true);
    });

    it('accepts unicode and punctuation in keys', async () => {
      const ns = open.storage.namespace('keys');
      const keys = [
        'ünïcødé-ключ-鍵-🔑',
        'with:colons::and::more',
        'spaces and / slashes',
        '../../etc/passwd',
        '*?[glob]',
      ];
      for (const key of keys) await ns.set(key, key.length);
      for (const key of keys) expect(await ns.get(key)).toBe(key.length);
      const listed = (await collect(ns.scan())).map((entry) => entry.key).sort();
      expect(listed).toEqual([...keys].sort());
    });

    it('refuses values and keys it cannot store, naming them', async () => {
      const ns = open.storage.namespace('basic');
      await expect(ns.set('fn', { handler: () => 1 })).rejects.toThrow(/cannot store a function at handler/);
      await expect(ns.set('undef', undefined)).rejects.toThrow(/undefined/);
      await expect(ns.set('', 1)).rejects.toThrow(/invalid key/);
      await expect(ns.get('nul\0byte')).rejects.toThrow(/invalid key/);
      expect(() => open.storage.namespace('bad::name')).toThrow(/invalid namespace/);
      expect(() => open.storage.namespace('__lock__')).toThrow(/invalid namespace/);
    });
  });

  describe('expiry', () => {
    it('forgets an entry once its TTL has passed', async () => {
      const ns = open.storage.namespace('expiry');
      await ns.set('short', 'soon gone', { ttlMs: 200 });
      await ns.set('forever', 'stays');
      expect(await ns.get('short')).toBe('soon gone');
      await letExpire(ns, 'short', 200);
      expect(await ns.get('short')).toBeUndefined();
      expect(await ns.has('short')).toBe(false);
      expect(await ns.get('forever')).toBe('stays');
      await ns.delete('forever');
    });

    it('reports expiresAt in scan, and hides expired entries unless asked', async () => {
      const ns = open.storage.namespace('expiry-scan');
      const before = Date.now();
      await ns.set('a', 1, { ttlMs: 60_000 });
      await ns.set('b', 2);
      await ns.set('c', 3, { ttlMs: 150 });
      const [a, b] = (await collect(ns.scan())).sort((x, y) => x.key.localeCompare(y.key));
      expect(a?.expiresAt).toBeGreaterThanOrEqual(before + 59_000);
      expect(a?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
      expect(b?.expiresAt).toBeNull();
      await letExpire(ns, 'c', 150);
      expect((await collect(ns.scan())).map((e) => e.key).sort()).toEqual(['a', 'b']);
      expect(await ns.count()).toBe(2);
      if (!nativeTtl) {
        expect((await collect(ns.scan({ includeExpired: true }))).map((e) => e.key).sort()).toEqual(['a', 'b', 'c']);
        expect(await ns.count({ includeExpired: true })).toBe(3);
      }
    });

    it('touch moves the expiry without losing the value, and null makes it permanent', async () => {
      const ns = open.storage.namespace('touch');
      await ns.set('t', { keep: new Date(5) }, { ttlMs: 300 });
      const later = Date.now() + 120_000;
      const started = performance.now();
      expect(await ns.touch('t', later)).toBe(true);
      const [entry] = await collect(ns.scan());
      // Redis keeps the time left (PEXPIRE) and reads back now + PTTL: off from the instant by at
      // most the time the touch and the scan spent in flight (plus PTTL's whole milliseconds).
      // Other backends keep the instant itself. A bound from the test's own timing, not a guess.
      const inFlightMs = Math.ceil(performance.now() - started) + 2;
      expect(Math.abs((entry?.expiresAt ?? 0) - later)).toBeLessThanOrEqual(nativeTtl ? inFlightMs : 0);
      await letExpireBeyond(300);
      expect(await ns.get('t')).toEqual({ keep: new Date(5) });
      expect(await ns.touch('t', null)).toBe(true);
      expect((await collect(ns.scan()))[0]?.expiresAt).toBeNull();
      expect(await ns.touch('missing', later)).toBe(false);
    });

    it('touch to the past expires the entry now', async () => {
      const ns = open.storage.namespace('touch');
      await ns.set('gone', 1);
      expect(await ns.touch('gone', Date.now() - 1000)).toBe(true);
      expect(await ns.get('gone')).toBeUndefined();
    });

    it('sweep deletes expired entries only and says how many', async () => {
      const ns = open.storage.namespace('sweep');
      // Bystanders whose full keys sort right below (`sweep-other`) and right above (`sweep:above`)
      // the swept namespace's key range: a sweep that lost either bound would delete them.
      const below = open.storage.namespace('sweep-other');
      const above = open.storage.namespace('sweep:above');
      for (let i = 0; i < 5; i++) await ns.set(`old-${i}`, i, { ttlMs: 100 });
      await ns.set('fresh', 'kept', { ttlMs: 600_000 });
      await ns.set('forever', 'kept');
      await below.set('old-in-other', 1, { ttlMs: 100 });
      await above.set('old-above', 1, { ttlMs: 100 });
      await letExpire(ns, 'old-4', 100);
      const swept = await ns.sweep();
      expect(swept).toBe(nativeTtl ? 0 : 5); // Redis already dropped them itself
      expect(await ns.count({ includeExpired: true })).toBe(2);
      expect(await ns.get('fresh')).toBe('kept');
      if (!nativeTtl) {
        expect(await below.count({ includeExpired: true })).toBe(1);
        expect(await above.count({ includeExpired: true })).toBe(1);
      }
    });

    async function letExpireBeyond(ms: number): Promise<void> {
      if (nativeTtl) {
        await new Promise((r) => setTimeout(r, ms + 50)); // Redis' clock cannot be faked
        return;
      }
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      vi.setSystemTime(Date.now() + ms + 1);
    }
  });

  describe('namespaces', () => {
    it('keep their keys apart, even when names and keys share colons', async () => {
      const cache = open.storage.namespace('iso:cache');
      const users = open.storage.namespace('iso:cache:users');
      await cache.set('users::x', 'in cache');
      await cache.set('users:x', 'in cache too');
      await users.set('x', 'in users');
      expect(await cache.get('users::x')).toBe('in cache');
      expect(await users.get('x')).toBe('in users');
      expect((await collect(cache.scan())).map((e) => e.key).sort()).toEqual(['users:x', 'users::x'].sort());
      expect(await users.count()).toBe(1);
      await cache.clear();
      expect(await cache.count()).toBe(0);
      expect(await users.get('x')).toBe('in users');
      await users.clear();
    });

    it('clear and sweep never touch keys Vessel did not write', async (context) => {
      if (!open.writeRaw || !open.rawKeys) return context.skip();
      const ns = open.storage.namespace('shared');
      await ns.set('mine', 1);
      const prefix = open.storage.prefix;
      const foreign = [
        `${prefix}:shared:mine`,
        `${prefix}:shared`,
        `${prefix}:sharedX::k`,
        `${prefix}-other:shared::k`,
        'unrelated',
      ];
      if (open.storage.type === 'redis') foreign.pop(); // outside this run's prefix, cleanup could not find it
      for (const key of foreign) await open.writeRaw(key, 'foreign bytes');
      await ns.clear();
      await ns.sweep();
      const left = await open.rawKeys();
      for (const key of foreign.filter((key) => key.startsWith(prefix))) expect(left).toContain(key);
      expect(left).not.toContain(`${prefix}:shared::mine`);
    });
  });

  describe('scan', () => {
    it('streams every entry once, in pages, with key, size and value', async () => {
      const ns = open.storage.namespace('paged');
      await fill(ns, 53, (i) => ({ i }));
      const entries = await collect(ns.scan({ pageSize: 7 }));
      expect(entries).toHaveLength(53);
      expect(new Set(entries.map((e) => e.key)).size).toBe(53);
      for (const entry of entries) {
        expect(entry.value).toEqual({ i: Number(entry.key.slice(4)) });
        expect(entry.size).toBeGreaterThan(0);
      }
      const keysOnly = await collect(ns.scan({ keysOnly: true, pageSize: 10 }));
      expect(keysOnly).toHaveLength(53);
      expect(keysOnly.every((e) => e.value === undefined && e.size > 0)).toBe(true);
      expect(await ns.count()).toBe(53);
    });

    it('lists an undecodable entry as corrupt, and get names it', async (context) => {
      if (!open.writeRaw) return context.skip();
      const ns = open.storage.namespace('corrupt');
      await ns.set('good', 1);
      await open.writeRaw(`${open.storage.prefix}:corrupt::bad`, '\u00ff garbage {');
      await expect(ns.get('bad')).rejects.toBeInstanceOf(CorruptEntryError);
      await expect(ns.get('bad')).rejects.toThrow(/"bad" in namespace "corrupt"/);
      const entries = await collect(ns.scan());
      const bad = entries.find((e) => e.key === 'bad');
      expect(bad?.corrupt).toMatch(/not JSON/);
      expect(entries.find((e) => e.key === 'good')?.value).toBe(1);
      expect(await ns.delete('bad')).toBe(true);
    });

    it('lists a corrupt entry whose head names no expiry number as live and never expiring', async (context) => {
      if (!open.writeRaw) return context.skip();
      const ns = open.storage.namespace('corrupt-head');
      const heads = ['{"expires":"soon","value":{}}', '{"expires":', '{"expires":12abc,"value":1}'];
      for (const [index, head] of heads.entries())
        await open.writeRaw(`${open.storage.prefix}:corrupt-head::k${index}`, head);
      const entries = await collect(ns.scan());
      expect(entries.map((e) => e.key).sort()).toEqual(heads.map((_, index) => `k${index}`));
      expect(entries.every((e) => e.expiresAt === null)).toBe(true);
      expect(await ns.count()).toBe(heads.length);
      expect(await ns.sweep()).toBe(0);
    });
  });

  describe('versioned writes', () => {
    it('writes only over the version it read, once', async () => {
      const ns = open.storage.namespace('versioned');
      await ns.set('doc', { n: 1, at: new Date(1) });
      const read = await ns.getVersioned<{ n: number; at: Date }>('doc');
      expect(read?.value).toEqual({ n: 1, at: new Date(1) });
      const written = await ns.setIfVersion('doc', read?.version ?? '', { n: 2 }, { ttlMs: 60_000 });
      expect(written?.value).toEqual({ n: 2 });
      expect(await ns.setIfVersion('doc', read?.version ?? '', { n: 3 })).toBe(false);
      expect(await ns.get('doc')).toEqual({ n: 2 });
      const [entry] = await collect(ns.scan());
      expect(entry?.expiresAt).toBeGreaterThan(Date.now() + 50_000);
      // The version handed back is what a fresh read sees.
      expect((await ns.getVersioned('doc'))?.version).toBe(written?.version);
    });

    it('refuses a version after someone else wrote, and a key that vanished', async () => {
      const ns = open.storage.namespace('versioned');
      await ns.set('other', 'a');
      const read = await ns.getVersioned('other');
      await ns.set('other', 'b');
      expect(await ns.setIfVersion('other', read?.version ?? '', 'c')).toBe(false);
      await ns.delete('other');
      expect(await ns.setIfVersion('other', read?.version ?? '', 'c')).toBe(false);
      expect(await ns.get('other')).toBeUndefined();
      expect(await ns.getVersioned('missing')).toBeUndefined();
    });

    it('lets parallel read-modify-write loops lose no update', async () => {
      const ns = open.storage.namespace('versioned');
      await ns.set('counter', 0);
      const increment = async () => {
        for (;;) {
          const read = await ns.getVersioned<number>('counter');
          if (await ns.setIfVersion('counter', read?.version ?? '', (read?.value ?? 0) + 1)) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, increment));
      expect(await ns.get('counter')).toBe(20);
    });
  });

  describe('locks', () => {
    it('excludes a second holder until the first releases', async () => {
      const ns = open.storage.namespace('locks');
      const first = await ns.lock('job');
      await expect(ns.lock('job', { waitMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
      const other = await ns.lock('other-job', { waitMs: 0 });
      await other.release();
      const waiting = ns.lock('job', { waitMs: 5000 });
      await first.release();
      await first.release(); // twice is harmless
      const second = await waiting;
      await second.release();
    });

    it('frees a lock whose holder vanished once its TTL passes', async () => {
      const ns = open.storage.namespace('locks');
      await ns.lock('crashed', { ttlMs: 150 }); // never released
      const started = Date.now();
      const next = await ns.lock('crashed', { waitMs: 5000 });
      expect(Date.now() - started).toBeLessThan(5000);
      await next.release();
    });

    it('keeps a renewed lock past its TTL, and says when a lapsed one was taken over', async () => {
      const ns = open.storage.namespace('locks');
      const held = await ns.lock('renewed', { ttlMs: 600 });
      // Renewed every 150 ms for 900 ms: one and a half TTLs in which nobody else gets it.
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(await held.extend()).toBe(true);
      }
      await expect(ns.lock('renewed', { waitMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
      await held.release();
      expect(await held.extend()).toBe(false);

      const lapsed = await ns.lock('lapsed', { ttlMs: 100 });
      const next = await ns.lock('lapsed', { waitMs: 5000 });
      expect(await lapsed.extend()).toBe(false);
      await expect(ns.lock('lapsed', { waitMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
      await next.release();
    });

    it('serialises read-modify-write cycles across storages on the same data', async () => {
      // A second storage over the same data stands in for a second process (memory has no such thing).
      const peer = backend.type === 'memory' ? open.storage : createStorage(open.input);
      const ns = open.storage.namespace('counter');
      const nsPeer = peer.namespace('counter');
      await ns.set('n', 0);
      const increment = (target: Namespace) =>
        target.withLock('n', async () => {
          const current = (await target.get<number>('n')) ?? 0;
          await new Promise((r) => setImmediate(r));
          await target.set('n', current + 1);
        });
      await Promise.all(Array.from({ length: 30 }, (_, i) => increment(i % 2 ? ns : nsPeer)));
      expect(await ns.get('n')).toBe(30);
      if (peer !== open.storage) await peer.close();
    });
  });

  describe('lifecycle', () => {
    it('fails clearly after close', async () => {
      const extra = await backend.open();
      const ns = extra.storage.namespace('closing');
      await ns.set('a', 1);
      await extra.cleanup();
      await expect(ns.get('a')).rejects.toThrow(/closed/);
    });
  });
});

describe.each(BACKENDS.filter((b) => b.type !== 'memory'))('large scans: $name', (backend) => {
  it('pages through 20,000 entries by key, in bounded pages', async () => {
    const open = await backend.open();
    try {
      const ns = open.storage.namespace('large');
      await fill(ns, 20_000, (i) => ({ i, payload: 'x'.repeat(64) }), 128);
      let seen = 0;
      const keys = new Set<string>();
      for await (const entry of ns.scan({ pageSize: 1000, keysOnly: true })) {
        seen++;
        keys.add(entry.key);
      }
      expect(seen).toBe(20_000);
      expect(keys.size).toBe(20_000);
      expect(await ns.count()).toBe(20_000);
      await ns.clear();
      expect(await ns.count()).toBe(0);
    } finally {
      await open.cleanup();
    }
  });
});
