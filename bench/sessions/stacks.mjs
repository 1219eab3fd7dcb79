/**
 * The two stacks the sessions suite compares, and the store calls each makes per request.
 *
 * Vessel: `SessionManager` over `createStorage` (the built `@vessel/core`), used exactly as an
 * application uses it. The yardstick: the Store calls express-session makes for the same request,
 * with its defaults (`resave: false`, `saveUninitialized: false`, no `rolling`, a cookie without
 * `maxAge`), preceded by what its `getcookie` does (parse the Cookie header, unsign the value) —
 * so the yardstick leaves out express-session's own per-request work (`createSession`, the
 * CRC32 hashes of the session, the `res.end` wrapper), and is a floor for it, not a copy.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import session from 'express-session';

// express-session's own copies of its cookie parser and signer, whatever the root has hoisted.
const requireFromSession = createRequire(createRequire(import.meta.url).resolve('express-session'));
const cookie = requireFromSession('cookie');
const signature = requireFromSession('cookie-signature');

/** One cookie name and secret for both stacks: Vessel reads express-session's cookie format. */
export const COOKIE_NAME = 'connect.sid';
const SECRET = 'bench-secret-not-for-production, 32 bytes or more';

/**
 * The request each scenario makes, in words, for the results and the docs. The store calls Vessel
 * makes are the build's own business; the results count them (the "store calls" column).
 */
export const STORE_CALLS = {
  vessel: {
    read: 'load({ cookie }) (parse, verify, one record read); get(user); commit (no store call while the access time is not due)',
    write: 'load({ cookie }); set(visits); save() (merged onto the stored copy); commit',
  },
  'express-session': {
    read: 'parse + unsign cookie; store.get; store.touch (express-session touches an unmodified session at res.end whenever the store has touch)',
    write: 'parse + unsign cookie; store.get; store.set',
  },
  'express-session get only': {
    read: 'parse + unsign cookie; store.get (a store without touch, or connect-redis with disableTouch)',
  },
};

/**
 * The session's user object, ~200 bytes of JSON: `lastLogin` is a `Date` for Vessel (its codec
 * keeps the type) and the ISO string express-session's JSON would turn it into.
 */
export function userFor(index, dateForm) {
  const lastLogin = new Date(Date.UTC(2026, 10, 1) + index * 60_000);
  return {
    id: 100_000 + index,
    name: `User ${index} Example`,
    email: `user${index}@example.com`,
    roles: ['reader', 'editor', index % 7 === 0 ? 'admin' : 'member'],
    locale: 'en-GB',
    lastLogin: dateForm === 'date' ? lastLogin : lastLogin.toISOString(),
    preferences: { theme: 'dark', newsletter: false, pageSize: 50 },
  };
}

/** Namespace calls that only read; every other call counts as a write (locks write a lock entry). */
const READ_CALLS = new Set(['get', 'getVersioned', 'has', 'scan', 'count']);
/** Calls made of other counted calls (`withLock` = `lock` + the work + release): not counted twice. */
const COMPOSITE_CALLS = new Set(['withLock']);

/** Is a counted call a write? Store APIs: Vessel's namespace, express-session's Store. */
export function isWriteCall(name) {
  return !READ_CALLS.has(name) && !COMPOSITE_CALLS.has(name);
}

/** Replaces `methods` of `target` with counting wrappers; returns the live counts. */
function countCalls(target, methods) {
  const counts = Object.fromEntries(methods.map((name) => [name, 0]));
  for (const name of methods) {
    const original = target[name];
    target[name] = function counted(...args) {
      counts[name]++;
      return original.apply(this, args);
    };
  }
  return counts;
}

/** Every method of `object`'s class (and its own function properties), but the constructor. */
function methodsOf(object) {
  const names = new Set(Object.keys(object).filter((name) => typeof object[name] === 'function'));
  for (
    let proto = Object.getPrototypeOf(object);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function')
        names.add(name);
    }
  }
  return [...names];
}

/**
 * Vessel's stack on `storage`, from `core` (the built `@vessel/core` module, or another build
 * of it). Every method of the session namespace is counted, whatever the storage API of the
 * build at hand, so a run shows the store calls its requests made. The counted namespace is the
 * one the manager uses: `storage.namespace(name)` returns the same object for the same name.
 */
export function vesselStack(core, storage) {
  const { SessionManager, SESSION_NAMESPACE } = core;
  const namespace = storage.namespace(SESSION_NAMESPACE);
  const counts = countCalls(namespace, methodsOf(namespace));
  const manager = new SessionManager(
    // Throttle well past the run, so no read-only request is due an access-time write.
    { key: COOKIE_NAME, secret: SECRET, timeout: '1d', accessedTimeThrottle: '1h' },
    storage,
  );
  manager.on('reject', ({ reason }) => {
    throw new Error(`bench session rejected (${reason}): the pool is broken`);
  });
  return {
    stack: 'vessel',
    async seed(count) {
      const headers = [];
      for (let index = 0; index < count; index++) {
        const fresh = await manager.load({});
        fresh.set('user', userFor(index, 'date'));
        await fresh.save();
        const { setCookie } = await manager.commit(fresh);
        headers.push(setCookie.slice(0, setCookie.indexOf(';')));
      }
      return headers;
    },
    async read(header) {
      const loaded = await manager.load({ cookie: header });
      if (loaded.isNew || loaded.get('user') === undefined) throw new Error('vessel read found no session');
      await manager.commit(loaded);
    },
    async write(header, visits) {
      const loaded = await manager.load({ cookie: header });
      if (loaded.isNew) throw new Error('vessel write found no session');
      loaded.set('visits', visits);
      await loaded.save();
      await manager.commit(loaded);
    },
    counts: () => ({ ...counts }),
    /** Bytes of one stored record as the backend holds it. */
    async recordBytes() {
      for await (const entry of namespace.scan({ pageSize: 1, keysOnly: true })) return entry.size;
      return null;
    },
    close: () => storage.close(),
  };
}

/** `store.method(...args, cb)` as a promise. */
function call(store, method, ...args) {
  return new Promise((resolve, reject) => {
    store[method](...args, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

/** What express-session's `getcookie` does with a Cookie header: the session id, or throws. */
function sessionIdOf(header) {
  const raw = cookie.parse(header)[COOKIE_NAME];
  const id = raw?.startsWith('s:') ? signature.unsign(raw.slice(2), SECRET) : false;
  if (!id) throw new Error('express-session cookie did not verify');
  return id;
}

/**
 * The express-session yardstick on `store` (MemoryStore, connect-sqlite3, connect-redis). The
 * stored session is what express-session stores for a fresh session without `maxAge`:
 * `{ cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' }, user }`.
 */
export function expressSessionStack(store, { close }) {
  const counts = countCalls(store, ['get', 'set', 'touch', 'destroy']);
  const cookieJson = JSON.parse(JSON.stringify(new session.Cookie()));
  async function loaded(header) {
    const id = sessionIdOf(header);
    const stored = await call(store, 'get', id);
    if (!stored) throw new Error('express-session read found no session');
    return { id, stored };
  }
  return {
    stack: 'express-session',
    async seed(count) {
      const headers = [];
      for (let index = 0; index < count; index++) {
        const id = randomBytes(24).toString('base64url'); // what uid-safe(24) yields
        await call(store, 'set', id, { cookie: { ...cookieJson }, user: userFor(index, 'iso') });
        headers.push(cookie.serialize(COOKIE_NAME, `s:${signature.sign(id, SECRET)}`));
      }
      return headers;
    },
    /** express-session's defaults: at `res.end` an unmodified session is touched. */
    async read(header) {
      const { id, stored } = await loaded(header);
      if (stored.user === undefined) throw new Error('express-session read found no user');
      await call(store, 'touch', id, stored);
    },
    /** Only `store.get`: what a store without `touch` costs. */
    async readGetOnly(header) {
      const { stored } = await loaded(header);
      if (stored.user === undefined) throw new Error('express-session read found no user');
    },
    async write(header, visits) {
      const { id, stored } = await loaded(header);
      stored.visits = visits;
      await call(store, 'set', id, stored);
    },
    counts: () => ({ ...counts }),
    /** Bytes of one stored session: every one of these stores keeps `JSON.stringify(session)`. */
    recordBytes: async () => Buffer.byteLength(JSON.stringify({ cookie: cookieJson, user: userFor(0, 'iso') })),
    close,
  };
}
