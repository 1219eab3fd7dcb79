import { describe, expect, it } from 'vitest';
import { normalizeConfig, parseFlatConfig, type VesselConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

describe('normalizeConfig defaults', () => {
  it('fills every session and cache default', () => {
    const config = normalizeConfig({});
    expect(config.session).toEqual({
      key: 'vessel.sid',
      secret: undefined,
      timeout: undefined,
      maxLifetime: undefined,
      cookieExpires: false,
      rolling: false,
      cookieDomain: undefined,
      cookiePath: '/',
      secure: false,
      httpOnly: true,
      sameSite: 'lax',
      auto: false,
      saveAccessedTime: true,
      accessedTimeThrottle: 60,
      useCookies: true,
      type: undefined,
      invalidateCorrupt: true,
      revocationList: false,
      encryptKey: undefined,
      validateKey: undefined,
      url: undefined,
      cacheDir: undefined,
    });
    expect(config.cache).toEqual({
      enabled: true,
      expire: undefined,
      keyLength: 250,
      staleWhileRecreate: undefined,
      grace: 0,
      refreshAhead: 0,
      waitTimeout: 30,
      lockTtl: 30,
      createTimeout: undefined,
      localMaxEntries: undefined,
      localTtl: 5,
      starttime: undefined,
      regions: {},
    });
  });

  it('keeps storage options as given, leaving their defaults to createStorage', () => {
    const config = normalizeConfig({ cacheDir: './data', prefix: 'myapp' });
    expect(config).toMatchObject({
      cacheDir: './data',
      prefix: 'myapp',
      type: undefined,
      url: undefined,
      timeoutMs: undefined,
    });
  });
});

describe('normalizeConfig on the object form', () => {
  it('coerces durations written as strings', () => {
    const config = normalizeConfig({
      session: { timeout: '15m', maxLifetime: 86_400, accessedTimeThrottle: '0' },
      cache: { expire: '1h', regions: { short_term: { expire: 60 }, long_term: {} } },
    });
    expect(config.session.timeout).toBe(900);
    expect(config.session.maxLifetime).toBe(86_400);
    expect(config.session.accessedTimeThrottle).toBe(0);
    expect(config.cache.regions.short_term?.expire).toBe(60);
    expect(config.cache.regions.long_term?.expire).toBe(3600);
  });

  it('takes a single secret string as one secret, commas included', () => {
    expect(normalizeConfig({ session: { secret: 'a,b' } }).session.secret).toEqual(['a,b']);
    expect(normalizeConfig({ session: { secret: ['new', 'old'] } }).session.secret).toEqual(['new', 'old']);
    expect(() => normalizeConfig({ session: { secret: [] } })).toThrow(
      'session.secret: expected at least one non-empty secret',
    );
  });

  it('names the camelCase option path in errors', () => {
    expect(() => normalizeConfig({ session: { timeout: 'soon' } })).toThrow(
      'session.timeout: expected a duration like 90, "15m" or "2h", got "soon"',
    );
    expect(() => normalizeConfig({ cache: { regions: { short_term: { expire: -1 } } } })).toThrow(
      'cache.regions.short_term.expire: expected a duration like 90, "15m" or "2h", got -1',
    );
    expect(() => normalizeConfig({ session: { secure: 'perhaps' as unknown as boolean } })).toThrow(
      'session.secure: expected true/yes/on/1 or false/no/off/0, got "perhaps"',
    );
  });

  it('refuses unknown keys with a suggestion', () => {
    const input = { session: { timout: 60 } } as unknown as VesselConfig;
    expect(() => normalizeConfig(input)).toThrow('session.timout: unknown option; did you mean session.timeout?');
    expect(() => normalizeConfig({ cachedir: './x' } as unknown as VesselConfig)).toThrow(
      'cachedir: unknown option; did you mean cacheDir?',
    );
    expect(() => normalizeConfig({ cache: { regions: { a: { colour: 1 } } } } as unknown as VesselConfig)).toThrow(
      /^cache\.regions\.a\.colour: unknown option; known options: expire, keyLength, staleWhileRecreate, .*, type, url, cacheDir, enabled$/,
    );
    expect(() => normalizeConfig({ cache: { regions: { a: { expires: 1 } } } } as unknown as VesselConfig)).toThrow(
      'cache.regions.a.expires: unknown option; did you mean cache.regions.a.expire?',
    );
  });

  it('refuses sections that are not objects', () => {
    expect(() => normalizeConfig({ session: 'x' } as unknown as VesselConfig)).toThrow(
      'session: expected an object, got "x"',
    );
    expect(() => normalizeConfig(null as unknown as VesselConfig)).toThrow('config: expected an object, got null');
  });

  it('throws ConfigError carrying the option', () => {
    try {
      normalizeConfig({ type: 'mongo' as unknown as 'redis' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe('type');
      expect((error as ConfigError).code).toBe('VESSEL_CONFIG');
    }
  });

  it('adds the source to messages', () => {
    expect(() => normalizeConfig({ timeoutMs: -1 }, 'app.json')).toThrow(/^timeoutMs: .* got -1 \(in app\.json\)$/);
  });
});

describe('resolved config', () => {
  it('is frozen all the way down', () => {
    const config = normalizeConfig({
      cluster: ['redis://a:1'],
      session: { secret: 's' },
      cache: { regions: { a: {} } },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.session)).toBe(true);
    expect(Object.isFrozen(config.session.secret)).toBe(true);
    expect(Object.isFrozen(config.cluster)).toBe(true);
    expect(Object.isFrozen(config.cache.regions)).toBe(true);
    expect(Object.isFrozen(config.cache.regions.a)).toBe(true);
  });

  it('normalizes to itself: flat and object paths meet in one validation', () => {
    const once = normalizeConfig(
      parseFlatConfig({
        'session.secret': 'a, b',
        'session.cookie_expires': '2030-01-01',
        'session.samesite': 'none',
        'session.secure': 'yes',
        'cache.enabled': 'false',
        'cache.expire': '5m',
        'cache.regions': 'r',
        'cache.r.starttime': '1700000000',
      }),
    );
    expect(normalizeConfig(once)).toEqual(once);
  });
});
