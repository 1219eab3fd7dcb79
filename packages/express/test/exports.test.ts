import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import defaultSession, {
  Cookie,
  cache,
  cacheResponse,
  MemoryStore,
  Session,
  Store,
  secretFromEnv,
  session,
  VesselStore,
} from '@vessel/express';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('loading @vessel/express as express-session is loaded', () => {
  it('default and named exports are the session function, with the constructors on it', () => {
    expect(defaultSession).toBe(session);
    expect(typeof session).toBe('function');
    expect(session.Store).toBe(Store);
    expect(session.MemoryStore).toBe(MemoryStore);
    expect(session.Cookie).toBe(Cookie);
    expect(session.Session).toBe(Session);
    expect(session.VesselStore).toBe(VesselStore);
    expect(session.cache).toBe(cache);
    expect(session.cacheResponse).toBe(cacheResponse);
    expect(session.secretFromEnv).toBe(secretFromEnv);
  });

  it('require() returns the function itself (built package)', async () => {
    const script = `
      const session = require('@vessel/express');
      const out = [typeof session, typeof session.Store, typeof session.MemoryStore, typeof session.Cookie,
        typeof session.Session, typeof session.VesselStore, typeof session({ secret: 'x'.repeat(32), resave: false, saveUninitialized: false }),
        typeof session.cache, typeof session.cacheResponse, typeof session.secretFromEnv];
      console.log(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual(Array(10).fill('function'));
  });

  it('import() of the built package gives the same shape', async () => {
    const script = `import('@vessel/express').then((m) => console.log(JSON.stringify([typeof m.default, m.default === m.session, typeof m.default.MemoryStore])))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual(['function', true, 'function']);
  });
});

describe('Store', () => {
  it('is an old-style constructor inheriting EventEmitter (Store.call(this) works)', () => {
    function LegacyStore(this: InstanceType<typeof Store>) {
      Store.call(this);
    }
    Object.setPrototypeOf(LegacyStore.prototype, Store.prototype);
    const store = new (LegacyStore as unknown as new () => InstanceType<typeof Store>)();
    expect(store).toBeInstanceOf(EventEmitter);
    expect(store).toBeInstanceOf(Store);
    expect(typeof store.regenerate).toBe('function');
    expect(typeof store.on).toBe('function');
  });

  it('works as a class base', () => {
    class ModernStore extends Store {}
    expect(new ModernStore()).toBeInstanceOf(EventEmitter);
  });

  it('load() turns stored data into a Session', async () => {
    const store = new MemoryStore();
    store.sessions.abc = JSON.stringify({ cookie: { originalMaxAge: null, path: '/' }, user: 'ada' });
    const loaded = await new Promise<Session | undefined>((resolve, reject) =>
      store.load('abc', (err, s) => (err ? reject(err) : resolve(s))),
    );
    expect(loaded).toBeInstanceOf(Session);
    expect(loaded?.user).toBe('ada');
    expect(loaded?.cookie).toBeInstanceOf(Cookie);
  });
});

describe('Cookie', () => {
  it('has express-session defaults', () => {
    const cookie = new Cookie();
    expect(cookie.toJSON()).toMatchObject({ path: '/', httpOnly: true, originalMaxAge: null });
    expect(cookie.expires).toBeNull();
  });
  it('lets the last of expires and maxAge win', () => {
    const later = new Date(Date.now() + 100_000);
    expect(new Cookie({ maxAge: 1000, expires: later }).expires).toBe(later);
    expect(new Cookie({ expires: later, maxAge: 1000 }).originalMaxAge).toBe(1000);
  });
  it('keeps originalMaxAge exactly as set through maxAge', () => {
    for (let i = 0; i < 1000; i++) expect(new Cookie({ maxAge: 2000 }).originalMaxAge).toBe(2000);
  });
  it('rejects a non-object', () => {
    expect(() => new Cookie('bad' as never)).toThrow(TypeError);
  });
});
