import { type HttpRequestFacts, type HttpRequestSession, HttpSessions, sessionErrorStatus } from '@vessel/core/http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, Session } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import '../types.js';
import { type FastifySessionOptions, resolveFastifySession } from './options.js';
import { fastifySessionObject } from './session-object.js';

/** One request's session as the hooks share it. */
interface RequestState {
  readonly http: HttpRequestSession;
  /** `request.session`, made once the load finished. */
  object: Session | undefined;
  /** `onSend` ran its commit (it runs again when that commit fails and Fastify sends the error). */
  committed: boolean;
}

const kState = Symbol('vessel.fastify.session');
type StatefulRequest = FastifyRequest & { [kState]: RequestState | null };

const stateOf = (request: FastifyRequest): RequestState | null => (request as StatefulRequest)[kState];

/** A `Secure` attribute as the cookie package writes it. */
const SECURE_ATTRIBUTE = /; Secure(?=;|$)/i;

const plugin: FastifyPluginAsync<FastifySessionOptions> = async (fastify, options) => {
  const { manager, lazy, saveUninitialized, secure, sessionId } = resolveFastifySession(options);
  // @fastify/session saves a changed session by itself: so does this plugin, whatever `session.auto` says.
  const sessions = new HttpSessions(manager, { lazy, auto: true });

  /** What the session layer needs of `request`. `request.protocol` honours Fastify's `trustProxy`. */
  const facts = (request: FastifyRequest): HttpRequestFacts => ({
    cookie: request.headers.cookie,
    sessionId: sessionId === undefined ? undefined : (sessionId(request) ?? null),
    // Only a cookie marked Secure is held back on plain HTTP; 'auto' strips the mark there instead.
    secure: secure === 'always' ? request.protocol === 'https' : undefined,
  });

  fastify.decorateRequest(kState, null);
  fastify.decorateRequest('session', {
    getter(this: FastifyRequest): Session {
      const state = stateOf(this);
      if (state?.object) return state.object;
      throw new Error(
        state
          ? 'request.session is not loaded: lazy sessions need `await request.loadSession()` first (or its load failed)'
          : 'request.session: this route is outside the scope where fastifySession was registered',
      );
    },
  });
  fastify.decorateRequest('loadSession', function loadSession(this: FastifyRequest): Promise<Session> {
    const state = stateOf(this);
    if (!state) return Promise.reject(new Error('loadSession: fastifySession is not registered for this route'));
    if (state.object) return Promise.resolve(state.object);
    return state.http.load().then((session) => {
      state.object ??= fastifySessionObject(session);
      return state.object;
    });
  });
  fastify.decorateRequest('sessionStore', {
    getter: () => manager,
  });

  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const state: RequestState = { http: sessions.begin(facts(request)), object: undefined, committed: false };
    (request as StatefulRequest)[kState] = state;
    if (lazy) {
      done();
      return;
    }
    // An outage rejects with a StorageUnavailableError (status 503): Fastify's error handler answers it.
    state.http.load().then((session) => {
      state.object = fastifySessionObject(session);
      done();
    }, done);
  });

  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    const state = stateOf(request);
    // Not loaded (lazy and untouched, or the load failed and this is its error response): nothing to write.
    if (!state || state.committed || state.http.current === undefined) {
      done(null, payload);
      return;
    }
    state.committed = true;
    commit(state).then(
      (setCookie) => {
        const strip = secure === 'auto' && request.protocol !== 'https';
        for (const value of setCookie) reply.header('set-cookie', strip ? value.replace(SECURE_ATTRIBUTE, '') : value);
        done(null, payload);
      },
      (error: Error) => {
        // Already an error response (the route failed, often from the same outage): it stays the
        // app's, without the session cookie, rather than being replaced by Fastify's default one.
        if (reply.statusCode >= 500) {
          request.log.error({ err: error }, 'session not saved');
          done(null, payload);
          return;
        }
        // The changes were not stored: the response must not claim they were. Fastify sends the
        // error instead, without the session cookie. The status is set here because Fastify's
        // default handler keeps one the route already chose (a 201 would claim success).
        reply.code(sessionErrorStatus(error));
        done(error);
      },
    );
  });

  async function commit(state: RequestState): Promise<readonly string[]> {
    const session = state.http.current;
    if (saveUninitialized && session?.isNew && !session.isDestroyed) await session.save();
    return (await state.http.commit()).setCookie;
  }
};

/**
 * Fastify 5 sessions on Vessel, a rename away from @fastify/session: `request.session` (data as
 * properties, `get`/`set`, `regenerate`, `destroy`, `save`, `reload`, `touch`, `sessionId`),
 * `request.sessionStore`, `request.loadSession()`. Changes are saved per key at the end of the
 * request (in `onSend`), merged with parallel requests'; a storage outage answers 503, never a
 * fresh, logged-out session. Works with or without @fastify/cookie (the Cookie header is read
 * directly; cookies set with `reply.setCookie` are kept).
 *
 * @example
 * const vessel = createVessel({ cacheDir: './data', session: { secret: secretFromEnv() } });
 * await app.register(fastifySession, { vessel, cookie: { maxAge: 30 * 60_000 } });
 * app.get('/', async (request) => {
 *   request.session.views = (request.session.views ?? 0) + 1;
 *   return `${request.session.views} views`;
 * });
 */
export const fastifySession = fastifyPlugin(plugin, { name: '@vessel/fastify', fastify: '5.x' });

/** The request's session layer (for the response cache); `undefined` outside `fastifySession`'s scope. */
export function httpSessionOf(request: FastifyRequest): HttpRequestSession | undefined {
  return stateOf(request)?.http;
}
