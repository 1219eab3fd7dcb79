/**
 * `cacheResponse()` for Fastify: route options whose `onRequest` hook answers from the cache and
 * whose `onSend` hook hands the creator's payload to it. Every rule lives in core's `ResponseCache`.
 */
import {
  broughtSessionOf,
  type CachedAnswer,
  type CacheExchange,
  type CacheResponseOptions,
  type HeaderValue,
  liveSessionId,
  type ResponseCacheSource,
  responseCacheOf,
  type SentResponse,
  sessionInUse,
} from '@vessel/core/http';
import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  onSendHookHandler,
} from 'fastify';
import { httpSessionOf } from '../session/plugin.js';

/** Options of Fastify's `cacheResponse` (see `@vessel/core/http`); `key` gets the request (default: method, URL and host). */
export type FastifyCacheResponseOptions = CacheResponseOptions<FastifyRequest>;

/** Route options to spread into a route: `app.get('/report', cacheResponse(vessel), handler)`. */
export interface CacheResponseHooks {
  readonly onRequest: onRequestHookHandler;
  readonly onSend: onSendHookHandler;
}

/** A creator's request: where its payload goes once `onSend` has it. */
const kRecording = Symbol('vessel.fastify.cacheResponse');
interface Recording {
  readonly maxBodyBytes: number;
  settle(sent: SentResponse | Error): void;
}
type RecordingRequest = FastifyRequest & { [kRecording]?: Recording };

class ResponseAbortedError extends Error {
  constructor() {
    super('the response closed before it finished');
    this.name = 'ResponseAbortedError';
  }
}

/** A payload as bytes; `undefined` for a stream (not recorded) or one over `maxBytes`. */
function bytesOf(payload: unknown, maxBytes: number): Uint8Array | undefined {
  let bytes: Uint8Array | undefined;
  if (payload === null || payload === undefined) bytes = new Uint8Array(0);
  else if (typeof payload === 'string') bytes = Buffer.from(payload);
  else if (payload instanceof Uint8Array) bytes = payload;
  return bytes !== undefined && bytes.byteLength <= maxBytes ? bytes : undefined;
}

class FastifyExchange implements CacheExchange {
  readonly method: string;
  readonly url: string;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly done: HookHandlerDoneFunction,
    readonly key: string | undefined,
  ) {
    this.method = request.method;
    this.url = request.url;
  }

  header(name: string): HeaderValue {
    return this.request.headers[name];
  }

  sessionInUse(): boolean {
    return sessionInUse(httpSessionOf(this.request)?.current);
  }

  async broughtSession() {
    const http = httpSessionOf(this.request);
    return http === undefined ? undefined : broughtSessionOf(await http.load());
  }

  currentSessionId(): unknown {
    return liveSessionId(httpSessionOf(this.request)?.current);
  }

  pass(): void {
    this.reply.header('x-vessel-cache', 'pass');
    this.done();
  }

  replay(answer: CachedAnswer): void {
    this.reply.code(answer.status).headers(answer.headers);
    this.reply.send(answer.body === undefined ? undefined : Buffer.from(answer.body));
  }

  run(maxBodyBytes: number): Promise<SentResponse> {
    const { request, reply } = this;
    reply.header('x-vessel-cache', 'miss');
    return new Promise<SentResponse>((resolve, reject) => {
      let settled = false;
      const recording: Recording = {
        maxBodyBytes,
        settle(sent) {
          if (settled) return;
          settled = true;
          if (sent instanceof Error) reject(sent);
          else resolve(sent);
        },
      };
      (request as RecordingRequest)[kRecording] = recording;
      // Settles a creator whose payload `onSend` never saw: a `reply.hijack()`ed response (nothing
      // to keep), or one whose client left (an error). Never a creation that holds its lock forever.
      reply.raw.once('close', () => {
        recording.settle(
          reply.raw.writableFinished
            ? { status: reply.raw.statusCode, header: () => undefined, body: undefined }
            : new ResponseAbortedError(),
        );
      });
      this.done();
    });
  }

  fail(error: unknown): void {
    this.done(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Records the creator's payload as Fastify is about to send it (after the app's `onSend` hooks: the session cookie is set). */
function recordPayload(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload?: unknown) => void,
): void {
  const recording = (request as RecordingRequest)[kRecording];
  if (recording !== undefined) {
    (request as RecordingRequest)[kRecording] = undefined;
    const headers = reply.getHeaders();
    recording.settle({
      status: reply.statusCode,
      header: (name) => headers[name] as HeaderValue,
      body: request.method === 'HEAD' ? new Uint8Array(0) : bytesOf(payload, recording.maxBodyBytes),
    });
  }
  done(null, payload);
}

/**
 * Caches whole responses of a route like a shared HTTP cache (RFC 9111), with the rules of
 * Express's `cacheResponse` (one implementation, in `@vessel/core/http`): responses marked
 * `private`, `no-store` or `no-cache`, that set a cookie, vary on `*`, `Cookie` or
 * `Authorization`, or answer a request carrying credentials or a session are never kept; `Vary`
 * is keyed on; concurrent misses run the handler once, across processes. Replays say
 * `X-Vessel-Cache: hit`; stream payloads are served, never kept. Returns route options
 * (`onRequest`, `onSend`) to spread; an unknown option is a `ConfigError` naming it.
 *
 * @example
 * app.get('/report', cacheResponse(vessel, { expire: '5m' }), buildReport)
 * app.get('/me', { ...cacheResponse(vessel, { perSession: true }), schema }, showProfile)
 */
export function cacheResponse(
  source: ResponseCacheSource,
  options: FastifyCacheResponseOptions = {},
): CacheResponseHooks {
  const route = responseCacheOf(source, options);
  const keyOf = options.key;
  return {
    onRequest(request, reply, done) {
      if (route.applies(request.method)) route.handle(new FastifyExchange(request, reply, done, keyOf?.(request)));
      else done();
    },
    onSend: recordPayload,
  };
}
