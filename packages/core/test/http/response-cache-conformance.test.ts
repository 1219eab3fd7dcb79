/**
 * The response cache conformance suite (test-support/response-cache-conformance.ts) over plain
 * `node:http` and `@vessel/core/http` alone — `HttpSessions` for the sessions, `responseCacheOf`
 * and a `CacheExchange` of a dozen lines for the cache — as a framework without an adapter
 * would use them (docs/caching.md, "Response caching").
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Session, Vessel } from '@vessel/core';
import {
  type BroughtSession,
  broughtSessionOf,
  type CachedAnswer,
  type CacheExchange,
  type CacheResponseOptions,
  type HeaderValue,
  HttpSessions,
  liveSessionId,
  type ResponseCache,
  responseCacheOf,
  type SentResponse,
  sessionInUse,
} from '@vessel/core/http';
import { listening } from '../../../../test-support/listening.js';
import {
  describeResponseCacheConformance,
  failIfAsked,
  pageBody,
  pagePlan,
  pause,
  type ResponseCacheHarness,
  runCounter,
} from '../../../../test-support/response-cache-conformance.js';

/** What a handler of this tiny framework answers. */
interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Uint8Array | undefined;
}

/** A handler: the request, its (loaded) session, its URL. */
type Handler = (req: IncomingMessage, session: Session, url: URL) => Promise<Answer> | Answer;

const text = (body: string, headers: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body,
});

/** One request in front of a cached route, over `node:http` and this framework's `Answer`s. */
class PlainExchange implements CacheExchange {
  readonly method: string;
  readonly url: string;
  readonly key = undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly session: Session,
    private readonly produce: () => Promise<Answer>,
    private readonly settle: (answer: Answer) => void,
  ) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
  }

  header(name: string): HeaderValue {
    return this.req.headers[name];
  }

  sessionInUse(): boolean {
    return sessionInUse(this.session);
  }

  async broughtSession(): Promise<BroughtSession | undefined> {
    return broughtSessionOf(this.session);
  }

  currentSessionId(): unknown {
    return liveSessionId(this.session);
  }

  pass(): void {
    this.produce().then((answer) => this.settle(marked(answer, 'pass')));
  }

  replay(answer: CachedAnswer): void {
    this.settle({ status: answer.status, headers: { ...answer.headers }, body: answer.body });
  }

  async run(maxBodyBytes: number): Promise<SentResponse> {
    const answer = await this.produce();
    this.settle(marked(answer, 'miss'));
    const bytes = typeof answer.body === 'string' ? Buffer.from(answer.body) : (answer.body ?? new Uint8Array(0));
    return {
      status: answer.status,
      header: (name) => answer.headers[name],
      body: this.method === 'HEAD' ? new Uint8Array(0) : bytes.byteLength <= maxBodyBytes ? bytes : undefined,
    };
  }

  fail(error: unknown): void {
    this.settle({ status: 500, headers: {}, body: String(error) });
  }
}

function marked(answer: Answer, cache: string): Answer {
  return { ...answer, headers: { ...answer.headers, 'x-vessel-cache': cache } };
}

/** A handler that throws is a 500, as frameworks answer it. */
async function produced(handler: Handler, req: IncomingMessage, session: Session, url: URL): Promise<Answer> {
  try {
    return await handler(req, session, url);
  } catch {
    return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'failed' };
  }
}

describeResponseCacheConformance({
  name: 'node:http + @vessel/core/http',
  async start(vessel: Vessel) {
    const sessions = new HttpSessions(vessel.sessions, { auto: true });
    const run = runCounter();
    const cached = (options: CacheResponseOptions<never> = {}) => responseCacheOf(vessel, options);
    const routes = new Map<string, { handler: Handler; cache?: ResponseCache }>([
      [
        'GET /page',
        {
          cache: cached(),
          async handler(req, session, url) {
            const plan = pagePlan(url.searchParams);
            await pause(plan.waitMs);
            failIfAsked(req.headers['x-fail'] as string | undefined);
            if (plan.login) session.set('user', 'someone');
            return { status: plan.status, headers: plan.headers, body: pageBody(plan, run(), req.headers.host) };
          },
        },
      ],
      ['POST /page', { cache: cached(), handler: () => text(`posted ${run()}`) }],
      [
        'GET /mine',
        {
          cache: cached({ perSession: true }),
          handler: (_req, session) =>
            text(`${session.get<string>('user') ?? 'nobody'} ${run()}`, { 'cache-control': 'private, max-age=60' }),
        },
      ],
      ['GET /small', { cache: cached({ maxBodyBytes: 10 }), handler: () => text(`page ${run()}${'x'.repeat(20)}`) }],
      [
        'POST /login',
        {
          handler: (_req, session, url) => {
            session.set('user', url.searchParams.get('user'));
            return text('ok');
          },
        },
      ],
    ]);

    async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
      const route = routes.get(`${method} ${url.pathname}`);
      const request = sessions.begin({ cookie: req.headers.cookie });
      const session = await request.load();
      let answer: Answer;
      if (route === undefined) answer = { status: 404, headers: {}, body: 'not found' };
      else {
        const produce = () => produced(route.handler, req, session, url);
        const { cache } = route;
        answer =
          cache?.applies(req.method ?? 'GET') === true
            ? await new Promise<Answer>((settle) => cache.handle(new PlainExchange(req, session, produce, settle)))
            : await produce();
      }
      const { setCookie } = await request.commit();
      res.statusCode = answer.status;
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      if (setCookie.length > 0) res.appendHeader('set-cookie', [...setCookie]);
      res.end(answer.body);
    }

    const server = createServer((req, res) => {
      respond(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    return listening(server.listen(0, '127.0.0.1'));
  },
  cacheResponse: (source, options) => responseCacheOf(source as Vessel, options as CacheResponseOptions<never>),
} satisfies ResponseCacheHarness);
