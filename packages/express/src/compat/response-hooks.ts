import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** What the hooks call on one response: the request's session side. */
export interface HookedSession {
  /** Runs once, as the headers are about to be written (the Set-Cookie header goes in here). */
  writeHeaders(res: ServerResponse): void;
  /** `writeHeaders` threw. */
  writeHeadersFailed(err: unknown): void;
  /** The end-of-request store write, or `undefined` for none: the response's end waits for it. */
  commit(): Promise<void> | undefined;
  /**
   * `commit` threw or failed. True: the error went on to the app's error handling, which answers
   * instead (the response is reset for it); false: the response goes out as it was.
   */
  commitFailed(err: unknown): boolean;
}

type Method = (this: ServerResponse, ...args: unknown[]) => unknown;

/** One response's hooks: the methods they replaced, and where they stand. */
interface Hooks {
  readonly session: HookedSession;
  readonly writeHead: Method;
  readonly end: Method;
  /** The headers when the hooks were set (what earlier middleware set stays on an error answer). */
  readonly headersBefore: OutgoingHttpHeaders;
  headersWritten: boolean;
  ended: boolean;
}

/**
 * Hooks `res` for `session`, as express-session does with on-headers and its `res.end` wrapper:
 * `writeHeaders` runs just before the headers go out, and the end of the response waits for
 * `commit`. Two own methods on the response and one state object.
 *
 * `res` may be less than a `ServerResponse`, as express-session allows: socket.io's session
 * sharing hands engine.io's `WebSocketResponse` (header methods, a no-argument `writeHead`) for
 * upgrades, and `{}` in the `wrap` pattern; neither may crash or fail the request.
 */
export function hookResponse(res: ServerResponse, session: HookedSession): void {
  const hooks: Hooks = {
    session,
    writeHead: res.writeHead as Method,
    end: res.end as Method,
    // socket.io hands upgrades engine.io's WebSocketResponse (no getHeaders), or `{}`.
    headersBefore: typeof res.getHeaders === 'function' ? res.getHeaders() : {},
    headersWritten: false,
    ended: false,
  };
  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    return writeHeadWith(hooks, this, args);
  } as ServerResponse['writeHead'];
  res.end = function end(this: ServerResponse, ...args: unknown[]) {
    return endWith(hooks, this, args);
  } as ServerResponse['end'];
}

type Headers = Record<string, unknown> | readonly unknown[];

/** `writeHead(status, [reason], [headers])` as on-headers runs it: the given headers are set first, so the session sees them. */
function writeHeadWith(hooks: Hooks, res: ServerResponse, args: unknown[]): unknown {
  const length = args.length;
  const headersAt = length > 1 && typeof args[1] === 'string' ? 2 : 1;
  const headers = length > headersAt ? (args[headersAt] as Headers | undefined) : undefined;
  res.statusCode = args[0] as number;
  if (Array.isArray(headers)) setHeadersFromArray(res, headers);
  else if (headers) setHeadersFromObject(res, headers as Record<string, unknown>);
  const leading = length > headersAt ? args.slice(0, headersAt) : args;
  if (!hooks.headersWritten) {
    hooks.headersWritten = true;
    try {
      hooks.session.writeHeaders(res);
    } catch (err) {
      hooks.session.writeHeadersFailed(err);
    }
    // The session may have changed the status: pass the current one on.
    if (typeof leading[0] === 'number' && res.statusCode !== leading[0]) {
      leading[0] = res.statusCode;
      leading.length = 1;
    }
  }
  // `{}` from socket.io's `wrap` pattern has no writeHead of its own.
  return typeof hooks.writeHead === 'function' ? hooks.writeHead.apply(res, leading) : res;
}

function setHeadersFromObject(res: ServerResponse, headers: Record<string, unknown>): void {
  for (const key of Object.keys(headers)) if (key) res.setHeader(key, headers[key] as string);
}

function setHeadersFromArray(res: ServerResponse, headers: readonly unknown[]): void {
  if (headers.length && Array.isArray(headers[0])) {
    for (const pair of headers as readonly (readonly [string, string])[]) if (pair[0]) res.setHeader(pair[0], pair[1]);
    return;
  }
  if (headers.length % 2 !== 0) throw new TypeError('headers array is malformed');
  for (let index = 0; index < headers.length; index += 2) res.removeHeader(headers[index] as string);
  for (let index = 0; index < headers.length; index += 2) {
    const key = headers[index] as string;
    if (key) res.appendHeader(key, headers[index + 1] as string);
  }
}

/**
 * Holds back the whole response (status, headers, body) until `commit` (the session's store
 * write) is done, so a client never sees a response complete before the write landed, and it
 * goes out in one write. A second `end()` is ignored.
 *
 * When the write fails and the error goes on to the app's error handling, the response is not
 * sent as if it had worked: it is reset to the headers it had when the hooks were set, for the
 * error handler to answer (a 503). A response that had already sent its headers (written in
 * pieces with `res.write`) can only be cut: its connection is destroyed.
 */
function endWith(hooks: Hooks, res: ServerResponse, args: unknown[]): unknown {
  if (hooks.ended) return res;
  hooks.ended = true;
  let pending: Promise<void> | undefined;
  try {
    pending = hooks.session.commit();
  } catch (err) {
    return fail(hooks, res, args, err);
  }
  if (!pending) return endNow(hooks, res, args);
  pending.then(
    () => endNow(hooks, res, args),
    (err: unknown) => fail(hooks, res, args, err),
  );
  return res;
}

/** The response's own `end` (none on socket.io's `{}`). */
function endNow(hooks: Hooks, res: ServerResponse, args: unknown[]): unknown {
  return typeof hooks.end === 'function' ? hooks.end.apply(res, args) : res;
}

function fail(hooks: Hooks, res: ServerResponse, args: unknown[], err: unknown): unknown {
  if (!hooks.session.commitFailed(err)) return endNow(hooks, res, args);
  res.end = hooks.end as ServerResponse['end'];
  if (res.headersSent || typeof res.getHeaderNames !== 'function') {
    // Sent in part, or not an http response (socket.io's upgrade): cut it.
    res.destroy?.();
  } else {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    for (const [name, value] of Object.entries(hooks.headersBefore))
      if (value !== undefined) res.setHeader(name, value);
    res.statusCode = 500;
  }
  return res;
}
