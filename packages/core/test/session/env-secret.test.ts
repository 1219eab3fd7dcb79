import { ConfigError, secretFromEnv } from '@vessel/core';
import { describe, expect, it } from 'vitest';

const strong = 'k'.repeat(32);

describe('secretFromEnv', () => {
  it('returns the variable when it holds 32 bytes or more', () => {
    expect(secretFromEnv('SESSION_SECRET', { SESSION_SECRET: strong })).toBe(strong);
    expect(secretFromEnv('APP_KEY', { APP_KEY: strong })).toBe(strong);
  });

  it('reads SESSION_SECRET from process.env by default', () => {
    const saved = process.env.SESSION_SECRET;
    process.env.SESSION_SECRET = strong;
    try {
      expect(secretFromEnv()).toBe(strong);
    } finally {
      if (saved === undefined) delete process.env.SESSION_SECRET;
      else process.env.SESSION_SECRET = saved;
    }
  });

  it.each([
    ['unset', {}],
    ['empty', { SESSION_SECRET: '' }],
    ['blank', { SESSION_SECRET: '   ' }],
  ])('names the variable and how to make one when it is %s', (_case, env) => {
    const error = catchError(() => secretFromEnv('SESSION_SECRET', env));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.option).toBe('SESSION_SECRET');
    expect(error.message).toMatch(/^SESSION_SECRET: the environment variable is not set/);
    expect(error.message).toContain('export SESSION_SECRET=$(openssl rand -base64 32)');
  });

  it('refuses a short secret without printing it', () => {
    const error = catchError(() => secretFromEnv('SESSION_SECRET', { SESSION_SECRET: 'hunter2-hunter2' }));
    expect(error.option).toBe('SESSION_SECRET');
    expect(error.message).toContain('15 bytes');
    expect(error.message).not.toContain('hunter2');
  });
});

function catchError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
