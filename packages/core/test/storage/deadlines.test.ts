import { StorageUnavailableError } from '@vessel/core';
import { describe, expect, it } from 'vitest';
import { OperationDeadlines } from '../../src/storage/timeout.js';

describe('operation deadlines', () => {
  it('passes results and errors through, and fails only what hangs, after the timeout', async () => {
    const deadlines = new OperationDeadlines(100, 'redis://test');
    const started = Date.now();
    const hung = deadlines.bound(new Promise<never>(() => {})).catch((error: unknown) => error);
    const quick = await Promise.all(Array.from({ length: 1000 }, (_, i) => deadlines.bound(Promise.resolve(i))));
    expect(quick[999]).toBe(999);
    await expect(deadlines.bound(Promise.reject(new Error('bad command')))).rejects.toThrow('bad command');
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Started 60 ms after the hung one, it settles past that one's deadline but within its own.
    const later = deadlines.bound(new Promise((resolve) => setTimeout(() => resolve('late but in time'), 70)));
    const error = await hung;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toMatch(/no answer within 100 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await later).toBe('late but in time');
  });

  it('times out each hung operation at its own deadline', async () => {
    const deadlines = new OperationDeadlines(80, 'sqlite test');
    const first = deadlines.bound(new Promise<never>(() => {})).catch(() => Date.now());
    await new Promise((resolve) => setTimeout(resolve, 60));
    const secondStarted = Date.now();
    const second = deadlines.bound(new Promise<never>(() => {})).catch(() => Date.now());
    await first;
    expect((await second) - secondStarted).toBeGreaterThanOrEqual(75);
  });
});

describe('operation deadlines around a callback', () => {
  it('settles with what the callbacks return or throw, and runs neither after the deadline', async () => {
    const deadlines = new OperationDeadlines(50, 'redis://test');
    const decoded = await deadlines.whenSettled(
      Promise.resolve('{"n":1}'),
      (text) => JSON.parse(text) as unknown,
      () => 'not called',
    );
    expect(decoded).toEqual({ n: 1 });
    await expect(
      deadlines.whenSettled(
        Promise.resolve('x'),
        () => {
          throw new Error('corrupt');
        },
        () => 'not called',
      ),
    ).rejects.toThrow('corrupt');
    await expect(
      deadlines.whenSettled(
        Promise.reject(new Error('refused')),
        () => 'not called',
        (error) => `handled ${(error as Error).message}`,
      ),
    ).resolves.toBe('handled refused');

    let late: (value: string) => void = () => {};
    let called = false;
    const hung = deadlines.whenSettled(
      new Promise<string>((resolve) => {
        late = resolve;
      }),
      () => {
        called = true;
      },
      () => {
        called = true;
      },
    );
    await expect(hung).rejects.toBeInstanceOf(StorageUnavailableError);
    late('too late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(called).toBe(false);
  });
});
