import type { Storage } from '@vessel/core';
import { session } from '@vessel/express';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('the default in-memory session storage', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not keep the session of every cookieless request once it has expired', async () => {
    // The background sweep's timer and the clock are fake; the HTTP stack's timers are real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const middleware = session({
      secret: 'a long enough test secret for vessel',
      saveUninitialized: true,
      cookie: { maxAge: 60_000 },
    });
    const app = express();
    app.use(middleware);
    let storage: Storage | undefined;
    app.get('/', (req, res) => {
      storage ??= (req.sessionStore as unknown as { storage?: Storage }).storage;
      res.end('ok');
    });
    for (let i = 0; i < 200; i++) await request(app).get('/').expect(200); // a crawler: no cookie, ever
    const sessions = (storage as Storage).namespace('session');
    expect(await sessions.count({ includeExpired: true })).toBe(200);

    await vi.advanceTimersByTimeAsync(10 * 60_000); // ten minutes later: every one has expired

    expect(await sessions.count({ includeExpired: true })).toBe(0);
    await middleware.close();
  });
});
