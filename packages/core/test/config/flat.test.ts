import { describe, expect, it } from 'vitest';
import { normalizeConfig, parseFlatConfig, parseIni } from '../../src/config/index.js';

const PYLONS_INI = `
[DEFAULT]
debug = true
email_to = ops@example.com

[server:main]
use = egg:Paste#http
host = 0.0.0.0
port = 5000

[app:main]
use = egg:myapp
full_stack = true
sqlalchemy.url = postgres://db/app
cache_dir = %(here)s/data
beaker.session.key = myapp
beaker.session.secret = newest-secret, older-secret
beaker.session.timeout = 1h30m
beaker.session.cookie_expires = true
beaker.session.httponly = yes
beaker.session.samesite = Strict
beaker.session.type = sqlite
beaker.cache.regions = short_term, long_term
beaker.cache.short_term.expire = 60
beaker.cache.long_term.expire = 1d
beaker.cache.long_term.type = redis
beaker.cache.long_term.url = redis://cache:6379/1
`;

describe('a Pylons ini with beaker.* keys', () => {
  const config = parseFlatConfig(parseIni(PYLONS_INI, { defaults: { here: '/srv/app' } }), undefined, {
    shared: true,
  });

  it('reads beaker.session.* into session options', () => {
    expect(config.session).toEqual({
      key: 'myapp',
      secret: ['newest-secret', 'older-secret'],
      timeout: 5400,
      cookieExpires: false,
      httpOnly: true,
      sameSite: 'strict',
      type: 'sqlite',
    });
  });

  it('reads cache regions with their own expiry and storage', () => {
    expect(config.cache).toEqual({
      regions: {
        short_term: { expire: 60 },
        long_term: { expire: 86_400, type: 'redis', url: 'redis://cache:6379/1' },
      },
    });
  });

  it("ignores other applications' keys that have no vessel./beaker. prefix", () => {
    expect(Object.keys(config).sort()).toEqual(['cache', 'cacheDir', 'session']);
  });

  it('keeps unprefixed keys under Vessel roots (cache_dir here), interpolated', () => {
    expect(config.cacheDir).toBe('/srv/app/data');
  });
});

describe('flat key spelling', () => {
  it('accepts vessel., beaker. and no prefix alike', () => {
    for (const key of ['vessel.session.timeout', 'beaker.session.timeout', 'session.timeout']) {
      expect(parseFlatConfig({ [key]: '15m' }).session?.timeout).toBe(900);
    }
  });

  it('treats snake_case and camelCase as the same option', () => {
    expect(parseFlatConfig({ 'session.cookie_expires': '1h' }).session?.cookieExpires).toBe(3600);
    expect(parseFlatConfig({ 'session.cookieExpires': '1h' }).session?.cookieExpires).toBe(3600);
    expect(parseFlatConfig({ cacheDir: './d' }).cacheDir).toBe('./d');
    expect(parseFlatConfig({ 'session.http_only': 'no', 'session.max_lifetime': '7d' }).session).toEqual({
      httpOnly: false,
      maxLifetime: 604_800,
    });
  });

  it('refuses one option set under two spellings', () => {
    expect(() => parseFlatConfig({ 'beaker.session.timeout': '60', 'session.timeout': '90' })).toThrow(
      'session.timeout: set twice, also as beaker.session.timeout',
    );
  });

  it('reads every session option', () => {
    const session = parseFlatConfig({
      'session.key': 'sid',
      'session.secret': 's1',
      'session.timeout': '30m',
      'session.max_lifetime': '1d',
      'session.cookie_expires': '2030-01-01T00:00:00Z',
      'session.rolling': 'on',
      'session.cookie_domain': 'example.com',
      'session.cookie_path': '/app',
      'session.secure': 'true',
      'session.httponly': 'false',
      'session.samesite': 'none',
      'session.auto': '1',
      'session.save_accessed_time': 'yes',
      'session.accessed_time_throttle': '5m',
      'session.use_cookies': 'off',
      'session.type': 'cookie',
      'session.invalidate_corrupt': 'no',
      'session.encrypt_key': 'ek',
      'session.validate_key': 'vk',
      'session.url': 'redis://s:6379',
      'session.cache_dir': './sessions',
    }).session;
    expect(session).toEqual({
      key: 'sid',
      secret: ['s1'],
      timeout: 1800,
      maxLifetime: 86_400,
      cookieExpires: new Date('2030-01-01T00:00:00Z'),
      rolling: true,
      cookieDomain: 'example.com',
      cookiePath: '/app',
      secure: true,
      httpOnly: false,
      sameSite: 'none',
      auto: true,
      saveAccessedTime: true,
      accessedTimeThrottle: 300,
      useCookies: false,
      type: 'cookie',
      invalidateCorrupt: false,
      encryptKey: ['ek'],
      validateKey: 'vk',
      url: 'redis://s:6379',
      cacheDir: './sessions',
    });
  });

  it('reads the top-level storage options', () => {
    expect(
      parseFlatConfig({
        cache_dir: './data',
        type: 'file',
        url: 'redis://x',
        prefix: 'app',
        cluster: 'redis://a:1, redis://b:2',
        timeout_ms: '900',
      }),
    ).toEqual({
      cacheDir: './data',
      type: 'file',
      url: 'redis://x',
      prefix: 'app',
      cluster: ['redis://a:1', 'redis://b:2'],
      timeoutMs: 900,
    });
  });
});

describe('session.cookie_expires', () => {
  const read = (value: string | boolean | number) =>
    parseFlatConfig({ 'session.cookie_expires': value }).session?.cookieExpires;

  it('is a browser-session cookie for booleans, as in Beaker', () => {
    expect(read('true')).toBe(false);
    expect(read('false')).toBe(false);
    expect(read(false)).toBe(false);
  });

  it('is seconds for a duration and a Date for an ISO date', () => {
    expect(read('300')).toBe(300);
    expect(read(300)).toBe(300);
    expect(read('30d')).toBe(2_592_000);
    expect(read('2030-06-01')).toEqual(new Date('2030-06-01T00:00:00Z'));
  });

  it('refuses anything else, listing the three forms', () => {
    expect(() => read('sometime')).toThrow(
      'session.cookie_expires: expected false (a browser-session cookie), a positive duration like 90, "15m" or "2h", or an ISO date, got "sometime"',
    );
    expect(() => read(0)).toThrow(/got 0$/);
  });
});

describe('cross-option checks', () => {
  it('refuses samesite none without secure, naming the option as spelled', () => {
    expect(() => parseFlatConfig({ 'beaker.session.samesite': 'none' })).toThrow(
      /^beaker\.session\.samesite: "none" needs the secure option set to true/,
    );
  });

  it('refuses an invalid cookie name and cookie path', () => {
    expect(() => parseFlatConfig({ 'session.key': 'my sid' })).toThrow(
      /^session\.key: expected a cookie name .*got "my sid"$/,
    );
    expect(() => parseFlatConfig({ 'session.cookie_path': 'app' })).toThrow(
      'session.cookie_path: expected a path starting with "/", got "app"',
    );
  });

  it('refuses a zero session timeout: leaving it out means none', () => {
    expect(() => parseFlatConfig({ 'session.timeout': '0' })).toThrow(
      'session.timeout: expected a positive duration like 90, "15m" or "2h", got "0"',
    );
  });
});

describe('cache regions', () => {
  it('applies cache.expire to regions without their own, once normalized', () => {
    const resolved = normalizeConfig(
      parseFlatConfig({
        'cache.expire': '10m',
        'cache.regions': ['short_term', 'long_term'],
        'cache.long_term.expire': '2h',
        'cache.long_term.enabled': 'false',
        'cache.long_term.key_length': '64',
      }),
    );
    expect(resolved.cache.expire).toBe(600);
    expect(resolved.cache.regions.short_term).toMatchObject({ expire: 600, enabled: true, keyLength: 250 });
    expect(resolved.cache.regions.long_term).toMatchObject({ expire: 7200, enabled: false, keyLength: 64 });
  });

  it('lists regions even when they have no options of their own', () => {
    expect(parseFlatConfig({ 'cache.regions': 'a, b' }).cache?.regions).toEqual({ a: {}, b: {} });
  });

  it('accepts region keys before cache.regions in the file', () => {
    const config = parseFlatConfig(parseIni('cache.short_term.expire = 60\ncache.regions = short_term\n'));
    expect(config.cache?.regions?.short_term?.expire).toBe(60);
  });

  it('refuses options for a region that cache.regions does not list', () => {
    expect(() => parseFlatConfig({ 'cache.regions': 'short_term', 'cache.long_term.expire': '60' })).toThrow(
      'cache.long_term.expire: region "long_term" is not listed in cache.regions (listed: short_term); add it there',
    );
    expect(() => parseFlatConfig({ 'beaker.cache.short_term.expire': '60' })).toThrow(
      /not listed in cache\.regions \(none are listed\)/,
    );
  });

  it('refuses region names that cannot be namespaces', () => {
    expect(() => parseFlatConfig({ 'cache.regions': 'short term' })).toThrow(
      /^cache\.regions: expected region names of letters/,
    );
  });

  it('turns every region off when cache.enabled is false', () => {
    const resolved = normalizeConfig(parseFlatConfig({ 'cache.enabled': 'no', 'cache.regions': 'a' }));
    expect(resolved.cache.enabled).toBe(false);
    expect(resolved.cache.regions.a?.enabled).toBe(false);
  });
});

describe('unknown keys', () => {
  it('suggests the closest session option, in the spelling used', () => {
    expect(() => parseFlatConfig({ 'session.timout': '60' })).toThrow(
      'session.timout: unknown option; did you mean session.timeout?',
    );
    expect(() => parseFlatConfig({ 'beaker.session.cookie_expire': '60' })).toThrow(
      'beaker.session.cookie_expire: unknown option; did you mean beaker.session.cookie_expires?',
    );
    expect(() => parseFlatConfig({ 'session.cookieExpire': '60' })).toThrow('did you mean session.cookieExpires?');
  });

  it('suggests region options', () => {
    expect(() => parseFlatConfig({ 'cache.regions': 'a', 'cache.a.expires': '60' })).toThrow(
      'cache.a.expires: unknown option; did you mean cache.a.expire?',
    );
  });

  it('reads Beaker spellings as their Vessel names', () => {
    expect(
      parseFlatConfig({
        'beaker.session.data_dir': '/tmp/s',
        'beaker.cache.type': 'file',
        'beaker.cache.data_dir': '/tmp/c',
        'beaker.cache.expiretime': '60',
        'beaker.cache.regions': 'short',
        'beaker.cache.short.expiretime': '5',
        'beaker.cache.short.data_dir': '/tmp/short',
      }),
    ).toEqual({
      type: 'file',
      cacheDir: '/tmp/c',
      session: { cacheDir: '/tmp/s' },
      cache: { expire: 60, regions: { short: { expire: 5, cacheDir: '/tmp/short' } } },
    });
  });

  it('accepts Beaker options Vessel does not need, checking the one that could lose data', () => {
    expect(
      parseFlatConfig({
        'beaker.session.lock_dir': '/tmp/lock',
        'beaker.cache.lock_dir': '/tmp/lock',
        'beaker.session.crypto_type': 'cryptography',
        'beaker.session.data_serializer': 'json',
      }),
    ).toEqual({});
    expect(() => parseFlatConfig({ 'beaker.session.data_serializer': 'pickle' })).toThrow(
      /^beaker\.session\.data_serializer: Vessel stores JSON only and never unpickles/,
    );
  });

  it('refuses a storage set twice, once under its Beaker cache spelling', () => {
    expect(() => parseFlatConfig({ cache_dir: '/a', 'beaker.cache.data_dir': '/b' })).toThrow(
      'beaker.cache.data_dir: set twice, also as cache_dir',
    );
  });

  it('refuses unknown keys, with or without a prefix, unless the file is shared', () => {
    expect(() => parseFlatConfig({ 'vessel.cache_dri': './x' })).toThrow(
      'vessel.cache_dri: unknown option; did you mean vessel.cache_dir?',
    );
    expect(() => parseFlatConfig({ 'beaker.sesion.timeout': '1' })).toThrow('did you mean beaker.session.timeout?');
    expect(() => parseFlatConfig({ cache_dirr: './x' })).toThrow('cache_dirr: unknown option; did you mean cache_dir?');
    const shared = { cache_dri: './x', 'sesion.timeout': '1', 'beakerx.y': '1' };
    expect(parseFlatConfig(shared, undefined, { shared: true })).toEqual({});
    expect(() => parseFlatConfig(shared, undefined, { shared: (key) => key !== 'cache_dri' })).toThrow(
      /^cache_dri: unknown option/,
    );
    expect(() => parseFlatConfig({ 'vessel.x': '1' }, undefined, { shared: true })).toThrow(
      /^vessel\.x: unknown option/,
    );
  });

  it('refuses unknown session.* and cache.* keys even without a prefix', () => {
    expect(() => parseFlatConfig({ 'session.cookie.secure': 'true' })).toThrow(
      /^session\.cookie\.secure: unknown option/,
    );
    expect(() => parseFlatConfig({ 'cache.bogus': 'true' })).toThrow(/^cache\.bogus: unknown option/);
  });

  it('adds the source to the message', () => {
    expect(() => parseFlatConfig({ 'session.timeout': 'soon' }, '/srv/app/vessel.ini')).toThrow(
      'session.timeout: expected a duration like 90, "15m" or "2h", got "soon" (in /srv/app/vessel.ini)',
    );
  });
});

describe('storage keys in flat config', () => {
  it('reads the PostgreSQL schema and pool size', () => {
    const config = normalizeConfig(
      parseFlatConfig({ 'vessel.url': 'postgres://db/app', 'vessel.schema': 'sessions', 'vessel.pool_size': '20' }),
    );
    expect(config).toMatchObject({ url: 'postgres://db/app', schema: 'sessions', poolSize: 20 });
  });

  it('names pool_size when it is not a number', () => {
    expect(() => parseFlatConfig({ 'vessel.pool_size': 'lots' })).toThrow(/vessel\.pool_size/);
  });
});
