/**
 * examples/fastify/app.mjs as a user runs it: `node examples/fastify/app.mjs` on a free port
 * (PORT), with its ./data in a temporary folder, over the built packages.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../../test-support/ports.js';
import { expectNewsCached } from '../../../test-support/response-cache-conformance.js';
import { SECRET } from './support.js';

const example = fileURLToPath(new URL('../../../examples/fastify/app.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let cwd: string;
let child: ChildProcess | undefined;
let url: string;

beforeAll(async () => {
  if (!existsSync(built)) throw new Error('@vessel/fastify is not built: run `npm run build` first');
  cwd = await mkdtemp(path.join(tmpdir(), 'vessel-fastify-example-'));
  const port = await freePort();
  child = spawn(process.execPath, [example], {
    cwd,
    env: { ...process.env, PORT: String(port), SESSION_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start: ${output}`)), 20_000);
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('fastify example on ')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child?.stdout?.on('data', listen);
    child?.stderr?.on('data', listen);
    child?.once('exit', (code) => reject(new Error(`the example exited (${code}): ${output}`)));
  });
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** One request with `cookie`; the page and the cookie the browser holds after. */
async function visit(
  cookie: string | undefined,
  method = 'GET',
  pathname = '/',
  form?: Record<string, string>,
): Promise<{ status: number; page: string; cookie: string | undefined }> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url + pathname, {
    method,
    headers,
    body: form && new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  const set = response.headers.getSetCookie()[0];
  const next = set === undefined ? cookie : /Expires=Thu, 01 Jan 1970/.test(set) ? undefined : set.split(';')[0];
  return { status: response.status, page: await response.text(), cookie: next };
}

it('counts visits, logs in with a new id keeping the count, and logs out', async () => {
  let browser = await visit(undefined);
  expect(browser.page).toContain('seen this page 1 times');
  const anonymous = browser.cookie;
  browser = await visit(browser.cookie, 'POST', '/login', { name: 'ada', password: 'lovelace' });
  expect(browser.status).toBe(303);
  expect(browser.cookie).not.toBe(anonymous);
  browser = await visit(browser.cookie);
  expect(browser.page).toContain('Logged in as ada');
  expect(browser.page).toContain('Hello ada');
  expect(browser.page).toContain('seen this page 2 times');
  expect((await visit(anonymous)).page).not.toContain('Hello');
  browser = await visit(browser.cookie, 'POST', '/logout');
  expect(browser.cookie).toBeUndefined();
  expect((await visit(browser.cookie)).page).toContain('seen this page 1 times');
});

it('answers /news from one copy for every anonymous visitor, never for one who carries a session', async () => {
  const signedIn = await visit(undefined, 'POST', '/login', { name: 'ada', password: 'lovelace' });
  await expectNewsCached(url, signedIn.cookie as string);
});
