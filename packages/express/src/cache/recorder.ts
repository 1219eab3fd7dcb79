/**
 * Copies what a handler writes to a response, up to a size, and says when the response is out.
 */
import type { ServerResponse } from 'node:http';
import { isEventStream } from '@vessel/core/http';

/** The response went away before it finished (the client hung up): there is nothing to keep. */
export class ResponseAbortedError extends Error {
  constructor() {
    super('the response closed before it finished');
    this.name = 'ResponseAbortedError';
  }
}

/** What a handler sent, as this middleware saw it. */
export interface RecordedBody {
  /** The bytes, or `undefined` when they grew past the limit (nothing of them is then held). */
  readonly body: Buffer | undefined;
  /**
   * `true` when a `Content-Encoding` was set only after the handler's bytes passed here: a
   * middleware mounted before this one (compression) encoded them on their way out, so the
   * recorded bytes are not in that encoding.
   */
  readonly encodedAfter: boolean;
}

/**
 * Records the body `res` sends. Resolves when the response has finished (at its first write for an
 * event stream, with no body: it is served, never kept), and rejects with `ResponseAbortedError`
 * when it closes unfinished. With `withBody` false (HEAD) nothing is copied.
 */
export function recordBody(res: ServerResponse, maxBytes: number, withBody: boolean): Promise<RecordedBody> {
  let settle!: (recorded: RecordedBody) => void;
  const recorded = new Promise<RecordedBody>((resolve, reject) => {
    settle = resolve;
    // 'close' follows 'finish' too; by then the promise is settled and the rejection is ignored.
    res.once('close', () => reject(new ResponseAbortedError()));
  });
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  let encodedBefore = false;
  let written = false;
  if (withBody) {
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    const capture = (chunk: unknown, encoding: unknown) => {
      if (!written) {
        written = true;
        if (isEventStream(res.getHeader('content-type'))) {
          chunks = undefined;
          settle({ body: undefined, encodedAfter: false });
        }
      }
      encodedBefore ||= res.hasHeader('content-encoding');
      if (chunks === undefined || chunk == null || typeof chunk === 'function') return;
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.isBuffer(chunk)
            ? chunk
            : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      if (size > maxBytes) chunks = undefined;
      else chunks.push(buffer);
    };
    res.write = ((...args: unknown[]) => {
      capture(args[0], args[1]);
      return write(...args);
    }) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => {
      capture(args[0], args[1]);
      return end(...args);
    }) as ServerResponse['end'];
  }
  res.once('finish', () =>
    settle({
      body: chunks === undefined ? undefined : Buffer.concat(chunks),
      encodedAfter: withBody && !encodedBefore && res.hasHeader('content-encoding'),
    }),
  );
  return recorded;
}
