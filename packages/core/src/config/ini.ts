/**
 * A small INI reader for Beaker/Pylons-style files. Sections only group keys for humans:
 * Vessel's keys are found by name, wherever they sit (`[app:main]`, `[vessel]`, …).
 */
import { ConfigError } from '../errors.js';

const SECTION = /^\[([^\]]*)\]$/;

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  return value;
}

/**
 * Parses INI text into one flat map of keys to string values.
 *
 * - `[section]` headers are accepted; keys from all sections are merged and a later duplicate
 *   wins (a Pylons file repeats keys in `[app:main]` and `[app:test]`).
 * - `key = value` and `key: value`; the first `=` or `:` separates, so `url = redis://h:6379` works.
 * - Lines starting with `;` or `#` are comments. A `;` or `#` later in a line is part of the
 *   value, because secrets and URLs may contain them.
 * - A line indented deeper than the key line before it continues that value (joined with a
 *   newline), as Python's configparser reads the multi-line values of Paste files.
 * - Matching surrounding quotes are stripped from values; keys and values are trimmed.
 *
 * A line that fits none of these throws a `ConfigError` naming `source` and the line number.
 */
export function parseIni(text: string, source = 'ini'): Record<string, string> {
  const values: Record<string, string> = {};
  let lastKey: string | undefined;
  let lastIndent = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  lines.forEach((raw, index) => {
    const where = `${source}:${index + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    if (lastKey !== undefined && indent > lastIndent) {
      values[lastKey] = unquote(`${values[lastKey] ?? ''}\n${line}`.trim());
      return;
    }
    if (line.startsWith('[')) {
      const section = SECTION.exec(line);
      if (!section || section[1]?.trim() === '')
        throw new ConfigError(where, `expected a section header like "[app:main]", got ${JSON.stringify(line)}`);
      lastKey = undefined;
      return;
    }
    const separator = line.search(/[=:]/);
    if (separator === -1)
      throw new ConfigError(where, `expected "key = value", "[section]" or a comment, got ${JSON.stringify(line)}`);
    const key = line.slice(0, separator).trim();
    if (key === '')
      throw new ConfigError(where, `expected a key before "${line[separator]}", got ${JSON.stringify(line)}`);
    values[key] = unquote(line.slice(separator + 1).trim());
    lastKey = key;
    lastIndent = indent;
  });
  return values;
}
