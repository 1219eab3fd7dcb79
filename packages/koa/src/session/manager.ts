import { type SessionConfig, SessionManager } from '@vessel/core';
import { type CheckedKoaSessionOptions, koaOptionError } from './options.js';

/**
 * The session manager a `session()` middleware runs on: the vessel's own (`vessel.sessions`)
 * when its config already says everything the options do (`autoCommit` is not one of them: it
 * is applied at commit), else one of its own over the same storage, built from
 * `{ ...vessel.config.session, ...overrides }`. Code-only options given to `createVessel`
 * (`generateId`, `idPattern`, `now`) live only in `vessel.sessions` and do not reach a manager
 * built here.
 */
export function sessionManagerFor(checked: CheckedKoaSessionOptions, options: object): SessionManager {
  const { vessel, overrides } = checked;
  if (Object.keys(overrides).length === 0) return vessel.sessions;
  const config: SessionConfig = { ...(vessel.config.session as SessionConfig), ...overrides };
  try {
    return new SessionManager(config, vessel.sessionStorage);
  } catch (error) {
    throw koaOptionError(error, options);
  }
}
