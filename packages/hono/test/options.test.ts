/** Mistakes in the options are `ConfigError`s naming the option, thrown when the middleware is made. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, createVessel, type Vessel } from '@vessel/core';
import { cache, session, withSession } from '@vessel/hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET } from '../../../test-support/sessions.js';

let cacheDir: string;
let vessel: Vessel;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-hono-options-'));
  vessel = createVessel({ cacheDir, session: { secret: SECRET } });
});
afterAll(async () => {
  await vessel.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** The ConfigError `make` throws. */
function configErrorOf(make: () => unknown): ConfigError {
  try {
    make();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('session() options', () => {
  it('refuses an unknown option, naming it and the closest known one', () => {
    const error = configErrorOf(() => session({ vessel, lazzy: true } as never));
    expect(error.option).toBe('session.lazzy');
    expect(error.message).toBe('session.lazzy: unknown option; did you mean lazy?');
  });

  it('lists the known options when nothing is close', () => {
    expect(configErrorOf(() => session({ vessel, cookie: { secure: true } } as never)).message).toBe(
      'session.cookie: unknown option; known options: vessel, lazy, auto, trustProxy, sessionId',
    );
  });

  it('requires a vessel', () => {
    for (const options of [undefined, {}, { vessel: {} }, { vessel: null }]) {
      const error = configErrorOf(() => session(options as never));
      expect(error.option).toBe('session.vessel');
      expect(error.message).toMatch(/^session\.vessel: required: pass the vessel whose sessions to use/);
    }
  });

  it('refuses a non-boolean lazy or trustProxy, and a sessionId that is not a function', () => {
    expect(configErrorOf(() => session({ vessel, lazy: 'yes' } as never)).option).toBe('session.lazy');
    expect(configErrorOf(() => session({ vessel, trustProxy: 1 } as never)).option).toBe('session.trustProxy');
    expect(configErrorOf(() => session({ vessel, sessionId: 'x-session-id' } as never)).option).toBe(
      'session.sessionId',
    );
  });

  it('reports a vessel without a session secret at startup, not at the first request', () => {
    const noSecret = createVessel({ cacheDir });
    try {
      expect(configErrorOf(() => session({ vessel: noSecret })).option).toBe('session.secret');
    } finally {
      void noSecret.close();
    }
  });
});

describe('withSession() options', () => {
  it('refuses an option only the middleware has (lazy), naming it', async () => {
    const call = withSession(new Request('http://127.0.0.1/'), () => new Response('ok'), {
      vessel,
      lazy: true,
    } as never);
    await expect(call).rejects.toThrow(
      'withSession.lazy: unknown option; known options: vessel, auto, trustProxy, sessionId',
    );
  });
});

describe('cache() argument', () => {
  it('refuses what is neither a vessel nor a cache manager', () => {
    expect(configErrorOf(() => cache({} as never)).option).toBe('cache');
  });
});
