/** What `session()` accepts: koa-session's names over a vessel, and clear refusals of the rest. */

import { ConfigError, createVessel, type Vessel } from '@vessel/core';
import { type KoaSessionOptions, session } from '@vessel/koa';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempVessel } from './support.js';

let vessel: Vessel;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ vessel, dispose } = await tempVessel());
});
afterAll(async () => {
  await dispose?.();
});

/** The `ConfigError` `session(options)` throws (failing the test when it throws none, or another error). */
function refusal(options: unknown): ConfigError {
  try {
    session(options as KoaSessionOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`session(${JSON.stringify(options)}) did not throw`);
}

describe('the vessel', () => {
  it('is required, and the error says where it comes from', () => {
    const error = refusal({ maxAge: 1000 });
    expect(error.option).toBe('vessel');
    expect(error.message).toMatch(/^vessel: required: session\(\{ vessel: createVessel/);
  });

  it('must be a vessel', () => {
    expect(refusal({ vessel: { cacheDir: './data' } }).message).toBe(
      'vessel: expected a vessel from createVessel(), got object',
    );
  });

  it("koa-session's session(app, options) form is named as such", () => {
    expect(refusal(new Koa()).message).toMatch(
      /^session: got a Koa app: that is koa-session's session\(app, options\)/,
    );
  });
});

describe('option names', () => {
  it('an unknown one is a ConfigError naming it and the closest known one', () => {
    const error = refusal({ vessel, rollin: true });
    expect([error.option, error.message]).toEqual(['rollin', 'rollin: unknown option; did you mean rolling?']);
  });

  it.each([
    ['store', /sessions live in the vessel's storage/],
    ['ContextStore', /sessions live in the vessel's storage/],
    ['externalKey', /pass sessionId: \(ctx\) => id/],
    ['encode', /a custom encoding would bypass both/],
    ['decode', /a custom encoding would bypass both/],
    ['genid', /session ids are made by Vessel/],
    ['prefix', /createVessel\(\{ prefix \}\)/],
    ['valid', /there is no validation hook/],
    ['beforeSave', /there is no save hook/],
    ['maxage', /use maxAge/],
  ])("koa-session's %s is refused, saying why", (option, reason) => {
    const error = refusal({ vessel, [option]: () => undefined });
    expect(error.option).toBe(option);
    expect(error.message).toMatch(new RegExp(`^${option}: not supported by @vessel/koa: `));
    expect(error.message).toMatch(reason);
  });
});

describe('option values', () => {
  it.each([
    [{ signed: false }, 'signed: only true is supported: an unsigned session id could be forged'],
    [{ maxAge: -1 }, "maxAge: expected milliseconds > 0 or 'session', got -1"],
    [{ maxAge: '1d' }, `maxAge: expected milliseconds > 0 or 'session', got "1d"`],
    [{ sameSite: false }, /^sameSite: false is not supported: Vessel always sends SameSite/],
    [{ sameSite: 'sometimes' }, `sameSite: expected 'strict', 'lax', 'none' or true, got "sometimes"`],
    [{ domain: () => 'example.test' }, /^domain: a function is not supported/],
    [{ key: '' }, 'key: expected a non-empty string, got string'],
    [{ rolling: 'yes' }, 'rolling: expected true or false, got string'],
    [{ lazy: 1 }, 'lazy: expected true or false, got number'],
    [{ sessionId: 'x-session' }, 'sessionId: expected a function (ctx) => id, got string'],
  ])('%o is refused', (options, message) => {
    expect(refusal({ vessel, ...options }).message).toMatch(message);
  });

  it('an error the vessel config raises about an option given here names the option as given', () => {
    const error = refusal({ vessel, sameSite: 'none' });
    expect(error.option).toBe('sameSite');
    expect(error.message).toMatch(/^sameSite: "none" needs the secure option set to true/);
  });

  it("a koa-session README config is taken as it is (renew and overwrite change nothing; sameSite: null is the vessel's)", () => {
    const middleware = session({
      vessel,
      key: 'koa.sess',
      maxAge: 86_400_000,
      autoCommit: true,
      overwrite: true,
      httpOnly: true,
      signed: true,
      rolling: false,
      renew: false,
      secure: true,
      sameSite: null,
    });
    expect(middleware.sessions.options).toMatchObject({
      key: 'koa.sess',
      timeout: 86_400,
      cookieExpires: 86_400,
      secure: true,
      sameSite: 'lax',
    });
  });

  it('no-cookie mode (sessionId) needs no secret: nothing is signed', async () => {
    const unsigned = createVessel({ cacheDir: vessel.config.cacheDir });
    try {
      expect(session({ vessel: unsigned, sessionId: () => null }).sessions.options.useCookies).toBe(false);
    } finally {
      await unsigned.close();
    }
  });

  it('maxAge in ms rounds up to whole seconds', () => {
    expect(session({ vessel, maxAge: 1500 }).sessions.options).toMatchObject({ timeout: 2, cookieExpires: 2 });
  });
});
