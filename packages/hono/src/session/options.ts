import { assertKnownOptions, ConfigError, type SessionManager, type Vessel } from '@vessel/core';

/** The part of a vessel the session middleware and `withSession` use: its session manager. */
export type SessionSource = Pick<Vessel, 'sessions'>;

/** The options both entry points resolve to: the manager, and how to read a request's facts. */
export interface ResolvedOptions<SessionIdSource> {
  readonly manager: SessionManager;
  readonly lazy: boolean;
  /** Save changes at the end of the request without `save()` (default true, as hono-sessions does). */
  readonly auto: boolean;
  readonly trustProxy: boolean;
  readonly sessionId: ((source: SessionIdSource) => string | null | undefined) | undefined;
}

/**
 * Checks `options` for `where` (`session`, `withSession`) against the `known` names and resolves
 * the vessel's session manager. Every mistake is a `ConfigError` naming the option, thrown when
 * the middleware is made, not at the first request: a misspelled `trustproxy` would otherwise be
 * ignored silently, and a vessel without `session.secret` would fail only once traffic arrives.
 */
export function resolveOptions<SessionIdSource>(
  where: string,
  options: unknown,
  known: readonly string[],
): ResolvedOptions<SessionIdSource> {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where}.vessel`, `required: pass the vessel whose sessions to use, ${EXAMPLE}`);
  }
  assertKnownOptions(options, known, { where });
  const { vessel, lazy, auto, trustProxy, sessionId } = options as Record<string, unknown>;
  if (typeof vessel !== 'object' || vessel === null || !('sessions' in vessel)) {
    throw new ConfigError(`${where}.vessel`, `required: pass the vessel whose sessions to use, ${EXAMPLE}`);
  }
  assertBoolean(`${where}.lazy`, lazy);
  assertBoolean(`${where}.auto`, auto);
  assertBoolean(`${where}.trustProxy`, trustProxy);
  if (sessionId !== undefined && typeof sessionId !== 'function') {
    throw new ConfigError(
      `${where}.sessionId`,
      `expected a function returning the request's session id, got ${typeof sessionId}`,
    );
  }
  return {
    // Read now: a vessel without a usable session secret throws its ConfigError at startup.
    manager: (vessel as SessionSource).sessions,
    lazy: lazy === true,
    auto: auto !== false,
    trustProxy: trustProxy === true,
    sessionId: sessionId as ResolvedOptions<SessionIdSource>['sessionId'],
  };
}

const EXAMPLE = 'e.g. { vessel: createVessel(await loadConfig()) }';

function assertBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConfigError(option, `expected true or false, got ${typeof value}`);
  }
}
