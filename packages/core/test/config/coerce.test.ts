import { describe, expect, it } from 'vitest';
import { normalizeConfig, parseBoolean, parseDuration, parseFlatConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

/** The ConfigError thrown by `work`, so several properties can be checked at once. */
function configError(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseDuration', () => {
  it.each([
    [90, 90],
    [0, 0],
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
    ['1h30m', 5400],
    ['1h 30m 15s', 5415],
    [' 2H ', 7200],
  ])('reads %j as %i seconds', (input, seconds) => {
    expect(parseDuration('session.timeout', input)).toBe(seconds);
  });

  it.each([['soon'], ['-5'], [-5], [1.5], ['1.5h'], ['15 minutes'], [''], ['h'], [true], [null], [[60]]])(
    'refuses %j, naming the option, the value and the expected form',
    (input) => {
      const error = configError(() => parseDuration('session.timeout', input));
      expect(error.option).toBe('session.timeout');
      expect(error.message).toMatch(/^session\.timeout: expected a duration like 90, "15m" or "2h", got /);
      expect(error.message).toContain(typeof input === 'string' ? JSON.stringify(input) : String(input));
    },
  );

  it('gives the exact message from the docs', () => {
    expect(() => parseDuration('session.timeout', 'soon')).toThrow(
      'session.timeout: expected a duration like 90, "15m" or "2h", got "soon"',
    );
  });
});

describe('parseBoolean', () => {
  it.each(['true', 'TRUE', 'yes', 'Yes', 'on', '1', ' on ', true, 1])('reads %j as true', (input) => {
    expect(parseBoolean('session.secure', input)).toBe(true);
  });

  it.each(['false', 'False', 'no', 'NO', 'off', '0', false, 0])('reads %j as false', (input) => {
    expect(parseBoolean('session.secure', input)).toBe(false);
  });

  it.each(['maybe', '', 'y', 2, null])('refuses %j', (input) => {
    const error = configError(() => parseBoolean('session.secure', input));
    expect(error.message).toMatch(/^session\.secure: expected true\/yes\/on\/1 or false\/no\/off\/0, got /);
  });
});

describe('integers', () => {
  it('reads digits and whole numbers', () => {
    expect(normalizeConfig({ timeoutMs: 250 }).timeoutMs).toBe(250);
    expect(parseFlatConfig({ timeout_ms: '2500' }).timeoutMs).toBe(2500);
  });

  it('refuses fractions, words and values out of range', () => {
    expect(() => parseFlatConfig({ timeout_ms: '2.5' })).toThrow(
      'timeout_ms: expected an integer from 1 to 2147483647, got "2.5"',
    );
    expect(() => normalizeConfig({ timeoutMs: 0 })).toThrow(
      'timeoutMs: expected an integer from 1 to 2147483647, got 0',
    );
    expect(() => normalizeConfig({ timeoutMs: 2 ** 31 })).toThrow(/timeoutMs: .*got 2147483648/);
    expect(() => parseFlatConfig({ 'cache.regions': 'short_term', 'cache.short_term.key_length': '8' })).toThrow(
      'cache.short_term.key_length: expected an integer from 16 to 1024, got "8"',
    );
  });
});

describe('lists', () => {
  it('splits comma-separated strings, trims and drops empty items', () => {
    expect(parseFlatConfig({ cluster: ' redis://a:1 ,redis://b:2,, ' }).cluster).toEqual([
      'redis://a:1',
      'redis://b:2',
    ]);
    expect(parseFlatConfig({ cluster: ['redis://a:1 ', ''] }).cluster).toEqual(['redis://a:1']);
  });

  it('refuses things that are not lists of strings', () => {
    expect(() => parseFlatConfig({ cluster: 42 })).toThrow(
      'cluster: expected a list like "a, b" or an array of strings, got 42',
    );
  });
});

describe('enums', () => {
  it('matches case-insensitively and returns the canonical spelling', () => {
    expect(parseFlatConfig({ type: ' Redis ' }).type).toBe('redis');
    expect(normalizeConfig({ session: { sameSite: 'strict' } }).session.sameSite).toBe('strict');
  });

  it('lists the allowed values and suggests a near miss', () => {
    const error = configError(() => parseFlatConfig({ 'session.samesite': 'strcit' }));
    expect(error.message).toBe(
      'session.samesite: expected one of strict, lax, none, got "strcit"; did you mean "strict"?',
    );
    expect(() => parseFlatConfig({ type: 'mysql' })).toThrow(/^type: expected one of .*sqlite.*, got "mysql"$/);
  });
});

describe('strings', () => {
  it('trims and refuses empty strings and non-strings', () => {
    expect(parseFlatConfig({ 'session.cookie_domain': ' example.com ' }).session?.cookieDomain).toBe('example.com');
    expect(() => parseFlatConfig({ 'session.url': '' })).toThrow('session.url: expected a non-empty string, got ""');
    // Beaker's guide writes `cookie_domain =` for a host-only cookie.
    expect(parseFlatConfig({ 'session.cookie_domain': '' }).session).toEqual({});
    expect(() => parseFlatConfig({ url: 5 })).toThrow('url: expected a non-empty string, got 5');
  });

  it('never echoes a secret in a message', () => {
    const error = configError(() => parseFlatConfig({ 'session.secret': 12345678 }));
    expect(error.message).not.toContain('12345678');
    expect(error.message).toContain('session.secret');
  });
});

describe('dates', () => {
  it('reads ISO dates and, for starttime, epoch seconds', () => {
    const flat = parseFlatConfig({
      'cache.regions': 'a, b',
      'cache.a.starttime': '2025-01-31T12:00:00Z',
      'cache.b.starttime': '1700000000',
    });
    expect(flat.cache?.regions?.a?.starttime).toEqual(new Date('2025-01-31T12:00:00Z'));
    expect(flat.cache?.regions?.b?.starttime).toEqual(new Date(1_700_000_000_000));
  });

  it('refuses impossible dates', () => {
    expect(() => parseFlatConfig({ 'cache.regions': 'a', 'cache.a.starttime': 'yesterday' })).toThrow(
      'cache.a.starttime: expected an ISO date like "2025-01-31T12:00:00Z" or epoch seconds, got "yesterday"',
    );
    expect(() => parseFlatConfig({ 'cache.regions': 'a', 'cache.a.starttime': '2025-13-45' })).toThrow(
      /got "2025-13-45"/,
    );
  });
});
