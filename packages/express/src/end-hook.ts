import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

type End = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * Holds back the whole response (status, headers, body) until `commit` (the session's store
 * write) is done, so a client never sees a response complete before the write landed.
 * `commit` returns `undefined` when there is nothing to write. A second `end()` is ignored.
 *
 * When the write fails, the response is not sent as if it had worked: `onFailure` gets the error
 * (the middleware hands it to `next(err)`) with the response reset to the headers it had when
 * the hook was set, for the error handler to answer (a 503). A response that had already sent
 * its headers (written in pieces with `res.write`) can only be cut: its connection is destroyed.
 * Without `onFailure` (`storeUnavailable: 'continue'`) the response goes out as it was.
 */
export function holdEnd(
  res: ServerResponse,
  commit: () => Promise<void> | undefined,
  onFailure: ((err: unknown) => void) | undefined,
): void {
  const end = res.end as unknown as End;
  // What earlier middleware set (X-Powered-By, CORS, ...) stays on an error answer.
  const headersBefore: OutgoingHttpHeaders = res.getHeaders();
  let ended = false;

  const fail = (err: unknown, args: unknown[]) => {
    if (!onFailure) return end.apply(res, args);
    res.end = end as unknown as ServerResponse['end'];
    if (res.headersSent) {
      res.destroy();
    } else {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      for (const [name, value] of Object.entries(headersBefore)) if (value !== undefined) res.setHeader(name, value);
      res.statusCode = 500;
    }
    onFailure(err);
    return res;
  };

  const held = function heldEnd(this: ServerResponse, ...args: unknown[]) {
    if (ended) return res;
    ended = true;
    let pending: Promise<void> | undefined;
    try {
      pending = commit();
    } catch (err) {
      return fail(err, args);
    }
    if (!pending) return end.apply(res, args);
    pending.then(
      () => end.apply(res, args),
      (err: unknown) => fail(err, args),
    );
    return res;
  };
  res.end = held as unknown as ServerResponse['end'];
}
