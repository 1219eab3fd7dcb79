import { ConfigError } from '../errors.js';
import { closestMatch } from './coerce.js';

/** How `assertKnownOptions` names an option and explains the ones it refuses on purpose. */
export interface KnownOptionsContext {
  /** Prefixes the option in messages (`session` → `session.cachedir: unknown option…`). */
  readonly where?: string | undefined;
  /** Options another library has that this one refuses, each with the whole message why. */
  readonly unsupported?: Readonly<Record<string, string>> | undefined;
}

/**
 * Refuses an options object holding a key that `known` does not list: a `ConfigError` naming the
 * option and the closest known name (or every known name when none is close), or, for a key in
 * `unsupported`, why it is refused. A misspelled option (`cachedir`) would otherwise be dropped
 * silently: `session({ cachedir: './data' })` would keep sessions in memory. Every adapter checks
 * its options with this, so the messages read the same in every framework.
 */
export function assertKnownOptions(options: object, known: readonly string[], context: KnownOptionsContext = {}): void {
  const { where, unsupported } = context;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const option = where ? `${where}.${key}` : key;
    const reason = unsupported && Object.hasOwn(unsupported, key) ? unsupported[key] : undefined;
    if (reason !== undefined) throw new ConfigError(option, reason);
    const suggestion = closestMatch(key, known);
    const hint = suggestion === undefined ? `; known options: ${known.join(', ')}` : `; did you mean ${suggestion}?`;
    throw new ConfigError(option, `unknown option${hint}`);
  }
}
