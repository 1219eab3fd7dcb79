import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, StorageUnavailableError } from '@vessel/core';
import { MemoryStore, type SessionOptions, session, VesselStore } from '@vessel/express';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from '../../../test-support/backends.js';
import { REDIS_URL, SECRET } from './support.js';

/** A logger that records its lines; `warned` resolves with the first warning. */
function recordingLogger() {
  const warnings: string[] = [];
  const errors: string[] = [];
  let heard: (line: string) => void = () => {};
  const warned = new Promise<string>((resolve) => {
    heard = resolve;
  });
  return {
    warnings,
    errors,
    warned,
    logger: {
      warn(line: string) {
        warnings.push(line);
        heard(line);
      },
      error: (line: string) => errors.push(line),
    },
  };
}

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

/** Lets every pending callback and rejection-tracking pass run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

let base: string;
/** A cacheDir under a regular file: no folder can be made there, not even by root. */
let unwritable: string;
const opened: { close(): Promise<void> }[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'vessel-startup-'));
  await writeFile(path.join(base, 'plain-file'), '');
  unwritable = path.join(base, 'plain-file', 'data');
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((middleware) => middleware.close()));
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await rm(base, { recursive: true, force: true });
});

function open(options: SessionOptions) {
  const middleware = session({ secret: SECRET, resave: false, saveUninitialized: false, ...options });
  opened.push(middleware);
  return middleware;
}

describe('session(): the startup check', () => {
  it('an unwritable cacheDir: one warning naming it, before any request; ready() rejects naming it', async () => {
    const { logger, warnings, warned } = recordingLogger();
    const middleware = open({ cacheDir: unwritable, logger });
    expect(await warned).toContain(unwritable);
    const error = await rejection(middleware.ready());
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toContain(unwritable);
    expect(error.message).toContain('check the cacheDir option');
    expect(warnings).toEqual([
      `@vessel/express: session storage not ready: ${error.message}; requests fail with 503 until it is`,
    ]);
    // Requests fail closed, as before; the warning is not repeated.
    const app = express().use(middleware, (req, res) => {
      req.session.views = 1;
      res.end('ok');
    });
    await request(app).get('/').expect(503);
    await settled();
    expect(warnings).toHaveLength(1);
  });

  it('a cacheDir under /proc fails at once, never spins', async () => {
    const { logger, warned } = recordingLogger();
    const middleware = open({ cacheDir: '/proc/vessel-data', logger });
    const error = await rejection(middleware.ready());
    expect(error.message).toContain('/proc/vessel-data');
    expect(await warned).toContain('/proc/vessel-data');
  }, 10_000);

  it('warns through error() when the logger has no warn()', async () => {
    const errors: string[] = [];
    const middleware = open({ cacheDir: unwritable, logger: { error: (line) => errors.push(line) } });
    await rejection(middleware.ready());
    await settled();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(unwritable);
  });

  it('says requests go on without a session with storeUnavailable: continue', async () => {
    const { logger, warned } = recordingLogger();
    open({ cacheDir: unwritable, logger, storeUnavailable: 'continue' });
    expect(await warned).toMatch(/requests go on without a session until it is$/);
  });

  it.each([
    ['redis', 'redis://app:s3cret@127.0.0.1:1', 'redis://app:***@127.0.0.1:1'],
    ['postgres', 'postgres://vessel:hunter2@127.0.0.1:1/test', 'postgres://vessel:***@127.0.0.1:1/test'],
  ])('%s that is not there: the warning and ready() name the masked URL', async (_name, url, masked) => {
    const { logger, warned } = recordingLogger();
    const middleware = open({ url, logger });
    const error = await rejection(middleware.ready());
    expect(error.message).toBe(`cannot reach ${masked}: ECONNREFUSED (check the url option)`);
    const warning = await warned;
    expect(warning).toContain(masked);
    expect(warning).not.toMatch(/s3cret|hunter2/);
  });

  it('a VesselStore given as store is checked too', async () => {
    const { logger, warned } = recordingLogger();
    const store = new VesselStore({ cacheDir: unwritable });
    open({ store, logger });
    expect(await warned).toContain(unwritable);
    await store.storage.close();
  });

  it('no unhandled rejection when the app never awaits ready()', async () => {
    const { logger, warned } = recordingLogger();
    open({ cacheDir: unwritable, logger });
    await warned;
    await settled();
    expect(unhandled).toEqual([]);
  });

  it('a middleware closed before its check ends says nothing', async () => {
    const { logger, warnings } = recordingLogger();
    const middleware = session({ secret: SECRET, url: 'redis://127.0.0.1:1', logger });
    await middleware.close();
    await middleware.ready().catch(() => {});
    await settled();
    expect(warnings).toEqual([]);
  });

  it('a vessel closed before the check ends: no warning either', async () => {
    const { logger, warnings } = recordingLogger();
    const vessel = createVessel({ cacheDir: path.join(base, 'closing'), session: { secret: SECRET } });
    const middleware = session({ vessel, logger });
    await vessel.close();
    await middleware.ready().catch(() => {});
    await settled();
    expect(warnings).toEqual([]);
  });
});

describe('session(): ready() resolves on a usable store', () => {
  it.each<[string, () => SessionOptions]>([
    ['memory (default)', () => ({})],
    ['sqlite', () => ({ cacheDir: path.join(base, 'sqlite') })],
    ['file', () => ({ type: 'file', cacheDir: path.join(base, 'file') })],
    ['redis', () => ({ url: REDIS_URL })],
    ['postgres', () => ({ url: POSTGRES_URL })],
    ['cookie-only', () => ({ type: 'cookie' })],
    ['an express-session store', () => ({ store: new MemoryStore() })],
  ])('%s', async (_name, options) => {
    const { logger, warnings, errors } = recordingLogger();
    const middleware = open({ ...options(), logger });
    await expect(middleware.ready()).resolves.toBeUndefined();
    expect(middleware.ready()).toBe(middleware.ready());
    expect([...warnings, ...errors]).toEqual([]);
  });

  it('a vessel: its session storage', async () => {
    const vessel = createVessel({ cacheDir: path.join(base, 'vessel'), session: { secret: SECRET } });
    const middleware = open({ vessel });
    await expect(middleware.ready()).resolves.toBeUndefined();
    await vessel.close();
  });
});
