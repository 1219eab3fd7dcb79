/**
 * Stored text made inert before it reaches a terminal. Ids, keys, values and RegExps come from
 * whoever wrote the store (a foreign program, a user's own session data), and a terminal acts on
 * some characters instead of showing them: ESC and the one-byte C1 CSI (U+009B) start control
 * sequences that clear the screen, retitle the window or rewrite what was printed; CR and BEL
 * overwrite a line or ring; bidi overrides and isolates (U+202E, U+2066…) reorder what follows so
 * an id reads as another; zero-width characters hide differences. Every such character is shown
 * as an escape instead, so what an operator reads is what the store holds.
 */

/**
 * Characters shown as escapes in human output: controls (`Cc`: C0 including ESC, BEL, CR, LF and
 * TAB, DEL, C1 U+0080–U+009F), format characters (`Cf`: bidi marks, embeddings, overrides and
 * isolates U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069, zero-width U+200B–U+200D, U+2060,
 * BOM U+FEFF, soft hyphen, tags), line and paragraph separators (U+2028/9) and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * The same set minus C0, for JSON text: `JSON.stringify` already escapes C0 and lone surrogates
 * inside strings, and the C0 left in its output are the `\n` of the indentation.
 */
const UNSAFE_IN_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}

function escapeCodePoint(character: string): string {
  const code = character.codePointAt(0) as number;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  return code <= 0xffff ? `\\u${hex(code, 4)}` : `\\u{${code.toString(16)}}`;
}

function escapeUtf16(character: string): string {
  let escaped = '';
  for (let i = 0; i < character.length; i++) escaped += `\\u${hex(character.charCodeAt(i), 4)}`;
  return escaped;
}

/**
 * `text` with every control, bidi and invisible format character written as a visible escape:
 * `\x1b`, `\x0d`, `\x9b` up to U+00FF, `\u202e` above, `\u{e0041}` beyond the BMP. Text without
 * any comes back unchanged (every id Vessel generates, ordinary data). For display only: a stored
 * backslash is not escaped, so `--json` is the exact form.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escapeCodePoint);
}

/**
 * `text` made of lines, each escaped as `terminalText` does, the line breaks kept: for output
 * that is several lines by design (a stack trace).
 */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}

/**
 * `JSON.stringify(value, null, indent)` with DEL, C1, bidi, zero-width and separator characters
 * also written as `\uXXXX` escapes (surrogate pairs beyond the BMP). Every JSON parser reads the
 * document back unchanged, so programs lose nothing, and `--json` printed to a terminal (or
 * viewed with `less`) cannot drive it either; applied whether or not stdout is a terminal, so
 * the output does not depend on where it goes.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(UNSAFE_IN_JSON, escapeUtf16);
}
