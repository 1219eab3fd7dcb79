/**
 * Load against a server in a child process (the outage and soak suites): spawning it, timed
 * requests that never reject, /proc samples of the child.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The repository root, for spawning its scripts. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A server running in a child process, as in production: a crash ends it instead of a test. */
export interface ChildServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** What the child wrote to stderr so far. */
  stderr(): string;
  /** `true` while the process runs. */
  alive(): boolean;
  /** Everything the child wrote to stdout so far. */
  stdout(): string;
  /** SIGTERM, then the exit: its code (`null` when a signal ended it) and that signal. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node <args>` (node's options, the script, its arguments) and resolves once its stdout
 * says where it listens (`listening` matches a line and captures the port).
 */
export async function startChild(
  args: readonly string[],
  { env = {}, cwd = ROOT, listening }: { env?: Record<string, string>; cwd?: string; listening: RegExp },
): Promise<ChildServer> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = listening.exec(stdout);
      if (match) resolve(Number(match[1]));
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`node ${args.join(' ')} exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    pid: child.pid as number,
    base: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    stdout: () => stdout,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code, signal] = await exited;
      return { code, signal };
    },
  };
}

/** One HTTP exchange as the load generators record it; `status` 0 when the connection failed. */
export interface TimedExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** `Date.now()` when the request was sent and when its answer (or failure) was complete. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The socket error (`ECONNRESET`, `timeout`) when `status` is 0. */
  readonly error?: string;
}

/** Options of `sendTimed`. */
export interface SendOptions {
  readonly cookie?: string;
  /** A form body (`application/x-www-form-urlencoded`). */
  readonly form?: Record<string, string>;
  /** Abandons (and records as `error: 'timeout'`) an exchange still open after this many ms. */
  readonly timeoutMs?: number;
  /** The connection pool; default one shared keep-alive agent. */
  readonly agent?: Agent;
}

/**
 * A keep-alive pool that never sends a request on a connection the server is closing as idle
 * (Node's server closes them after 5 s, `Keep-Alive: timeout=5`; a request written in that
 * instant is reset, a race of the client, not an error of the server): with an agent `timeout`
 * Node drops idle sockets a second before the server's hint, and FIFO use keeps every socket busy.
 */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, scheduling: 'fifo', timeout: 60_000 });
}

const sharedAgent = keepAliveAgent(64);

/** Sends one request over a shared keep-alive agent; never rejects (a failure is an exchange with status 0). */
export function sendTimed(
  base: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<TimedExchange> {
  const startedAt = Date.now();
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve) => {
    const fail = (error: string) =>
      resolve({ method, path, status: 0, headers: {}, body: '', startedAt, endedAt: Date.now(), error });
    const req = httpRequest(`${base}${path}`, { method, headers, agent: options.agent ?? sharedAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
      res.on('end', () => {
        // A response whose connection was cut before its end arrived is not an answer.
        if (!res.complete) return fail('incomplete');
        resolve({
          method,
          path,
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          startedAt,
          endedAt: Date.now(),
        });
      });
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
    );
    req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    req.end(body);
  });
}

/** A process's resident memory (KiB, `VmRSS`) and open file descriptors, read from /proc. */
export function sampleProcess(pid: number): { rssKb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return { rssKb, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Resolves after `ms`; for pacing load and for the length of an outage, never to wait for an event. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
