/** examples/koa/app.mjs, run as its header says (`node examples/koa/app.mjs`, built packages), over a real socket. */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/ports.js';
import { expectNewsCached } from '../../../test-support/response-cache-conformance.js';
import { cookiePair, EXPIRED } from '../../../test-support/sessions.js';

const APP = fileURLToPath(new URL('../../../examples/koa/app.mjs', import.meta.url));

let cwd: string;
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  // Its own working directory, so the example's ./data lands in a folder the test removes.
  cwd = await mkdtemp(path.join(tmpdir(), 'vessel-koa-example-'));
  const port = await freePort();
  child = spawn(process.execPath, [APP], {
    cwd,
    env: {
      ...process.env,
      PORT: String(port),
      SESSION_SECRET: 'a secret of thirty-two bytes or more, for the example',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('koa example on http://')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the example exited (${code}): ${output}`)));
  });
  url = `http://127.0.0.1:${port}`;
}, 30_000);
afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await rm(cwd, { recursive: true, force: true });
});

async function send(
  pathname: string,
  cookie: string | undefined,
  init: { method?: string; form?: Record<string, string> } = {},
): Promise<{ status: number; body: string; setCookie: string[]; location: string | null }> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const body = init.form && new URLSearchParams(init.form).toString();
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url + pathname, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
  return {
    status: response.status,
    body: await response.text(),
    setCookie: response.headers.getSetCookie(),
    location: response.headers.get('location'),
  };
}

describe('examples/koa', () => {
  it('answers /news from one copy for every anonymous visitor, never for one who carries a session', async () => {
    const first = await send('/', undefined);
    const cookie = cookiePair(first.setCookie[0]);
    await send('/login', cookie, { method: 'POST', form: { name: 'ada', password: 'lovelace' } });
    await expectNewsCached(url, cookie);
  });

  it('counts visits, logs in with a new session id and out again, with sessions in ./data', async () => {
    const first = await send('/', undefined);
    expect(first.body).toContain('1 views');
    let cookie = cookiePair(first.setCookie[0]);
    expect((await send('/', cookie)).body).toContain('2 views');
    await access(path.join(cwd, 'data', 'vessel.sqlite'));

    const wrong = await send('/login', cookie, { method: 'POST', form: { name: 'ada', password: 'nope' } });
    expect(wrong.location).toBe('/login');
    const login = await send('/login', cookie, { method: 'POST', form: { name: 'ada', password: 'lovelace' } });
    expect([login.status, login.location]).toEqual([302, '/']);
    const loggedIn = cookiePair(login.setCookie[0]);
    expect(loggedIn).not.toBe(cookie);
    cookie = loggedIn;
    const home = await send('/', cookie);
    expect(home.body).toContain('Logged in as ada');
    expect(home.body).toContain('Hello ada');
    expect(home.body).toContain('3 views');

    const logout = await send('/logout', cookie, { method: 'POST' });
    expect(logout.setCookie[0]).toContain(EXPIRED);
    expect((await send('/', cookie)).body).toContain('Log in');
  });
});
