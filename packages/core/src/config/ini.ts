/**
 * A small INI reader for Beaker/Pylons-style files: Python configparser's syntax and its
 * `%(name)s` interpolation, as Paste Deploy reads a Pylons `development.ini`.
 */
import { ConfigError } from '../errors.js';

const SECTION = /^\[([^\]]*)\]$/;
/** configparser's `[DEFAULT]`: its keys are visible in, and interpolate into, every section. */
const DEFAULT_SECTION = 'DEFAULT';
/** configparser gives up past this many nested `%(name)s` (a loop, or a chain too deep to mean anything). */
const MAX_INTERPOLATION_DEPTH = 10;
const REFERENCE = /%(%|\(([^)]*)\)s)/g;
/**
 * The longest a value may grow by interpolation, in characters: ten levels of references that
 * each name a key several times would otherwise expand a few lines of a file into gigabytes.
 */
const MAX_INTERPOLATED_LENGTH = 64 * 1024;

/** One `[section]` of an INI file (`name` undefined for keys before the first header). */
export interface IniSection {
  readonly name: string | undefined;
  /** Keys in file order, values interpolated. */
  readonly values: Readonly<Record<string, string>>;
}

/** Options of `parseIni` / `parseIniSections`. */
export interface IniOptions {
  /** Named in error messages (a file name). Default `ini`. */
  source?: string;
  /**
   * Values every `%(name)s` may refer to, below `[DEFAULT]` and the section's own keys. Paste
   * Deploy passes `here` (the file's folder) and `__file__`; `loadConfig` does the same.
   */
  defaults?: Readonly<Record<string, string>>;
}

interface RawEntry {
  value: string;
  line: number;
}

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  return value;
}

/** Splits the text into sections of raw (not yet interpolated) entries. */
function readSections(text: string, source: string): Map<string | undefined, Map<string, RawEntry>> {
  const sections = new Map<string | undefined, Map<string, RawEntry>>([[undefined, new Map()]]);
  let current = sections.get(undefined) as Map<string, RawEntry>;
  let lastKey: string | undefined;
  let lastIndent = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  lines.forEach((raw, index) => {
    const where = `${source}:${index + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    const previous = lastKey === undefined ? undefined : current.get(lastKey);
    if (previous !== undefined && indent > lastIndent) {
      previous.value = unquote(`${previous.value}\n${line}`.trim());
      return;
    }
    if (line.startsWith('[')) {
      const header = SECTION.exec(line)?.[1]?.trim();
      if (!header)
        throw new ConfigError(where, `expected a section header like "[app:main]", got ${JSON.stringify(line)}`);
      current = sections.get(header) ?? new Map();
      sections.set(header, current);
      lastKey = undefined;
      return;
    }
    const separator = line.search(/[=:]/);
    if (separator === -1)
      throw new ConfigError(where, `expected "key = value", "[section]" or a comment, got ${JSON.stringify(line)}`);
    const key = line.slice(0, separator).trim();
    if (key === '')
      throw new ConfigError(where, `expected a key before "${line[separator]}", got ${JSON.stringify(line)}`);
    current.set(key, { value: unquote(line.slice(separator + 1).trim()), line: index + 1 });
    lastKey = key;
    lastIndent = indent;
  });
  return sections;
}

/**
 * Expands `%(name)s` and `%%` the way configparser's BasicInterpolation does: `name` is looked
 * up (case-insensitively) in the section, then `[DEFAULT]`, then `defaults`. A `%` followed by
 * anything else is kept as written, so secrets and URLs holding `%` need no escaping.
 */
function interpolate(
  value: string,
  lookup: (name: string) => string | undefined,
  where: string,
  key: string,
  depth = 0,
): string {
  if (!value.includes('%')) return value;
  if (depth > MAX_INTERPOLATION_DEPTH)
    throw new ConfigError(where, `${key}: %(…)s references nest deeper than ${MAX_INTERPOLATION_DEPTH} (a loop?)`);
  const expanded = value.replace(REFERENCE, (_match, escapeOrReference: string, name: string | undefined) => {
    if (escapeOrReference === '%') return '%';
    const target = lookup((name ?? '').toLowerCase());
    if (target === undefined)
      throw new ConfigError(where, `${key}: %(${name})s names no key of this section, [DEFAULT], here or __file__`);
    return interpolate(target, lookup, where, key, depth + 1);
  });
  if (expanded.length > MAX_INTERPOLATED_LENGTH)
    throw new ConfigError(where, `${key}: %(…)s references expand past ${MAX_INTERPOLATED_LENGTH} characters`);
  return expanded;
}

/**
 * Parses INI text into its sections, with `%(name)s` references expanded.
 *
 * - `[section]` headers; keys before the first header form a section named `undefined`.
 *   A section repeated later continues the first; a repeated key wins.
 * - `key = value` and `key: value`; the first `=` or `:` separates, so `url = redis://h:6379` works.
 * - Lines starting with `;` or `#` are comments. A `;` or `#` later in a line is part of the
 *   value, because secrets and URLs may contain them.
 * - A line indented deeper than the key line before it continues that value (joined with a
 *   newline), as Python's configparser reads the multi-line values of Paste files.
 * - Matching surrounding quotes are stripped from values; keys and values are trimmed.
 * - `%(name)s` is the value of `name` in the same section, else `[DEFAULT]`, else
 *   `options.defaults` (`here`, `__file__`); `%%` is one `%`.
 *
 * A line that fits none of these, or a reference to no key, throws a `ConfigError` naming
 * `source` and the line number.
 */
export function parseIniSections(text: string, options: IniOptions = {}): IniSection[] {
  const source = options.source ?? 'ini';
  const sections = readSections(text, source);
  const defaults = new Map(Object.entries(options.defaults ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  const defaultSection = sections.get(DEFAULT_SECTION) ?? new Map<string, RawEntry>();
  const lowered = (entries: Map<string, RawEntry>) =>
    new Map([...entries].map(([key, entry]) => [key.toLowerCase(), entry.value]));
  const fromDefault = lowered(defaultSection);
  const result: IniSection[] = [];
  for (const [name, entries] of sections) {
    if (name === undefined && entries.size === 0) continue;
    const own = lowered(entries);
    const lookup = (key: string) => own.get(key) ?? fromDefault.get(key) ?? defaults.get(key);
    const values: Record<string, string> = {};
    for (const [key, entry] of entries) values[key] = interpolate(entry.value, lookup, `${source}:${entry.line}`, key);
    result.push({ name, values });
  }
  return result;
}

/**
 * Parses INI text into one flat map of keys to string values: `parseIniSections` with every
 * section merged in file order (a later duplicate wins: a Pylons file repeats keys in
 * `[app:main]` and `[app:test]`).
 */
export function parseIni(text: string, sourceOrOptions: string | IniOptions = {}): Record<string, string> {
  const options = typeof sourceOrOptions === 'string' ? { source: sourceOrOptions } : sourceOrOptions;
  return Object.assign({}, ...parseIniSections(text, options).map((section) => section.values));
}
