import { ConfigError, closestMatch } from '@vessel/core';

/**
 * Refuses an options object holding a key that `known` does not list, naming the option and the
 * closest known name: a misspelled option (`cachedir`) would otherwise be dropped silently, and
 * `session({ cachedir: './data' })` would keep sessions in memory. `where` prefixes the option
 * in the message (`session.cachedir: unknown option; did you mean cacheDir?`).
 */
export function assertKnownOptions(where: string, options: object, known: Readonly<Record<string, true>>): void {
  if (typeof options !== 'object' || options === null) return;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const names = Object.keys(known);
    const suggestion = closestMatch(key, names);
    const hint = suggestion === undefined ? `; known options: ${names.join(', ')}` : `; did you mean ${suggestion}?`;
    throw new ConfigError(`${where}.${key}`, `unknown option${hint}`);
  }
}
