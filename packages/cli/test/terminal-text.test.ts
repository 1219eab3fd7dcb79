import { describe, expect, it } from 'vitest';
import { terminalJson, terminalLines, terminalText } from '../src/terminal-text.js';

describe('terminal text', () => {
  it('shows controls, bidi and invisible format characters as escapes', () => {
    expect(terminalText('a\x1b[2J\x07\r\n\t\x7f\u0085\u009bz')).toBe('a\\x1b[2J\\x07\\x0d\\x0a\\x09\\x7f\\x85\\x9bz');
    expect(terminalText('\u202eevil\u202c \u2066x\u2069 \u061c\u200e\u200f')).toBe(
      '\\u202eevil\\u202c \\u2066x\\u2069 \\u061c\\u200e\\u200f',
    );
    expect(terminalText('zero\u200bwidth\ufeff\u00ad\u2028\u2029')).toBe('zero\\u200bwidth\\ufeff\\xad\\u2028\\u2029');
    expect(terminalText('tag\u{e0041} lone\ud800')).toBe('tag\\u{e0041} lone\\ud800');
  });

  it('leaves ordinary text, ids and non-Latin scripts unchanged', () => {
    for (const text of ['m2Aty-a6qqVKfQWiG0x68PqDMrwiKuD0', 'Grüße, 東京, مرحبا, 🙂', 'C:\\path\\x1b'])
      expect(terminalText(text)).toBe(text);
  });

  it('keeps the line breaks of multi-line text, escaping each line', () => {
    expect(terminalLines('Error: \x1b]0;x\x07\n    at f (\u202efile.js)')).toBe(
      'Error: \\x1b]0;x\\x07\n    at f (\\u202efile.js)',
    );
  });

  it('writes JSON a parser reads back unchanged, with no raw C1, DEL or format character', () => {
    const value = { id: 'x\x1b\u009b\u202e\u2028\u{e0041}\x7f', nested: ['\u200b', 'plain'] };
    const text = terminalJson(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(/[\u007f-\u009f\u200b\u202e\u2028]|\u{e0041}/u);
    expect(text).toContain('\\u009b\\u202e\\u2028\\udb40\\udc41\\u007f');
    // The indentation's line breaks stay: 7 lines.
    expect(text.split('\n')).toHaveLength(7);
  });
});
