/**
 * Text that changes whenever a session value changes, for change detection only: JSON, plus
 * the types Vessel's storage keeps and JSON loses (Map, Set, BigInt).
 */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { '\u0000Map': [...value] };
  if (value instanceof Set) return { '\u0000Set': [...value] };
  if (typeof value === 'bigint') return { '\u0000BigInt': value.toString() };
  return value;
}

/** The comparison text of one value (`undefined` for values JSON drops). */
export function comparisonText(value: unknown): string | undefined {
  return JSON.stringify(value, replacer);
}

/**
 * express-session's modification check: the session serialized without its `cookie`, so
 * cookie changes (every `touch`) never count as a change of the data.
 */
export function sessionFingerprint(session: object): string {
  return JSON.stringify(session, function (this: unknown, key: string, value: unknown) {
    if (this === session && key === 'cookie') return undefined;
    return replacer(key, value);
  });
}
