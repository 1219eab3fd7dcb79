import { describe, expect, it } from 'vitest';
import { parseIni } from '../../src/config/index.js';

describe('parseIni', () => {
  it('reads key = value and key: value, merging sections', () => {
    const text = [
      '[server:main]',
      'port = 8080',
      '',
      '[app:main]',
      'session.key: app.sid',
      'url = redis://127.0.0.1:6379/2',
    ].join('\n');
    expect(parseIni(text)).toEqual({ port: '8080', 'session.key': 'app.sid', url: 'redis://127.0.0.1:6379/2' });
  });

  it('lets a later duplicate win, across sections', () => {
    expect(parseIni('[a]\nx = 1\n[b]\nx = 2\n')).toEqual({ x: '2' });
  });

  it('skips comments and blank lines, but keeps ; and # inside values', () => {
    const text = '; a comment\n# another\n   ; indented comment\n\nsecret = abc;def#ghi\n';
    expect(parseIni(text)).toEqual({ secret: 'abc;def#ghi' });
  });

  it('strips matching surrounding quotes and trims keys and values', () => {
    expect(parseIni(`  a  =  "quoted value "  \nb = 'single'\nc = "unbalanced'\nd = ""`)).toEqual({
      a: 'quoted value ',
      b: 'single',
      c: `"unbalanced'`,
      d: '',
    });
  });

  it('reads CRLF files and a byte-order mark', () => {
    expect(parseIni('\uFEFF[app:main]\r\nkey = 1\r\n')).toEqual({ key: '1' });
  });

  it('joins deeper-indented lines onto the previous value, as Paste files use them', () => {
    const text = '[pipeline:main]\npipeline =\n    egg:Paste#cgitb\n    myapp\nnext = 1\n';
    expect(parseIni(text)).toEqual({ pipeline: 'egg:Paste#cgitb\nmyapp', next: '1' });
  });

  it('does not mistake equally indented keys for continuations', () => {
    expect(parseIni('[a]\n  x = 1\n  y = 2\n')).toEqual({ x: '1', y: '2' });
  });

  it('names the file and line of a syntax error', () => {
    expect(() => parseIni('[app:main]\nsession.key = a\nthis is not ini\n', '/etc/app.ini')).toThrow(
      '/etc/app.ini:3: expected "key = value", "[section]" or a comment, got "this is not ini"',
    );
    expect(() => parseIni('[app:main\n', 'x.ini')).toThrow(/^x\.ini:1: expected a section header/);
    expect(() => parseIni('ok = 1\n= value\n', 'x.ini')).toThrow(/^x\.ini:2: expected a key before "="/);
  });
});
