import { ConfigError } from '../errors.js';

/**
 * Key layout shared by every backend: `<prefix>:<namespace>::<key>`.
 *
 * Namespaces may hold single colons (`cache:users`) and keys may hold anything, so the
 * namespace ends with a double colon, which a namespace may not contain. That makes the
 * layout unambiguous: no key of one namespace can start with another namespace's prefix,
 * so clearing `cache` can never touch `cache:users`.
 */

const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*(?::[A-Za-z0-9_.-]+)*$/;
const MAX_NAMESPACE_LENGTH = 128;
/** Longest key accepted inside a namespace, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 1024;

/** Checks a key prefix; letters, digits, `_`, `.`, `-` only. */
export function validatePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError('prefix', `expected 1-64 letters, digits, "_", "." or "-", got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

/** Checks a namespace name: segments of letters, digits, `_`, `.`, `-` joined by single colons. */
export function validateNamespace(name: string): string {
  if (name.length > MAX_NAMESPACE_LENGTH || !NAMESPACE_PATTERN.test(name)) {
    throw new TypeError(
      `invalid namespace ${JSON.stringify(name)}: expected segments of letters, digits, "_", "." or "-" joined by single ":" (at most ${MAX_NAMESPACE_LENGTH} characters)`,
    );
  }
  return name;
}

/** Checks a key inside a namespace: a non-empty string without NUL, at most 1024 characters. */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes('\0')) {
    throw new TypeError(
      `invalid key ${JSON.stringify(typeof key === 'string' ? key.slice(0, 64) : key)}: expected a non-empty string of at most ${MAX_KEY_LENGTH} characters without NUL`,
    );
  }
  return key;
}

/** The half-open range `[start, end)` of full keys that belong to one namespace. */
export interface KeyRange {
  /** `<prefix>:<namespace>::`; every key of the namespace starts with it. */
  readonly start: string;
  /** The first string after every key of the namespace (`::` → `:;`). */
  readonly end: string;
}

/** The full-key range of a namespace. */
export function namespaceRange(prefix: string, namespace: string): KeyRange {
  const base = `${prefix}:${namespace}:`;
  // ';' is the code point after ':', so every `<base>:…` sorts below `<base>;`.
  return { start: `${base}:`, end: `${base};` };
}

/** Where the lock of `key` lives: outside every namespace's range (a namespace cannot start with `_`). */
export function lockKeyFor(prefix: string, namespace: string, key: string): string {
  return `${prefix}:__lock__:${namespace}::${key}`;
}
