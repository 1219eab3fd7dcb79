import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Storage } from '@vessel/core';
import type { Express } from 'express';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { BACKENDS, type BackendCase, type OpenBackend } from '../../../../test-support/backends.js';
import { keysOutside, newPathsOutside, treeOf, unhashedPaths } from '../../../../test-support/containment.js';
import { type LiveServer, listen as listenLive, type Reply } from './live-http.js';

export type { Reply } from './live-http.js';

/** A live app with a keep-alive agent, to send it thousands of requests over a few sockets. */
export interface Listening extends LiveServer {
  readonly port: number;
  readonly agent: Agent;
}

/** Serves `app` on a free loopback port, with a keep-alive agent of 16 sockets. */
export async function listen(app: Express): Promise<Listening> {
  const live = await listenLive(app);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  return {
    url: live.url,
    port: Number(new URL(live.url).port),
    agent,
    async close() {
      agent.destroy();
      await live.close();
    },
  };
}

/** One request as the fuzzers describe it. */
export interface Exchange {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: OutgoingHttpHeaders;
}

/** Sends one request over the app's keep-alive agent. */
export function send(target: Listening, exchange: Exchange): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        agent: target.agent,
        method: exchange.method,
        path: exchange.path,
        headers: exchange.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sends a request whose head is `head` as given (NUL, bare CR or LF, anything) on a fresh
 * connection that closes after it; status 0 when the server closed it without answering.
 */
export function sendRaw(port: number, head: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => resolve(replyOf(Buffer.concat(chunks).toString('utf8')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may reset a connection whose request it refused.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') done();
      else reject(error);
    });
    socket.on('end', done);
    socket.end(head);
  });
}

function replyOf(response: string): Reply {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(response);
  const end = response.indexOf('\r\n\r\n');
  return { status: match ? Number(match[1]) : 0, headers: {}, body: end < 0 ? '' : response.slice(end + 4) };
}

/** Runs `work` over `items` with at most `width` in flight. */
export async function inPool<Item>(items: readonly Item[], width: number, work: (item: Item) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as Item);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * The values a Cookie header carries for `name`, decoded as a browser-facing parser does
 * (quotes stripped, percent-decoded when valid): the fuzz oracle's own reading, independent of
 * the middleware's.
 */
export function cookieValues(header: string | readonly string[] | undefined, name: string): string[] {
  const lines = header === undefined ? [] : typeof header === 'string' ? [header] : header;
  const values: string[] = [];
  for (const pair of lines.join('; ').split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      values.push(value.includes('%') ? decodeURIComponent(value) : value);
    } catch {
      values.push(value);
    }
  }
  return values;
}

/** A backend opened for a fuzz run, with its files (if any) in a folder of the run's own. */
export interface FuzzBackend {
  readonly open: OpenBackend;
  readonly parent: string;
  readonly cacheDir: string;
  /** Records the tree of `parent`, to compare with after the run. */
  snapshot(): Promise<void>;
  /**
   * Expects that nothing appeared outside `cacheDir` since `snapshot`, that a file backend holds
   * only hashed paths, that no file named after `marker` exists anywhere a traversal would reach,
   * and that every raw key is a session (or its lock) with an id `idPattern` accepts.
   */
  expectContained(marker: string, idPattern: RegExp): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Opens `backend` for a fuzz run. `cacheDir` sits four folders deep in a folder of the run's
 * own, so an escape of up to four levels lands where the before/after snapshot sees it.
 */
export async function openFuzzBackend(backend: BackendCase): Promise<FuzzBackend> {
  const parent = await mkdtemp(path.join(tmpdir(), 'vessel-fuzz-'));
  const cacheDir = path.join(parent, 'a', 'b', 'c', 'cache');
  await mkdir(cacheDir, { recursive: true });
  const open = await backend.open(['file', 'sqlite'].includes(backend.type) ? { cacheDir } : {});
  let before: string[] = [];
  return {
    open,
    parent,
    cacheDir,
    async snapshot() {
      before = await treeOf(parent);
    },
    async expectContained(marker, idPattern) {
      expect(newPathsOutside(before, await treeOf(parent), [path.relative(parent, cacheDir)])).toEqual([]);
      if (backend.type === 'file') expect(unhashedPaths(await treeOf(cacheDir))).toEqual([]);
      for (const dir of [tmpdir(), process.cwd(), path.dirname(process.cwd()), '/']) {
        expect((await readdir(dir)).filter((name) => name.includes(marker))).toEqual([]);
      }
      if (open.rawKeys) {
        const keys = await open.rawKeys();
        expect(keys.length).toBeGreaterThan(0);
        expect(keysOutside(keys, open.storage.prefix, ['session'], idPattern)).toEqual([]);
      }
    },
    async cleanup() {
      await open.cleanup();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** Collects unhandled rejections while a test runs (there must be none). */
export function unhandledRejections(): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  beforeEach(() => {
    seen.length = 0;
    process.on('unhandledRejection', listener);
  });
  afterEach(() => {
    process.off('unhandledRejection', listener);
  });
  return seen;
}

/** Ids the fuzz apps' own `genid` makes, and the pattern they match. */
export const appGenid = (): string => `app.${randomBytes(24).toString('base64url')}`;
export const APP_ID = /^app\.[A-Za-z0-9_-]{32}$/;

/** One backend and how many cases a fuzz suite sends at it. */
export interface FuzzTarget {
  readonly backend: BackendCase;
  readonly cases: number;
  /**
   * The app has its own `genid`, so the middleware accepts any printable id without `/` or `\`
   * (the widest check, the strongest hazard) instead of Vessel's base64url ids.
   */
  readonly genid: boolean;
}

/**
 * memory carries the bulk (with Vessel's ids, and a share with the app's `genid`); every other
 * backend gets `perBackend` cases with the widest id check, where its paths and keys are at stake.
 */
export function fuzzTargets(bulk: number, bulkWithGenid: number, perBackend: number): FuzzTarget[] {
  const [memory, ...others] = BACKENDS;
  return [
    { backend: memory as BackendCase, cases: bulk, genid: false },
    { backend: memory as BackendCase, cases: bulkWithGenid, genid: true },
    ...others.map((backend) => ({ backend, cases: perBackend, genid: true })),
  ];
}

/** The backend and the listening app of one fuzz target, set once the suite's `beforeAll` ran. */
export interface FuzzServer {
  fuzzed: FuzzBackend;
  app: Listening;
}

/**
 * Opens `target`'s backend and serves `makeApp(storage, genid)` on it for the calling suite
 * (`genid` is `appGenid` when the target asks for one); closes and cleans up after.
 */
export function fuzzServer(
  target: FuzzTarget,
  makeApp: (storage: Storage, genid: (() => string) | undefined) => Express,
): FuzzServer {
  const server = {} as FuzzServer;
  beforeAll(async () => {
    server.fuzzed = await openFuzzBackend(target.backend);
    server.app = await listen(makeApp(server.fuzzed.open.storage, target.genid ? appGenid : undefined));
  });
  afterAll(async () => {
    await server.app?.close();
    await server.fuzzed?.cleanup();
  });
  return server;
}
