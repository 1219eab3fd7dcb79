/**
 * The one cookie codec: reading a Cookie header gives exactly what the `cookie` package's
 * `parse` gives (the package express-session uses), for any header.
 */
import { createRequire } from 'node:module';
import { readCookie, readCookieValues } from '@vessel/core';
import { describe, expect, it } from 'vitest';

describe('readCookie', () => {
  const { parse } = createRequire(import.meta.url)('cookie') as { parse(header: string): Record<string, string> };
  const name = 'connect.sid';
  const headers = [
    '',
    'a',
    'connect.sid=s%3Aabc.def',
    'other=1; connect.sid=s%3Aabc.def%2Bg%2F; more=2',
    'connect.sid=first; connect.sid=second',
    '  connect.sid  =  spaced value  ; x=1',
    'connect.sid="quoted"',
    'connect.sid="',
    'connect.sid=',
    'noequals; connect.sid=after',
    'connect.sid=bad%escape%ZZ',
    'connect.sid=%E2%82%AC',
    'xconnect.sid=no; connect.sidx=no; connect.sid=yes',
    'a=b;connect.sid=c=d;e',
    ';;connect.sid=semi;;',
    '\tconnect.sid\t=\ttab\t',
  ];
  it.each(headers)('reads %j as the cookie package parses it', (header) => {
    expect(readCookie(header, name)).toBe(parse(header)[name]);
  });

  it('agrees with the cookie package on generated headers', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ['connect.sid', 'c', '=', ';', ' ', '\t', '"', '%3A', '%', 'x', 'connect.sid=', '%E2%82%AC'];
    for (let run = 0; run < 2000; run++) {
      let header = '';
      const length = Math.floor(random() * 12);
      for (let index = 0; index < length; index++) header += pieces[Math.floor(random() * pieces.length)];
      expect(readCookie(header, name), header).toBe(parse(header)[name]);
    }
  });
});

describe('readCookieValues', () => {
  it('reads every cookie of the name, in header order, after the first', () => {
    expect(readCookieValues('a=1; sid=x; b=2; sid=y%20z; sid="q"', 'sid')).toEqual(['x', 'y z', 'q']);
    expect(readCookieValues(undefined, 'sid')).toEqual([]);
    expect(readCookieValues('sid; other=1', 'sid')).toEqual([]);
  });
});
