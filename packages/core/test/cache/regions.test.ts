import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheManager, ConfigError, createStorage, createVessel, loadConfig, parseFlatConfig } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vessel-regions-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('regions from configuration', () => {
  it('reads Beaker-style regions with Vessel’s own options, defaults from the cache level', async () => {
    const file = path.join(dir, 'app.ini');
    await writeFile(
      file,
      [
        '[app:main]',
        'beaker.cache.regions = short_term, long_term',
        'beaker.cache.expire = 5m',
        'beaker.cache.grace = 30',
        'beaker.cache.short_term.expire = 60',
        'beaker.cache.short_term.refresh_ahead = 10',
        'beaker.cache.long_term.expire = 1d',
        'beaker.cache.long_term.type = sqlite',
        'beaker.cache.long_term.cache_dir = ./long',
        'beaker.cache.long_term.local_max_entries = 1000',
        'beaker.cache.long_term.local_ttl = 2s',
        'beaker.cache.long_term.wait_timeout = 1m',
        'beaker.cache.long_term.lock_ttl = 2m',
        'beaker.cache.long_term.create_timeout = 10m',
        'beaker.cache.long_term.stale_while_recreate = 0',
        '',
      ].join('\n'),
    );
    const config = await loadConfig(file);
    const manager = new CacheManager(config.cache);
    expect(manager.config.regions.short_term).toMatchObject({
      expire: 60,
      refreshAhead: 10,
      grace: 30,
      waitTimeout: 30,
    });
    expect(manager.config.regions.long_term).toMatchObject({
      expire: 86_400,
      type: 'sqlite',
      cacheDir: path.join(dir, 'long'),
      localMaxEntries: 1000,
      localTtl: 2,
      waitTimeout: 60,
      lockTtl: 120,
      createTimeout: 600,
      staleWhileRecreate: 0,
      grace: 30,
    });
    expect(manager.getCache('x', { region: 'short_term' }).policy).toMatchObject({ expire: 60, keyLength: 250 });
    await manager.close();
  });

  it('names the option and the value that are wrong', () => {
    const flat = (entries: Record<string, string>) => () => parseFlatConfig({ 'cache.regions': 'r', ...entries });
    expect(flat({ 'cache.r.grace': 'soon' })).toThrow(/^cache\.r\.grace: expected a duration/);
    expect(flat({ 'cache.r.local_max_entries': '0' })).toThrow(
      'cache.r.local_max_entries: expected an integer of at least 1, got "0"',
    );
    expect(flat({ 'cache.r.wait_timeout': '0' })).toThrow(/^cache\.r\.wait_timeout: expected a positive duration/);
    expect(flat({ 'cache.r.create_timeout': '0' })).toThrow(/^cache\.r\.create_timeout: expected a positive duration/);
    expect(flat({ 'cache.r.expire': '-1' })).toThrow(/^cache\.r\.expire: expected/);
    expect(flat({ 'cache.r.type': 'mongo' })).toThrow(/^cache\.r\.type: expected one of sqlite, file, redis/);
    expect(flat({ 'cache.r.expiry': '60' })).toThrow('cache.r.expiry: unknown option; did you mean cache.r.expire?');
  });

  it('checks getCache options and region names the same way', () => {
    const manager = new CacheManager({ regions: { short_term: { expire: 60 } } });
    expect(() => manager.getCache('x', { expire: 0 })).toThrow(ConfigError);
    expect(() => manager.getCache('x', { expire: 0 })).toThrow(
      /^getCache\("x"\)\.expire: expected a positive duration/,
    );
    expect(() => manager.getCache('x', { region: 'mid_term' })).toThrow(
      'cache.regions.mid_term: no such region; configured: short_term',
    );
    expect(() => manager.getCache('not valid!')).toThrow(/invalid namespace "cache:not valid!"/);
    expect(manager.getCache('x', { region: 'short_term', expire: '2m' }).policy.expire).toBe(120);
  });
});

describe('regions with a storage of their own', () => {
  it('opens the region’s backend on first use, and closes it with the manager', async () => {
    const shared = createStorage({ type: 'memory' });
    const regionDir = path.join(dir, 'region-sqlite');
    const manager = new CacheManager(
      { regions: { disk: { type: 'sqlite', cacheDir: regionDir, expire: 60 } } },
      shared,
    );
    const cache = manager.getCache('reports', { region: 'disk' });
    await cache.set('q1', { total: 42 });
    expect(await cache.get('q1')).toEqual({ total: 42 });

    const reader = createStorage({ cacheDir: regionDir });
    const stored = await reader.namespace('cache:reports').get('q1');
    // [createdAt, freshForMs, value]: see docs/caching.md, "What is stored".
    expect(stored).toEqual([expect.any(Number), 60_000, { total: 42 }]);
    // Entries stored as objects, the layout before the array, still read as entries.
    const createdAt = Date.now();
    await reader
      .namespace('cache:reports')
      .set('q0', { value: { total: 7 }, createdAt, freshUntil: createdAt + 60_000 });
    expect(await cache.get('q0')).toEqual({ total: 7 });
    await reader.close();

    await manager.close();
    await expect(cache.get('q1')).rejects.toThrow(/is closed/);
    await shared.close();
  });

  it('createVessel: caching needs no session secret; sessions say they need one when first used', async () => {
    const vessel = createVessel({ type: 'memory', cache: { regions: { short_term: { expire: 60 } } } });
    try {
      const square = vessel.cache.region('short_term', 'squares')(async (n: number) => n * n);
      expect(await square(7)).toBe(49);
      expect(() => vessel.sessions).toThrow('session.secret: required to sign session cookies');
    } finally {
      await vessel.close();
    }
  });

  it('createVessel: a region of type sqlite without a folder uses cacheDir, and shares the prefix', async () => {
    const cacheDir = path.join(dir, 'vessel');
    const vessel = createVessel({
      url: 'redis://127.0.0.1:6379',
      prefix: `vt${process.pid}`,
      cacheDir,
      session: { secret: 'regions test secret, 32 bytes or more' },
      cache: { regions: { local: { type: 'sqlite', expire: 60 } } },
    });
    try {
      await vessel.cache.getCache('pages', { region: 'local' }).set('home', '<html>');
      const reader = createStorage({ cacheDir, prefix: `vt${process.pid}` });
      expect(await reader.namespace('cache:pages').has('home')).toBe(true);
      await reader.close();
    } finally {
      await vessel.close();
    }
  });
});
