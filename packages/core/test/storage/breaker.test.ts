import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, createStorage, StorageUnavailableError } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runId } from '../../../../test-support/backends.js';
import { type PrivateRedis, startPrivateRedis } from '../../../../test-support/private-redis.js';
import { type SilentServer, startSilentServer } from '../../../../test-support/silent-server.js';

/** Resolves `'closed'` when `closing` settles within `ms`, else `'hung'`. */
async function within(closing: Promise<unknown>, ms: number): Promise<'closed' | 'hung'> {
  const timer = sleep(ms, 'hung' as const);
  return Promise.race([closing.then(() => 'closed' as const), timer]);
}

describe('circuit breaker: a stalled Redis fails fast and is probed back', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await redis.dispose();
  });

  it('bounds what waits, fails fast once tripped, and closes again after SIGCONT', async () => {
    const coolDownMs = 1500;
    const storage = createStorage({
      url: redis.url,
      prefix: runId(),
      timeoutMs: 1000,
      breaker: { failureThreshold: 5, coolDownMs, maxInFlight: 50 },
    });
    const sessions = storage.namespace('session');
    await sessions.set('ada', { user: 'ada' }, { ttlMs: 600_000 });
    redis.pause();
    try {
      // 500 requests arrive at a frozen Redis: only 50 may wait for it, the rest fail at once.
      let settledAtOnce = 0;
      const outcomes = Array.from({ length: 500 }, () => {
        const outcome = sessions.get('ada').then(
          () => undefined,
          (error: unknown) => error as Error,
        );
        void outcome.then(() => settledAtOnce++);
        return outcome;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(settledAtOnce).toBe(450);
      const errors = await Promise.all(outcomes);
      expect(errors.every((error) => error instanceof StorageUnavailableError)).toBe(true);
      expect(errors.filter((error) => /no answer within 1000 ms/.test(String(error?.message)))).toHaveLength(50);

      // Those 50 timeouts tripped the breaker: every operation now fails in well under timeoutMs.
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const error = (await sessions.set(`s${i}`, { n: i }, { ttlMs: 60_000 }).catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(StorageUnavailableError);
        expect(error.message).toMatch(
          /^cannot reach redis:\/\/127\.0\.0\.1:\d+: circuit open after 5 failures in a row, the last: no answer within 1000 ms \(next probe in \d+ ms\)$/,
        );
        expect(performance.now() - started).toBeLessThan(50);
      }
      const other = (await storage
        .namespace('cache:users')
        .get('x')
        .catch((e: unknown) => e)) as Error;
      expect(other.message).toContain('circuit open'); // one breaker for every namespace
    } finally {
      redis.resume();
    }

    // Back: the first operation after the cool-down is the probe, and its answer closes the circuit.
    const resumedAt = Date.now();
    let value: unknown;
    while (value === undefined) {
      value = await sessions.get('ada').catch(() => undefined);
      if (value === undefined) await sleep(50);
      expect(Date.now() - resumedAt).toBeLessThan(coolDownMs + 1000 + 3000);
    }
    expect(value).toEqual({ user: 'ada' });
    await sessions.set('bob', { user: 'bob' }, { ttlMs: 60_000 });
    expect(await sessions.get('bob')).toEqual({ user: 'bob' });
    await storage.close();
  });

  it('writes answered 503 by a stalled Redis land once it resumes; writes the open circuit refused never do', async () => {
    // Documented in docs/storage.md ("Late writes"): the commands were in the server's socket.
    const storage = createStorage({
      url: redis.url,
      prefix: runId(),
      timeoutMs: 500,
      breaker: { failureThreshold: 5, coolDownMs: 500 },
    });
    const sessions = storage.namespace('session');
    await sessions.set('warm', 1, { ttlMs: 60_000 });
    redis.pause();
    let timedOut: unknown[];
    let refused: unknown[];
    try {
      timedOut = await Promise.all(
        Array.from({ length: 5 }, (_, i) => sessions.set(`sent${i}`, i, { ttlMs: 60_000 }).catch((e: unknown) => e)),
      );
      refused = await Promise.all(
        Array.from({ length: 5 }, (_, i) => sessions.set(`refused${i}`, i, { ttlMs: 60_000 }).catch((e: unknown) => e)),
      );
    } finally {
      redis.resume();
    }
    expect(timedOut.map((error) => String((error as Error).message))).toEqual(
      Array(5).fill(`cannot reach ${redis.url}: no answer within 500 ms`),
    );
    expect(refused.every((error) => String((error as Error).message).includes('circuit open'))).toBe(true);
    // The probe's answer comes after the late writes' (one connection, in order).
    while ((await sessions.get('warm').catch(() => undefined)) === undefined) await sleep(50);
    for (let i = 0; i < 5; i++) {
      expect(await sessions.get(`sent${i}`)).toBe(i);
      expect(await sessions.get(`refused${i}`)).toBeUndefined();
    }
    await storage.close();
  });

  it('close() of a storage on a paused Redis returns within its timeout', async () => {
    const storage = createStorage({ url: redis.url, prefix: runId(), timeoutMs: 500 });
    await storage.namespace('session').set('ada', 1, { ttlMs: 60_000 });
    redis.pause();
    try {
      const pending = storage
        .namespace('session')
        .get('ada')
        .catch(() => undefined);
      expect(await within(storage.close(), 5000)).toBe('closed');
      await pending;
    } finally {
      redis.resume();
    }
  });

  it('breaker: false turns it off, and bad settings are refused by name', () => {
    expect(() => createStorage({ url: redis.url, breaker: false })).not.toThrow();
    expect(() => createStorage({ url: redis.url, breaker: { maxInFlight: 0 } })).toThrow(ConfigError);
    expect(() => createStorage({ url: redis.url, breaker: { coolDownMs: 1.5 } })).toThrow(/breaker\.coolDownMs/);
  });
});

describe('close() against a server that accepts connections and never answers', () => {
  let server: SilentServer;
  let port: number;
  let sockets: ReadonlySet<Socket>;

  beforeAll(async () => {
    server = await startSilentServer();
    ({ port, sockets } = server);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('redis: the operation fails within timeoutMs, close() returns within its deadline and drops the connection', async () => {
    const storage = createStorage({ url: `redis://127.0.0.1:${port}`, timeoutMs: 500 });
    const error = await storage
      .namespace('session')
      .get('ada')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(sockets.size).toBeGreaterThan(0);
    expect(await within(storage.close(), 5000)).toBe('closed');
    // The client's socket is gone too: nothing keeps a CLI run or a shutting-down app alive.
    const dropped = Promise.all([...sockets].map((socket) => (socket.destroyed ? undefined : once(socket, 'close'))));
    expect(await within(dropped, 5000)).toBe('closed');
  });

  it('postgres: the same breaker trips on connections that never complete, then fails at once', async () => {
    const storage = createStorage({
      url: `postgres://vessel@127.0.0.1:${port}/test`,
      timeoutMs: 300,
      breaker: { failureThreshold: 3, coolDownMs: 60_000 },
    });
    const sessions = storage.namespace('session');
    for (let i = 0; i < 3; i++) {
      const error = (await sessions.get('ada').catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error.message).not.toContain('circuit open');
    }
    const started = performance.now();
    const error = (await sessions.set('ada', 1).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('circuit open after 3 failures in a row');
    expect(performance.now() - started).toBeLessThan(50);
    await storage.close();
  });

  it('postgres: the operation fails within timeoutMs and close() returns within its deadline', async () => {
    const storage = createStorage({ url: `postgres://vessel@127.0.0.1:${port}/test`, timeoutMs: 500 });
    const error = await storage
      .namespace('session')
      .get('ada')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(await within(storage.close(), 5000)).toBe('closed');
  });
});
