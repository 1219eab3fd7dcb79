/**
 * Finding where the members of a JSON object lie in its text, without decoding them: what lets
 * a save keep the stored text of the values it did not change instead of decoding and encoding
 * them again.
 *
 * The text must be JSON that has already parsed (a record this process read or wrote): the
 * scanner only follows the structure — strings, brackets, commas — and does not validate. On
 * anything it does not expect it answers `undefined`, and the caller encodes as usual.
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

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

function skipSpace(text: string, index: number): number {
  while (index < text.length && isSpace(text.charCodeAt(index))) index++;
  return index;
}

/** Index just past the string whose opening quote is at `open`; -1 when it does not end. */
function stringEnd(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close + 1;
    close = text.indexOf('"', close + 1);
  }
  return -1;
}

/** Index just past the value that starts at `start`; -1 when the text ends first. */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringEnd(text, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let index = start; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) {
        index = stringEnd(text, index) - 1;
        if (index < 0) return -1;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
      } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) {
        return index + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) break;
    index++;
  }
  return index === start ? -1 : index;
}

/**
 * The members of the JSON object whose `{` is at `open`, in text order, and the index just past
 * its `}`; `undefined` when there is no object there or the text is not laid out as expected.
 */
export function objectMembers(text: string, open: number): { members: JsonMember[]; end: number } | undefined {
  if (text.charCodeAt(open) !== OPEN_BRACE) return undefined;
  const members: JsonMember[] = [];
  let index = skipSpace(text, open + 1);
  if (text.charCodeAt(index) === CLOSE_BRACE) return { members, end: index + 1 };
  for (;;) {
    if (text.charCodeAt(index) !== QUOTE) return undefined;
    const keyStart = index;
    const keyEnd = stringEnd(text, index);
    if (keyEnd < 0) return undefined;
    const keyText = text.slice(index + 1, keyEnd - 1);
    // Keys are plain text almost always; an escape needs JSON's own reading.
    const key = keyText.includes('\\') ? (JSON.parse(text.slice(index, keyEnd)) as string) : keyText;
    index = skipSpace(text, keyEnd);
    if (text.charCodeAt(index) !== COLON) return undefined;
    const start = skipSpace(text, index + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    members.push({ key, keyStart, start, end });
    index = skipSpace(text, end);
    const next = text.charCodeAt(index);
    if (next === CLOSE_BRACE) return { members, end: index + 1 };
    if (next !== COMMA) return undefined;
    index = skipSpace(text, index + 1);
  }
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

/** `text` holds `literal` at `index` (a loop: startsWith with a position is slow in V8). */
export function holdsAt(text: string, index: number, literal: string): boolean {
  if (index < 0 || index + literal.length > text.length) return false;
  for (let offset = 0; offset < literal.length; offset++) {
    if (text.charCodeAt(index + offset) !== literal.charCodeAt(offset)) return false;
  }
  return true;
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
  let index = end;
  while (index > 0) {
    const code = text.charCodeAt(index - 1);
    if (code === COLON || code === COMMA || code === OPEN_BRACE || code === OPEN_BRACKET || isSpace(code)) break;
    index--;
  }
  return index === end ? -1 : index;
}

/**
 * The object member whose text ends just before `before` (the index of the `,` or `}` after
 * it), read backwards: how a save finds the last members of a large object without walking the
 * ones before them. Text as `JSON.stringify` writes it (no spaces between tokens); `undefined`
 * for anything else.
 */
export function lastMemberBefore(text: string, before: number): JsonMember | undefined {
  const start = valueStartBefore(text, before);
  if (start < 2 || text.charCodeAt(start - 1) !== COLON || text.charCodeAt(start - 2) !== QUOTE) return undefined;
  const keyStart = stringStartBefore(text, start - 2);
  if (keyStart < 0) return undefined;
  const keyText = text.slice(keyStart + 1, start - 2);
  const key = keyText.includes('\\') ? (JSON.parse(text.slice(keyStart, start - 1)) as string) : keyText;
  return { key, keyStart, start, end: before };
}
