/**
 * examples/hono/app.mjs as a user runs it: `node examples/hono/app.mjs` (after `npm run build`),
 * in a folder of its own so its SQLite store lands in that folder's ./data, on a free port.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../../test-support/adapter-conformance.js';
import { expectNewsCached } from '../../../test-support/response-cache-conformance.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = path.join(root, 'examples/hono/app.mjs');
const built = ['packages/core/dist/index.js', 'packages/hono/dist/index.js'].every((file) =>
  existsSync(path.join(root, file)),
);

describe('examples/hono/app.mjs', () => {
  if (!built) {
    // A failing test, not a skipped one: the example runs on the built packages.
    it('needs the packages built', () => {
      throw new Error('run `npm run build` (or `npx tsc -b packages/hono`) first');
    });
    return;
  }
  let cwd: string;
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'vessel-hono-example-'));
    child = spawn(process.execPath, [example], {
      cwd,
      env: { ...process.env, PORT: '0', SESSION_SECRET: 'hono example test: a secret of 32 bytes or more' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /http:\/\/localhost:(\d+)\//.exec(output);
        if (match) resolve(`http://127.0.0.1:${match[1]}`);
      });
      child.once('exit', (code) => reject(new Error(`the example exited (${code}) before listening: ${output}`)));
    });
  });
  afterAll(async () => {
    if (child?.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('answers /news from one copy for every anonymous visitor, never for one who carries a session', async () => {
    const ada = new HttpBrowser(url);
    await ada.get('/');
    await fetch(`${url}/login`, {
      method: 'POST',
      headers: { cookie: ada.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=ada&password=lovelace',
      redirect: 'manual',
    });
    await expectNewsCached(url, ada.cookie as string);
  });

  it('counts visits, logs in and out, with the sessions under ./data', async () => {
    const ada = new HttpBrowser(url);
    expect(await ada.get('/')).toContain('1 view in this session');
    expect(await ada.get('/')).toContain('2 views in this session');
    const before = ada.cookie;
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { cookie: ada.cookie ?? '', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=ada&password=lovelace',
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    ada.cookie = login.headers.getSetCookie()[0]?.split(';')[0];
    expect(ada.cookie).not.toBe(before);
    const home = await ada.get('/');
    expect(home).toContain('Hello ada');
    expect(home).toContain('3 views');
    expect((await ada.request('POST', '/logout')).status).toBe(302);
    expect(await ada.get('/')).toContain('1 view in this session');
    expect(existsSync(path.join(cwd, 'data'))).toBe(true);
  });
});
