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

describe('interpolation, as configparser and Paste Deploy do it', () => {
  it('expands %(here)s and %(__file__)s from the defaults', () => {
    const defaults = { here: '/srv/app', __file__: '/srv/app/development.ini' };
    expect(parseIni('[app:main]\ncache_dir = %(here)s/data\nsource = %(__file__)s\n', { defaults })).toEqual({
      cache_dir: '/srv/app/data',
      source: '/srv/app/development.ini',
    });
  });

  it('expands keys of the same section and of [DEFAULT], case-insensitively and nested', () => {
    const text = [
      '[DEFAULT]',
      'root = /var/lib',
      '[app:main]',
      'Base = %(ROOT)s/app',
      'cache_dir = %(base)s/data',
      'percent = 100%% sure',
    ].join('\n');
    expect(parseIni(text)).toMatchObject({ cache_dir: '/var/lib/app/data', percent: '100% sure' });
  });

  it('keeps a lone % as written, so secrets and URLs need no escaping', () => {
    expect(parseIni('secret = a%b%zz%\nurl = postgres://u:p%40ss@h/db\n')).toEqual({
      secret: 'a%b%zz%',
      url: 'postgres://u:p%40ss@h/db',
    });
  });

  it('names the file, line and key of a reference to nothing, and of a loop', () => {
    expect(() => parseIni('[a]\nx = 1\ny = %(nope)s\n', 'app.ini')).toThrow(
      'app.ini:3: y: %(nope)s names no key of this section, [DEFAULT], here or __file__',
    );
    expect(() => parseIni('[a]\nx = %(y)s\ny = %(x)s\n', 'app.ini')).toThrow(/^app\.ini:2: x: .*nest deeper than 10/);
  });

  it('refuses a value that references expand past 64 Ki characters, quickly', () => {
    // Ten levels, each naming the level below eight times: 8^10 copies of "x" if expanded.
    const lines = ['[a]', 'k0 = x'];
    for (let level = 1; level <= 10; level++) lines.push(`k${level} = ${`%(k${level - 1})s`.repeat(8)}`);
    expect(() => parseIni(lines.join('\n'), 'bomb.ini')).toThrow(
      /^bomb\.ini:\d+: k\d+: %\(…\)s references expand past 65536 characters$/,
    );
  });

  it('does not see keys of another section', () => {
    expect(() => parseIni('[a]\nx = 1\n[b]\ny = %(x)s\n')).toThrow(/names no key/);
  });
});
