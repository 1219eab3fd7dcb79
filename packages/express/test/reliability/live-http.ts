import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { listening } from '../../../../test-support/listening.js';

/** An app listening on a loopback port of its own, reached over real sockets. */
export interface LiveServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `app` on a free loopback port (a real server: requests are in flight together, not queued). */
export async function listen(app: RequestListener): Promise<LiveServer> {
  return listening(createServer(app).listen(0, '127.0.0.1'));
}

/** A response as a test reads it. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One GET on a connection of its own (no agent pooling, no keep-alive), so a hundred calls are a
 * hundred sockets in flight at once.
 */
export function get(url: string, options: { cookie?: string | undefined } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close' };
    if (options.cookie) headers.cookie = options.cookie;
    const req = httpRequest(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `name=value` pair of the Set-Cookie for `name`, if the reply sets one. */
export function cookieFrom(reply: Reply, name = 'connect.sid'): string | undefined {
  const line = (reply.headers['set-cookie'] ?? []).find((header) => header.startsWith(`${name}=`));
  return line?.slice(0, line.indexOf(';'));
}

/** The session id a signed `connect.sid=s%3A<id>.<signature>` pair names. */
export function idOfCookie(pair: string): string {
  const value = decodeURIComponent(pair.slice(pair.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/**
 * A gate for `count` parties: `arrive()` resolves once all of them have arrived, so every
 * request is known to be past a point (its session loaded) before any of them goes on. It
 * rejects, naming how many came, if they do not all arrive within `timeoutMs` (requests that
 * are queued somewhere instead of in flight).
 */
export class Latch {
  #arrived = 0;
  readonly #open: Promise<void>;
  #release: () => void = () => {};

  constructor(
    readonly count: number,
    timeoutMs = 20_000,
  ) {
    this.#open = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.#arrived} of ${count} requests were in flight together`)),
        timeoutMs,
      );
      this.#release = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#open.catch(() => {});
  }

  /** How many parties have arrived. */
  get arrived(): number {
    return this.#arrived;
  }

  arrive(): Promise<void> {
    this.#arrived++;
    if (this.#arrived === this.count) this.#release();
    return this.#open;
  }
}

/**
 * Holds one request at a point until the test lets it go: the handler calls `wait()`, the test
 * awaits `arrived` (the request is there, its session loaded), does what it must, then `open()`s.
 */
export class Gate {
  readonly arrived: Promise<void>;
  #arrive: () => void = () => {};
  #open: () => void = () => {};
  readonly #opened = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  constructor() {
    this.arrived = new Promise<void>((resolve) => {
      this.#arrive = resolve;
    });
  }

  wait(): Promise<void> {
    this.#arrive();
    return this.#opened;
  }

  open(): void {
    this.#open();
  }
}
