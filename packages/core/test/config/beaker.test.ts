import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, normalizeConfig, parseFlatConfig } from '../../src/config/index.js';

describe("Beaker's storage type names", () => {
  it('reads ext:redis and dbm as Vessel backends', () => {
    expect(normalizeConfig({ type: 'ext:redis' as never, url: 'redis://h:6379' }).type).toBe('redis');
    expect(parseFlatConfig({ 'beaker.session.type': 'dbm' }).session?.type).toBe('sqlite');
    expect(parseFlatConfig({ 'beaker.cache.regions': 'a', 'beaker.cache.a.type': 'ext:redis' }).cache).toEqual({
      regions: { a: { type: 'redis' } },
    });
  });

  it('reads ext:rediscluster with a comma-separated url as cluster seeds', () => {
    expect(parseFlatConfig({ type: 'ext:rediscluster', url: 'redis://a:7000, redis://b:7001' })).toEqual({
      type: 'redis',
      cluster: ['redis://a:7000', 'redis://b:7001'],
    });
  });

  it('reads ext:database from its SQLAlchemy URL', () => {
    expect(parseFlatConfig({ type: 'ext:database', url: 'postgresql+psycopg2://app@db:5432/app' })).toEqual({
      type: 'postgres',
      url: 'postgres://app@db:5432/app',
    });
    expect(parseFlatConfig({ type: 'ext:database', url: 'sqlite:///data/app.db' })).toEqual({
      type: 'sqlite',
      url: 'sqlite://data/app.db',
    });
    expect(parseFlatConfig({ type: 'ext:database', url: 'sqlite:////var/app.db' }).url).toBe('sqlite:///var/app.db');
  });

  it('refuses Beaker backends Vessel lacks, naming what to use', () => {
    expect(() => parseFlatConfig({ 'beaker.session.type': 'ext:memcached' })).toThrow(
      /^beaker\.session\.type: Vessel has no memcached backend yet; use redis/,
    );
    expect(() => parseFlatConfig({ type: 'ext:database', url: 'mysql+pymysql://u:secret@h/db' })).toThrow(
      'url: ext:database with a MySQL URL: Vessel has no mysql backend yet; use postgres',
    );
    expect(() => parseFlatConfig({ type: 'ext:database' })).toThrow(/^url: ext:database needs a url/);
    expect(() => parseFlatConfig({ type: 'ext:couchdb' })).toThrow(/^type: "ext:couchdb" is a Beaker extension/);
  });

  it('never echoes database credentials in a refusal', () => {
    expect(() => parseFlatConfig({ type: 'ext:database', url: 'oracle://scott:tiger@h/db' })).toThrow(
      'url: ext:database: expected a postgresql:// or sqlite:/// URL, got "oracle://…@h/db"',
    );
  });
});

describe('loadConfig on a Pylons ini', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'vessel-beaker-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  async function load(name: string, text: string) {
    await writeFile(path.join(folder, name), text);
    return loadConfig(name, { cwd: folder });
  }

  it("reads the Pylons guide's configuration unchanged, %(here)s included", async () => {
    const config = await load(
      'development.ini',
      [
        '[server:main]',
        'use = egg:Paste#http',
        'host = 127.0.0.1',
        '[app:main]',
        'use = egg:my_project',
        'full_stack = true',
        'cache_dir = %(here)s/data',
        'beaker.session.key = foo',
        `beaker.session.secret = ${'s'.repeat(32)}`,
        'beaker.session.lock_dir = %(here)s/data/sessions/lock',
        'beaker.session.cookie_domain =',
      ].join('\n'),
    );
    expect(config.cacheDir).toBe(path.join(folder, 'data'));
    expect(config.session.key).toBe('foo');
    expect(config.session.cookieDomain).toBeUndefined();
  });

  it("ignores other applications' unprefixed keys in a shared file, but not in [vessel]", async () => {
    await expect(load('shared.ini', '[app:main]\ncache_dirr = x\n')).resolves.toMatchObject({ cacheDir: undefined });
    await expect(load('shared.ini', '[vessel]\ncache_dirr = x\n')).rejects.toThrow(
      /^cache_dirr: unknown option; did you mean cache_dir\? \(in .*shared\.ini\)$/,
    );
  });

  it('treats every key of vessel.ini as Vessel’s, in any section', async () => {
    await expect(load('vessel.ini', '[app:main]\ncache_dirr = ./data\n')).rejects.toThrow(
      /^cache_dirr: unknown option; did you mean cache_dir\?/,
    );
  });
});

describe('session.cookie_domain', () => {
  it('is a host name (a leading dot allowed), or empty for a host-only cookie', () => {
    expect(parseFlatConfig({ 'session.cookie_domain': '.example.com' }).session?.cookieDomain).toBe('.example.com');
    expect(parseFlatConfig({ 'session.cookie_domain': '' }).session).toEqual({});
    expect(() => parseFlatConfig({ 'session.cookie_domain': 'example.com; Path=/x' })).toThrow(
      'session.cookie_domain: expected a host name such as example.com, got "example.com; Path=/x"',
    );
  });
});
