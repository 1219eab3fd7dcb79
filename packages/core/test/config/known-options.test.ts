import { assertKnownOptions, ConfigError } from '@vessel/core';
import { describe, expect, it } from 'vitest';

const KNOWN = ['vessel', 'lazy', 'trustProxy'];

function messageOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('assertKnownOptions', () => {
  it('accepts known options', () => {
    expect(() => assertKnownOptions({ vessel: 1, lazy: true }, KNOWN)).not.toThrow();
    expect(() => assertKnownOptions({}, KNOWN)).not.toThrow();
  });

  it('names an unknown option and the closest known one, under `where`', () => {
    expect(messageOf(() => assertKnownOptions({ trustproxy: true }, KNOWN, { where: 'session' }))).toBe(
      'session.trustproxy: unknown option; did you mean trustProxy?',
    );
    expect(messageOf(() => assertKnownOptions({ lasy: true }, KNOWN))).toBe('lasy: unknown option; did you mean lazy?');
  });

  it('lists every known option when none is close', () => {
    expect(messageOf(() => assertKnownOptions({ cookie: {} }, KNOWN))).toBe(
      'cookie: unknown option; known options: vessel, lazy, trustProxy',
    );
  });

  it('says why an option it refuses on purpose is refused', () => {
    const unsupported = { store: 'sessions live in the vessel: no store is needed' };
    expect(messageOf(() => assertKnownOptions({ store: {} }, KNOWN, { where: 'session', unsupported }))).toBe(
      'session.store: sessions live in the vessel: no store is needed',
    );
  });

  it('does not take inherited names for known ones', () => {
    expect(messageOf(() => assertKnownOptions({ toString: 1 }, KNOWN))).toMatch(/^toString: unknown option/);
  });
});
