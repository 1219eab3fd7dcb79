/**
 * The framework-neutral HTTP session layer over real storage: request facts in, a session, the
 * Set-Cookie values out.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, StorageUnavailableError, type Vessel } from '@vessel/core';
import {
  HttpSessions,
  isSecureRequest,
  isStorageOutage,
  sessionErrorStatus,
  sessionProperties,
} from '@vessel/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET } from '../../../../test-support/sessions.js';

let cacheDir: string;
let vessel: Vessel;
let secureVessel: Vessel;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-http-'));
  vessel = createVessel({ cacheDir, session: { secret: SECRET } });
  secureVessel = createVessel({ cacheDir, session: { secret: SECRET, secure: true } });
});
afterAll(async () => {
  await vessel.close();
  await secureVessel.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const pairOf = (setCookie: readonly string[]) => setCookie[0]?.split(';')[0];

describe('HttpSessions', () => {
  it('loads, commits a change with one Set-Cookie, and the cookie brings the session back', async () => {
    const http = new HttpSessions(vessel.sessions);
    const first = http.begin({ cookie: undefined });
    const session = await first.load();
    expect(session.isNew).toBe(true);
    session.set('views', 1);
    await session.save();
    const committed = await first.commit();
    expect(committed.setCookie).toHaveLength(1);
    expect(committed.setCookie[0]).toMatch(new RegExp(`^${http.cookieName}=`));
    expect(committed.id).toBe(session.id);

    const second = http.begin({ cookie: pairOf(committed.setCookie) });
    const again = await second.load();
    expect(again.id).toBe(session.id);
    expect(again.get('views')).toBe(1);
  });

  it('loads once per request, however often asked', async () => {
    const request = new HttpSessions(vessel.sessions).begin({});
    const [a, b] = await Promise.all([request.load(), request.load()]);
    expect(a).toBe(b);
    expect(request.current).toBe(a);
  });

  it('a session never loaded commits nothing (lazy requests that did not touch it)', async () => {
    const http = new HttpSessions(vessel.sessions, { lazy: true });
    expect(http.lazy).toBe(true);
    const request = http.begin({ cookie: 'vessel.sid=whatever' });
    expect(request.started).toBe(false);
    expect(await request.commit()).toEqual({ setCookie: [], stored: false, id: undefined });
  });

  it('holds a Secure cookie back on a request known to be plain HTTP, and sends it over HTTPS or when unknown', async () => {
    const http = new HttpSessions(secureVessel.sessions);
    for (const [secure, sent] of [
      [false, 0],
      [true, 1],
      [undefined, 1],
    ] as const) {
      const request = http.begin({ secure });
      const session = await request.load();
      session.set('x', 1);
      await session.save();
      const { setCookie, stored } = await request.commit();
      expect(stored, String(secure)).toBe(true);
      expect(setCookie, String(secure)).toHaveLength(sent);
      if (sent) expect(setCookie[0]).toContain('Secure');
    }
  });

  it('no-cookie mode: the id the app read names the session, and no cookie is written', async () => {
    const http = new HttpSessions(vessel.sessions);
    const first = http.begin({ sessionId: null });
    const session = await first.load();
    session.set('user', 'ada');
    await session.save();
    expect((await first.commit()).setCookie).toEqual([]);
    const again = await http.begin({ sessionId: session.id, cookie: 'ignored=1' }).load();
    expect(again.get('user')).toBe('ada');
  });

  it('refuses a non-boolean lazy option, naming it', () => {
    expect(() => new HttpSessions(vessel.sessions, { lazy: 'yes' as unknown as boolean })).toThrow(/^lazy: /);
  });
});

describe('isSecureRequest', () => {
  it('trusts TLS, and X-Forwarded-Proto only behind a trusted proxy, by its first value', () => {
    expect(isSecureRequest({ encrypted: true })).toBe(true);
    expect(isSecureRequest({ encrypted: false })).toBe(false);
    expect(isSecureRequest({ encrypted: false, forwardedProto: 'https' })).toBe(false);
    expect(isSecureRequest({ encrypted: false, forwardedProto: 'https', trustProxy: true })).toBe(true);
    expect(isSecureRequest({ encrypted: false, forwardedProto: ' HTTPS , http', trustProxy: true })).toBe(true);
    expect(isSecureRequest({ encrypted: false, forwardedProto: 'http, https', trustProxy: true })).toBe(false);
  });
});

describe('sessionErrorStatus', () => {
  it('is 503 for a storage outage (never a silent logout) and 500 otherwise', async () => {
    const down = createVessel({ url: 'redis://127.0.0.1:1', timeoutMs: 500, session: { secret: SECRET } });
    try {
      const error = await new HttpSessions(down.sessions)
        .begin({ cookie: undefined })
        .load()
        .then(async (session) => {
          session.set('a', 1);
          await session.save();
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(isStorageOutage(error)).toBe(true);
      expect(sessionErrorStatus(error)).toBe(503);
      expect(sessionErrorStatus(new Error('bug'))).toBe(500);
      expect(isStorageOutage(new Error('bug'))).toBe(false);
    } finally {
      await down.close();
    }
  });
});

describe('sessionProperties', () => {
  it('reads, writes and deletes data as properties, tracked like the session API, with methods beside them', async () => {
    const http = new HttpSessions(vessel.sessions);
    const request = http.begin({});
    const session = await request.load();
    const props = sessionProperties(session, {
      save: () => session.save(),
      get isNew() {
        return session.isNew;
      },
    });
    props.views = 1;
    props.flash = ['saved'];
    (props.flash as string[]).push('sent');
    expect(props.isNew).toBe(true);
    expect(Object.keys(props)).toEqual(['views', 'flash']);
    expect({ ...props }).toEqual({ views: 1, flash: ['saved', 'sent'] });
    expect(JSON.stringify(props)).toBe('{"views":1,"flash":["saved","sent"]}');
    expect('views' in props).toBe(true);
    delete props.views;
    expect('views' in props).toBe(false);
    props.lang = undefined;
    expect(session.has('lang')).toBe(false);
    await props.save();
    const { setCookie } = await request.commit();
    const again = await http.begin({ cookie: pairOf(setCookie) }).load();
    expect(again.toJSON()).toEqual({ flash: ['saved', 'sent'] });
  });
});

describe('HttpSessions auto', () => {
  it('saves changes at commit without save() when auto is on, and not when the manager says no', async () => {
    expect(vessel.sessions.options.auto).toBe(false);
    for (const [auto, kept] of [
      [true, 'yes'],
      [undefined, undefined],
      [false, undefined],
    ] as const) {
      const http = new HttpSessions(vessel.sessions, { auto });
      expect(http.auto).toBe(auto);
      const request = http.begin({});
      (await request.load()).set('kept', 'yes');
      const committed = await request.commit();
      expect(committed.stored, String(auto)).toBe(kept !== undefined);
      if (kept) {
        const again = await http.begin({ cookie: pairOf(committed.setCookie) }).load();
        expect(again.get('kept')).toBe(kept);
      }
    }
  });
});

describe('vessel.sessionManager', () => {
  it("builds a manager with overrides on the vessel's config, keeping createVessel's code-only options", async () => {
    let made = 0;
    const generateId = () => `custom-id-${String(++made).padStart(16, '0')}`;
    const own = createVessel({
      cacheDir,
      session: { secret: SECRET, generateId, idPattern: /^custom-id-\d{16}$/, timeout: 600 },
    });
    try {
      const manager = own.sessionManager({ key: 'app.sid', auto: true });
      expect(manager).not.toBe(own.sessions);
      expect(manager.cookieName).toBe('app.sid');
      expect(manager.options.timeout).toBe(600);
      const session = await manager.load({});
      expect(session.id).toMatch(/^custom-id-\d{16}$/);
      session.set('a', 1);
      const { setCookie } = await manager.commit(session);
      const again = await manager.load({ cookie: setCookie?.split(';')[0] });
      expect(again.get('a')).toBe(1);
      expect(own.sessions.cookieName).toBe('vessel.sid');
    } finally {
      await own.close();
    }
  });
});
