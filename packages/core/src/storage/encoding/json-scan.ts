/**
 * Finding where the last members of a JSON object lie in its text, without decoding them and
 * without walking the members before them: what lets a save keep the stored text of the values
 * it did not change instead of decoding and encoding them again.
 *
 * The text must be JSON that has already parsed (a record this process read or wrote), laid out
 * as `JSON.stringify` writes it (no spaces between tokens): the scanner only follows the
 * structure — strings, brackets, colons — and does not validate. On anything it does not expect
 * it answers `undefined`, and the caller encodes as usual.
 */

/** One member of a JSON object: its key (decoded) and where its text lies. */
export interface JsonMember {
  readonly key: string;
  /** Index of the key's opening quote: `text.slice(keyStart, end)` is the whole member. */
  readonly keyStart: number;
  /** Index of the value's first character. */
  readonly start: number;
  /** Index just past the value's last character. */
  readonly end: number;
}

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** `text` holds `literal` at `index` (a loop: startsWith with a position is slow in V8). */
export function holdsAt(text: string, index: number, literal: string): boolean {
  if (index < 0 || index + literal.length > text.length) return false;
  for (let offset = 0; offset < literal.length; offset++) {
    if (text.charCodeAt(index + offset) !== literal.charCodeAt(offset)) return false;
  }
  return true;
}

/** Index of the opening quote of the string whose closing quote is at `close`; -1 when there is none. */
function stringStartBefore(text: string, close: number): number {
  // Inside a string every quote is escaped: the opening one is the first with an even run of
  // backslashes before it. A loop rather than lastIndexOf, which V8 does not make fast.
  for (let open = close - 1; open >= 0; open--) {
    if (text.charCodeAt(open) !== QUOTE) continue;
    let backslashes = 0;
    while (text.charCodeAt(open - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return open;
  }
  return -1;
}

/** Index of the first character of the value whose text ends just before `end`; -1 when unclear. */
function valueStartBefore(text: string, end: number): number {
  const last = text.charCodeAt(end - 1);
  if (last === QUOTE) return stringStartBefore(text, end - 1);
  if (last === CLOSE_BRACE || last === CLOSE_BRACKET) {
    let depth = 0;
    for (let index = end - 1; index >= 0; index--) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) {
        index = stringStartBefore(text, index);
        if (index < 0) return -1;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth++;
      } else if ((code === OPEN_BRACE || code === OPEN_BRACKET) && --depth === 0) {
        return index;
      }
    }
    return -1;
  }
  // A number, true, false or null: back to the delimiter before it.
  let index = end;
  while (index > 0) {
    const code = text.charCodeAt(index - 1);
    if (code === COLON || code === COMMA || code === OPEN_BRACE || code === OPEN_BRACKET) break;
    index--;
  }
  return index === end ? -1 : index;
}

/**
 * The object member whose text ends just before `before` (the index of the `,` or `}` after
 * it), read backwards: how a save finds the last members of a large object without walking the
 * ones before them. `undefined` when the text there is not a member laid out as expected.
 */
export function lastMemberBefore(text: string, before: number): JsonMember | undefined {
  const start = valueStartBefore(text, before);
  if (start < 2 || text.charCodeAt(start - 1) !== COLON || text.charCodeAt(start - 2) !== QUOTE) return undefined;
  const keyStart = stringStartBefore(text, start - 2);
  if (keyStart < 0) return undefined;
  const keyText = text.slice(keyStart + 1, start - 2);
  // Keys are plain text almost always; an escape needs JSON's own reading.
  const key = keyText.includes('\\') ? (JSON.parse(text.slice(keyStart, start - 1)) as string) : keyText;
  return { key, keyStart, start, end: before };
}
