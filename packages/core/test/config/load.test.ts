import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, normalizeConfig } from '../../src/config/index.js';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'vessel-config-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(folder, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

describe('loadConfig discovery', () => {
  it('returns the defaults and no file when the folder has no config', async () => {
    const config = await loadConfig(undefined, { cwd: folder });
    expect(config.configFile).toBeUndefined();
    const { configFile: _, ...rest } = config;
    expect(rest).toEqual(normalizeConfig({}));
  });

  it('finds vessel.ini in cwd', async () => {
    const file = await write('vessel.ini', '[vessel]\nsession.timeout = 15m\n');
    const config = await loadConfig(undefined, { cwd: folder });
    expect(config.configFile).toBe(file);
    expect(config.session.timeout).toBe(900);
  });

  it('finds vessel.config.json when there is no vessel.ini', async () => {
    const file = await write('vessel.config.json', JSON.stringify({ session: { timeout: '2h' } }));
    const config = await loadConfig(undefined, { cwd: folder });
    expect(config.configFile).toBe(file);
    expect(config.session.timeout).toBe(7200);
  });

  it('prefers vessel.ini over vessel.config.json', async () => {
    const ini = await write('vessel.ini', 'session.key = from-ini\n');
    await write('vessel.config.json', JSON.stringify({ session: { key: 'from-json' } }));
    const config = await loadConfig(undefined, { cwd: folder });
    expect(config.configFile).toBe(ini);
    expect(config.session.key).toBe('from-ini');
  });

  it('does not look in parent folders', async () => {
    await write('vessel.ini', 'session.key = parent\n');
    await mkdir(path.join(folder, 'child'));
    const config = await loadConfig(undefined, { cwd: path.join(folder, 'child') });
    expect(config.configFile).toBeUndefined();
  });
});

describe('loadConfig with a path', () => {
  it('reads a Beaker-style ini given relative to cwd', async () => {
    await write(
      'conf/production.ini',
      '[app:main]\nuse = egg:myapp\nbeaker.session.secret = s1, s0\nbeaker.cache.regions = short_term\nbeaker.cache.short_term.expire = 60\n',
    );
    const config = await loadConfig('conf/production.ini', { cwd: folder });
    expect(config.configFile).toBe(path.join(folder, 'conf/production.ini'));
    expect(config.session.secret).toEqual(['s1', 's0']);
    expect(config.cache.regions.short_term?.expire).toBe(60);
  });

  it('reads flat JSON when a top-level key contains a dot', async () => {
    const file = await write(
      'flat.json',
      JSON.stringify({ 'session.timeout': 60, 'session.secure': 'yes', 'cache.regions': ['a'] }),
    );
    const config = await loadConfig(file);
    expect(config.session).toMatchObject({ timeout: 60, secure: true });
    expect(Object.keys(config.cache.regions)).toEqual(['a']);
  });

  it('reads the object form from JSON and refuses its unknown keys', async () => {
    const good = await write(
      'object.json',
      JSON.stringify({ type: 'memory', cache: { regions: { a: { expire: '1m' } } } }),
    );
    expect((await loadConfig(good)).cache.regions.a?.expire).toBe(60);
    const bad = await write('typo.json', JSON.stringify({ sesion: { timeout: 1 } }));
    await expect(loadConfig(bad)).rejects.toThrow(`sesion: unknown option; did you mean session? (in ${bad})`);
  });

  it('refuses JSON that mixes flat keys with nested objects', async () => {
    const file = await write('mixed.json', JSON.stringify({ 'session.timeout': 60, cache: { enabled: false } }));
    await expect(loadConfig(file)).rejects.toThrow(
      /mixes flat keys \("session\.timeout"\) with a nested object \("cache"\)/,
    );
  });

  it('names the file of invalid JSON', async () => {
    const file = await write('broken.json', '{ "session": ');
    await expect(loadConfig(file)).rejects.toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON`),
    );
  });

  it('names the file and line of an ini syntax error', async () => {
    const file = await write('bad.ini', '[app:main]\nsession.key = a\noops\n');
    await expect(loadConfig(file)).rejects.toThrow(`${file}:3: expected "key = value"`);
  });

  it('names the file of a bad value', async () => {
    const file = await write('vessel.ini', 'session.timeout = soon\n');
    await expect(loadConfig(file)).rejects.toThrow(
      `session.timeout: expected a duration like 90, "15m" or "2h", got "soon" (in ${file})`,
    );
  });

  it('refuses a missing explicit file, naming its path', async () => {
    const missing = path.join(folder, 'nope.ini');
    await expect(loadConfig('nope.ini', { cwd: folder })).rejects.toThrow(`config: no such file: ${missing}`);
  });

  it('refuses file types it cannot read', async () => {
    const file = await write('vessel.yaml', 'session: {}');
    await expect(loadConfig(file)).rejects.toThrow(/expected a \.ini or \.json file/);
  });
});

describe('relative folders in a config file', () => {
  it("resolves against the file's folder, not the process cwd", async () => {
    await write(
      'app/vessel.ini',
      [
        'cache_dir = ./data',
        'session.cache_dir = sessions',
        'session.url = sqlite://db/sessions.sqlite',
        'cache.regions = big',
        'cache.big.cache_dir = ../shared/big',
        'cache.big.url = sqlite:///abs/cache.sqlite',
      ].join('\n'),
    );
    const appFolder = path.join(folder, 'app');
    const config = await loadConfig(undefined, { cwd: appFolder });
    expect(config.cacheDir).toBe(path.join(appFolder, 'data'));
    expect(config.session.cacheDir).toBe(path.join(appFolder, 'sessions'));
    expect(config.session.url).toBe(`sqlite://${path.join(appFolder, 'db/sessions.sqlite')}`);
    expect(config.cache.regions.big?.cacheDir).toBe(path.join(folder, 'shared/big'));
    expect(config.cache.regions.big?.url).toBe('sqlite:///abs/cache.sqlite');

    // The CLI run from elsewhere, pointing at the same file, sees the same folders.
    const elsewhere = await loadConfig('app/vessel.ini', { cwd: folder });
    expect(elsewhere.cacheDir).toBe(config.cacheDir);
  });

  it('leaves absolute folders and non-sqlite URLs alone', async () => {
    const file = await write(
      'vessel.config.json',
      JSON.stringify({ cacheDir: '/var/lib/vessel', url: 'redis://h:6379' }),
    );
    const config = await loadConfig(file);
    expect(config.cacheDir).toBe('/var/lib/vessel');
    expect(config.url).toBe('redis://h:6379');
  });

  it('leaves relative folders given in code alone', () => {
    expect(normalizeConfig({ cacheDir: './data' }).cacheDir).toBe('./data');
  });
});
