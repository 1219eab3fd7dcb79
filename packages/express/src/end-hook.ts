import type { ServerResponse } from 'node:http';

type End = ServerResponse['end'];
type Write = (chunk: unknown, encoding?: BufferEncoding) => boolean;

/**
 * Holds back the end of the response until `commit` (the session's store write) is done, as
 * express-session does: the body goes out first (minus its last byte when a Content-Length is
 * set, so the client cannot see the response complete before the write landed), then the end.
 * `commit` returns `undefined` when there is nothing to write. A second `end()` is ignored.
 */
export function holdEnd(
  res: ServerResponse,
  commit: () => Promise<void> | undefined,
  onError: (err: unknown) => void,
): void {
  const end = res.end as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  const write = res.write as unknown as Write;
  let ended = false;
  const held = function heldEnd(this: ServerResponse, ...args: unknown[]) {
    if (ended) return false;
    ended = true;
    // end(cb), end(chunk, cb) and end(chunk, encoding, cb): the callback goes to the final end.
    const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
    const rest = callback ? args.slice(0, -1) : args;
    let chunk = rest[0];
    let encoding = rest[1] as BufferEncoding | undefined;
    let pending: Promise<void> | undefined;
    try {
      pending = commit();
    } catch (err) {
      onError(err);
    }
    if (!pending) return end.apply(res, args);

    let sync = true;
    let result: unknown;
    const finish = () => {
      if (sync) {
        result = end.call(res, chunk, encoding, callback);
        sync = false;
        return;
      }
      end.call(res, callback);
    };
    pending.then(finish, (err: unknown) => {
      onError(err);
      finish();
    });
    if (!sync) return result;
    if (!res.headersSent) (res as unknown as { _implicitHeader(): void })._implicitHeader();
    if (chunk == null) return true;
    const contentLength = Number(res.getHeader('Content-Length'));
    if (!Number.isNaN(contentLength) && contentLength > 0) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding);
      encoding = undefined;
      if (bytes.length !== 0) {
        result = write.call(res, bytes.subarray(0, bytes.length - 1));
        chunk = bytes.subarray(bytes.length - 1);
        return result;
      }
      chunk = bytes;
    }
    result = write.call(res, chunk, encoding);
    sync = false;
    return result;
  };
  res.end = held as unknown as End;
}
