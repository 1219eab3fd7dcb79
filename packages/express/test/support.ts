import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage, type Storage } from '@vessel/core';
import { MemoryStore, type Session, type SessionOptions, type SessionStore, session } from '@vessel/express';
import { RedisStore } from 'connect-redis';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { createClient } from 'redis';
import type { Response } from 'supertest';
import { afterEach, beforeEach } from 'vitest';

export const REDIS_URL = process.env.VESSEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where a test's sessions live: options for `session()` that pick the backend, and cleanup. */
export interface OpenBackend {
  readonly options: Partial<SessionOptions>;
  /** The storage behind the Vessel path (for inspecting records). */
  readonly storage?: Storage;
  readonly store?: SessionStore;
  cleanup(): Promise<void>;
}

export interface BackendCase {
  readonly name: string;
  /** `vessel`: Vessel storage under the middleware; `store`: an express-session store. */
  readonly kind: 'vessel' | 'store';
  open(): Promise<OpenBackend>;
}

/**
 * Opens `backendCase` afresh before each test of the calling suite and cleans it up after; the
 * returned function gives the current test's backend.
 */
export function openEach(backendCase: BackendCase): () => OpenBackend {
  let current: OpenBackend | undefined;
  beforeEach(async () => {
    current = await backendCase.open();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error(`no ${backendCase.name} backend is open outside a test`);
    return current;
  };
}

/**
 * Apps on the current test's backend with express-session's recommended settings (`resave` and
 * `saveUninitialized` off), `options` laid over them.
 */
export function appsOn(backend: () => OpenBackend): (handler?: RequestHandler, options?: SessionOptions) => Express {
  return (handler, options = {}) =>
    createApp({ secret: SECRET, resave: false, saveUninitialized: false, ...backend().options, ...options }, handler);
}

export const vesselMemory: BackendCase = {
  name: 'vessel memory',
  kind: 'vessel',
  async open() {
    const storage = createStorage({ type: 'memory' });
    return { options: { storage }, storage, cleanup: () => storage.close() };
  },
};

export const vesselSqlite: BackendCase = {
  name: 'vessel sqlite',
  kind: 'vessel',
  async open() {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-express-'));
    const storage = createStorage({ type: 'sqlite', cacheDir });
    return {
      options: { storage },
      storage,
      async cleanup() {
        await storage.close();
        await rm(cacheDir, { recursive: true, force: true });
      },
    };
  },
};

export const expressMemoryStore: BackendCase = {
  name: 'MemoryStore',
  kind: 'store',
  async open() {
    const store = new MemoryStore();
    return { options: { store }, store, cleanup: async () => {} };
  },
};

export const connectRedis: BackendCase = {
  name: 'connect-redis',
  kind: 'store',
  async open() {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const prefix = `vessel-express-test-${randomBytes(5).toString('hex')}:`;
    const store = new RedisStore({ client, prefix }) as unknown as SessionStore;
    return {
      options: { store },
      store,
      async cleanup() {
        const keys: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: `${prefix}*` })) keys.push(...batch);
        if (keys.length > 0) await client.del(keys);
        client.destroy();
      },
    };
  },
};

/** Every backend the shared suites run on. */
export const BACKENDS: readonly BackendCase[] = [vesselMemory, vesselSqlite, expressMemoryStore, connectRedis];

/** An Express 5 app with `session(options)`, then `handler`, then an error handler answering 500 with the message. */
export function createApp(options: SessionOptions, handler?: RequestHandler): Express {
  const app = express();
  app.use(session(options));
  app.use(handler ?? ((req, res) => res.end(req.session ? 'session' : 'no session')));
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status((err as { status?: number }).status ?? 500).send(String((err as Error).message ?? err));
  };
  app.use(onError);
  return app;
}

/** The Set-Cookie header for cookie `name`, if any. */
export function setCookieFor(res: Response, name = 'connect.sid'): string | undefined {
  const header = res.headers['set-cookie'] as string[] | string | undefined;
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return list.find((line) => line.startsWith(`${name}=`));
}

/** `name=value` for the Cookie header, from the response's Set-Cookie. */
export function cookieOf(res: Response, name = 'connect.sid'): string {
  const line = setCookieFor(res, name);
  if (!line) throw new Error(`no Set-Cookie for ${name}`);
  return line.slice(0, line.indexOf(';'));
}

/** The session id inside a Set-Cookie for `connect.sid`. */
export function sidOf(res: Response, name = 'connect.sid'): string {
  const value = decodeURIComponent(cookieOf(res, name).slice(name.length + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/** The `Expires` of a Set-Cookie as a Date. */
export function expiresOf(res: Response, name = 'connect.sid'): Date | undefined {
  const match = /; Expires=([^;]+)/.exec(setCookieFor(res, name) ?? '');
  return match?.[1] ? new Date(match[1]) : undefined;
}

/** Options most tests share: explicit resave/saveUninitialized as express-session's tests set them. */
export const SECRET = 'keyboard cat, a secret of 32+ bytes';

/** Counts store writes (saves and touches) on either path. */
export function countWrites(backend: OpenBackend): { saves: number; touches: number } {
  const counts = { saves: 0, touches: 0 };
  const { store, storage } = backend;
  if (store) {
    const set = store.set.bind(store);
    store.set = (...args: Parameters<SessionStore['set']>) => {
      counts.saves++;
      set(...args);
    };
    const touch = store.touch?.bind(store);
    if (touch) {
      store.touch = (...args: Parameters<NonNullable<SessionStore['touch']>>) => {
        counts.touches++;
        touch(...args);
      };
    }
  } else if (storage) {
    // The namespace object is shared: every write of the session layer passes through it.
    const namespace = storage.namespace('session');
    const set = namespace.set.bind(namespace);
    const setIfVersion = namespace.setIfVersion.bind(namespace);
    namespace.set = (...args) => {
      counts.saves++;
      return set(...args);
    };
    namespace.setIfVersion = (...args) => {
      counts.saves++;
      return setIfVersion(...args);
    };
  }
  return counts;
}

/** `req.session`, which the test knows is there. */
export function sessionOf(req: { session?: Session | undefined }): Session {
  if (!req.session) throw new Error('no session on this request');
  return req.session;
}

/** The `Expires` of a Set-Cookie, which the test knows is there. */
export function expiresAt(res: Response, name = 'connect.sid'): Date {
  const expires = expiresOf(res, name);
  if (!expires) throw new Error(`no Expires on ${name}`);
  return expires;
}
