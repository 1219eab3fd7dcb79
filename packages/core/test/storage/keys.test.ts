import { ConfigError, createStorage } from '@vessel/core';
import { afterAll, describe, expect, it } from 'vitest';

/** Limits of the key layout (`<prefix>:<namespace>::<key>`) as the storage API enforces them. */
describe('key layout limits', () => {
  const storage = createStorage({ type: 'memory' });

  afterAll(async () => {
    await storage.close();
  });

  it.each([':lead', 'trail:', 'mid:dle', 'a b', '', 'x'.repeat(65)])(
    'refuses the prefix %j, naming the option',
    (prefix) => {
      expect(() => createStorage({ type: 'memory', prefix })).toThrow(ConfigError);
      expect(() => createStorage({ type: 'memory', prefix })).toThrow(/^prefix: expected 1-64 letters, digits/);
    },
  );

  it('takes a prefix of 64 letters, digits, "_", "." and "-"', async () => {
    const ok = createStorage({ type: 'memory', prefix: `a.b-c_${'x'.repeat(58)}` });
    await ok.close();
  });

  it('takes namespaces up to 128 characters and refuses longer ones', () => {
    expect(storage.namespace('n'.repeat(128)).name).toBe('n'.repeat(128));
    expect(() => storage.namespace('n'.repeat(129))).toThrow(/invalid namespace/);
    expect(() => storage.namespace('a::b')).toThrow(/invalid namespace/);
    expect(() => storage.namespace(':a')).toThrow(/invalid namespace/);
  });

  it('takes keys up to 1024 characters and refuses longer ones, empty ones and NUL', async () => {
    const namespace = storage.namespace('limits');
    await namespace.set('k'.repeat(1024), 1);
    expect(await namespace.get('k'.repeat(1024))).toBe(1);
    await expect(namespace.set('k'.repeat(1025), 1)).rejects.toThrow(/invalid key/);
    await expect(namespace.set('', 1)).rejects.toThrow(/invalid key/);
    await expect(namespace.set('a\0b', 1)).rejects.toThrow(/invalid key/);
    await expect(namespace.set('\0', 1)).rejects.toThrow(/invalid key/);
  });

  it('names a refused key by its first 64 characters only, and refuses a key that is not a string', async () => {
    const namespace = storage.namespace('limits');
    const long = `${'a'.repeat(64)}${'b'.repeat(2000)}`;
    const refusal = await namespace.set(long, 1).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(TypeError);
    expect((refusal as Error).message).toContain(`"${'a'.repeat(64)}"`);
    expect((refusal as Error).message).not.toContain('b');
    // A key from untyped code (a number from a query string parser) is refused by name, not a crash.
    await expect(namespace.set(42 as unknown as string, 1)).rejects.toThrow(
      /^invalid key 42: expected a non-empty string/,
    );
  });
});
