/**
 * Coercers turn a value from a file, the environment or code into the type an option needs.
 * Every coercer takes the option as the user spelled it and throws a `ConfigError` that names
 * the option, the bad value and what was expected. Every coercer also accepts its own output,
 * so a config that was already coerced can be validated again unchanged.
 */
import { ConfigError } from '../errors.js';

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION_PATTERN = /^(?:\d+\s*[smhd]\s*)+$/i;
const DURATION_PART = /(\d+)\s*([smhd])/gi;
const INTEGER_PATTERN = /^[+-]?\d+$/;
/** `2025-01-31`, `2025-01-31T12:00`, `2025-01-31 12:00:00.5Z`, `…+02:00`. */
const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * How a bad value appears in a message: strings quoted so that blanks and `"15 m"` stay
 * visible. `secret` hides the value so that a mistyped secret never reaches a log.
 */
export function describeValue(value: unknown, secret = false): string {
  if (secret) return value === null ? 'null' : `a ${Array.isArray(value) ? 'list' : typeof value} (hidden)`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

function fail(option: string, expected: string, value: unknown, secret = false): never {
  throw new ConfigError(option, `expected ${expected}, got ${describeValue(value, secret)}`);
}

/** `true`, `yes`, `on`, `1` / `false`, `no`, `off`, `0` in any case, or a real boolean. */
export function coerceBoolean(option: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return fail(option, 'true/yes/on/1 or false/no/off/0', value);
}

/** Bounds for `coerceInteger`, both inclusive. */
export interface IntegerRange {
  /** Smallest allowed value. */
  min?: number;
  /** Largest allowed value. */
  max?: number;
}

function rangeText({ min, max }: IntegerRange): string {
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min !== undefined) return `an integer of at least ${min}`;
  if (max !== undefined) return `an integer of at most ${max}`;
  return 'an integer';
}

/** A whole number, given as a number or a string of digits, inside `range`. */
export function coerceInteger(option: string, value: unknown, range: IntegerRange = {}): number {
  let parsed: number | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = value;
  if (typeof value === 'string' && INTEGER_PATTERN.test(value.trim())) parsed = Number(value.trim());
  const inRange =
    parsed !== undefined &&
    Number.isSafeInteger(parsed) &&
    (range.min === undefined || parsed >= range.min) &&
    (range.max === undefined || parsed <= range.max);
  if (!inRange || parsed === undefined) return fail(option, rangeText(range), value);
  return parsed;
}

/**
 * A duration in whole SECONDS: `90`, `"90"`, `"90s"`, `"15m"`, `"2h"`, `"1d"`, `"1h30m"`.
 * Negative and fractional values are refused rather than rounded: a session timeout of
 * `0.5` is far more likely a unit mistake (minutes? hours?) than a wish.
 */
export function coerceDuration(option: string, value: unknown): number {
  let seconds: number | undefined;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) seconds = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text)) {
      seconds = Number(text);
    } else if (DURATION_PATTERN.test(text)) {
      seconds = 0;
      for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
        seconds += Number(amount) * (DURATION_UNITS[(unit ?? 's').toLowerCase()] ?? 1);
      }
    }
  }
  // Durations become millisecond TTLs downstream; beyond this they lose precision.
  if (seconds === undefined || !Number.isSafeInteger(seconds * 1000)) {
    return fail(option, 'a duration like 90, "15m" or "2h"', value);
  }
  return seconds;
}

/**
 * A list of non-empty, trimmed strings: `"a, b"` (split on commas) or an array. Empty items
 * are dropped, so a trailing comma is harmless.
 */
export function coerceList(option: string, value: unknown, options: { secret?: boolean } = {}): string[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    return fail(option, 'a list like "a, b" or an array of strings', value, options.secret);
  }
  return items.map((item: string) => item.trim()).filter((item) => item !== '');
}

/**
 * One of `allowed`, matched without regard to case or surrounding blanks, returned in the
 * canonical spelling. A near miss gets a suggestion.
 */
export function coerceEnum<const Allowed extends string>(
  option: string,
  value: unknown,
  allowed: readonly Allowed[],
): Allowed {
  if (typeof value === 'string') {
    const wanted = value.trim().toLowerCase();
    const found = allowed.find((candidate) => candidate.toLowerCase() === wanted);
    if (found !== undefined) return found;
    const suggestion = closestMatch(wanted, allowed);
    if (suggestion !== undefined) {
      throw new ConfigError(
        option,
        `expected one of ${allowed.join(', ')}, got ${describeValue(value)}; did you mean "${suggestion}"?`,
      );
    }
  }
  return fail(option, `one of ${allowed.join(', ')}`, value);
}

/**
 * A non-empty string, trimmed. An empty value is refused rather than read as "unset":
 * `session.secret =` in a file is a mistake, and commenting the line out says "unset".
 */
export function coerceString(option: string, value: unknown, options: { secret?: boolean } = {}): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return fail(option, 'a non-empty string', value, options.secret);
}

/**
 * A point in time: a `Date`, an ISO 8601 string (`2025-01-31`, `2025-01-31T12:00:00Z`), and
 * with `epochSeconds` also seconds since 1970 as a number or digits. A date-only string is
 * midnight UTC; a date-time without offset is local time (as `Date.parse` reads it).
 */
export function coerceDate(option: string, value: unknown, options: { epochSeconds?: boolean } = {}): Date {
  let time = Number.NaN;
  if (value instanceof Date) time = value.getTime();
  else if (typeof value === 'string' && ISO_DATE_PATTERN.test(value.trim()))
    time = Date.parse(value.trim().replace(' ', 'T'));
  else if (options.epochSeconds && (typeof value === 'number' || typeof value === 'string')) {
    const seconds = coerceOptionalInteger(value);
    if (seconds !== undefined && seconds >= 0) time = seconds * 1000;
  }
  if (Number.isNaN(time)) {
    return fail(
      option,
      options.epochSeconds
        ? 'an ISO date like "2025-01-31T12:00:00Z" or epoch seconds'
        : 'an ISO date like "2025-01-31T12:00:00Z"',
      value,
    );
  }
  return new Date(time);
}

function coerceOptionalInteger(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  return INTEGER_PATTERN.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** `true` when `value` is a string that reads as an ISO date (not whether the date exists). */
export function looksLikeIsoDate(value: unknown): boolean {
  return typeof value === 'string' && ISO_DATE_PATTERN.test(value.trim());
}

/** `true` when `value` is one of the words (not digits) `coerceBoolean` accepts, or a boolean. */
export function isBooleanWord(value: unknown): boolean {
  if (typeof value === 'boolean') return true;
  if (typeof value !== 'string') return false;
  const word = value.trim().toLowerCase();
  return (TRUE_WORDS.has(word) || FALSE_WORDS.has(word)) && !/^\d$/.test(word);
}

/**
 * The candidate closest to `input` by edit distance, if it is close enough to be a likely
 * typo (at most one edit per three characters, at least one); otherwise `undefined`.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(1, Math.floor(Math.max(input.length, best.length) / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
