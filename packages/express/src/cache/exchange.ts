/** An Express request and response as the response cache's `CacheExchange`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BroughtSession, CachedAnswer, CacheExchange, HeaderValue, SentResponse } from '@vessel/core/http';
import { useDictionaryProperties } from '../dictionary-properties.js';
import { recordBody } from './recorder.js';
import { broughtSession, currentSessionId, sessionInUse } from './request.js';

/** Express's `next`. */
export type Next = (err?: unknown) => void;

/** One request of a `cacheResponse` route. */
export class ExpressExchange implements CacheExchange {
  readonly method: string;
  readonly url: string;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly next: Next,
    readonly key: string | undefined,
  ) {
    this.method = req.method ?? 'GET';
    this.url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  }

  header(name: string): HeaderValue {
    return this.req.headers[name];
  }

  sessionInUse(): boolean {
    return sessionInUse(this.req);
  }

  broughtSession(): Promise<BroughtSession | undefined> {
    return broughtSession(this.req);
  }

  currentSessionId(): unknown {
    return currentSessionId(this.req);
  }

  pass(): void {
    this.res.setHeader('X-Vessel-Cache', 'pass');
    this.next();
  }

  replay(answer: CachedAnswer): void {
    const { res } = this;
    res.statusCode = answer.status;
    for (const name of Object.keys(answer.headers)) res.setHeader(name, answer.headers[name] as string | string[]);
    res.end(answer.body);
  }

  async run(maxBodyBytes: number): Promise<SentResponse> {
    const { req, res } = this;
    useDictionaryProperties(res);
    res.setHeader('X-Vessel-Cache', 'miss');
    const recording = recordBody(res, maxBodyBytes, req.method !== 'HEAD');
    this.next();
    const { body, encodedAfter } = await recording;
    return {
      status: res.statusCode,
      header: (name) => res.getHeader(name),
      body,
      encodedAfter,
    };
  }

  fail(error: unknown): void {
    this.next(error);
  }
}
