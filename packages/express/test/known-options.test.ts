import { ConfigError, createVessel } from '@vessel/core';
import { cacheResponse, type SessionOptions, session } from '@vessel/express';
import { afterAll, describe, expect, it } from 'vitest';

describe('unknown options', () => {
  const vessel = createVessel({ session: { secret: 'x'.repeat(32) } });
  afterAll(() => vessel.close());

  it('makes session() throw, naming the option and the closest known one', () => {
    const misspelled = { cachedir: './data' } as SessionOptions;
    expect(() => session(misspelled)).toThrow(ConfigError);
    expect(() => session(misspelled)).toThrow('session.cachedir: unknown option; did you mean cacheDir?');
    expect(() => session({ saveUninitialised: false } as SessionOptions)).toThrow(
      'session.saveUninitialised: unknown option; did you mean saveUninitialized?',
    );
  });

  it('lists the known options when none is close', () => {
    expect(() => session({ database: 'x' } as SessionOptions)).toThrow(
      /^session\.database: unknown option; known options: name, key, secret, resave, saveUninitialized, /,
    );
  });

  it('makes cacheResponse() throw the same way', () => {
    expect(() => cacheResponse(vessel, { maxEntry: 5 } as never)).toThrow(
      'cacheResponse.maxEntry: unknown option; did you mean maxEntries?',
    );
  });

  it('accepts documented options, an undefined one too', async () => {
    const middleware = session({ secret: 'y'.repeat(32), cacheDir: undefined, lazy: false, logger: console });
    await middleware.close();
  });
});
