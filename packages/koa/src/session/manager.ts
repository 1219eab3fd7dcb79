import type { SessionManager } from '@vessel/core';
import { type CheckedKoaSessionOptions, koaOptionError } from './options.js';

/**
 * The session manager a `session()` middleware runs on: the vessel's own (`vessel.sessions`)
 * when its config already says everything the options do (`autoCommit` is not one of them: it
 * is applied at commit), else `vessel.sessionManager(overrides)`: one of its own over the same
 * storage, keeping the code-only `generateId`, `idPattern` and `now` given to `createVessel`.
 */
export function sessionManagerFor(checked: CheckedKoaSessionOptions, options: object): SessionManager {
  const { vessel, overrides } = checked;
  if (Object.keys(overrides).length === 0) return vessel.sessions;
  try {
    return vessel.sessionManager(overrides);
  } catch (error) {
    throw koaOptionError(error, options);
  }
}
