/**
 * The first hour, from outside the repository: every package is packed as npm would publish it,
 * installed into a fresh app in a temporary folder with nothing but the registry's dependencies,
 * and the README's snippets run there — ES modules, CommonJS, TypeScript under `strict` — with
 * `npx session-inspect` over the store they wrote. What a new user copies is what is tested.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../test-support/ports.js';
import { until } from '../test-support/waiting.js';
import { awaitConsumerApp, type Packed, prepareConsumerApp, readmeSnippets, run, userEnv } from './app.js';

const SECRET = 'consumer-test secret, 32 bytes or more of it';

/** The folder this file owns: the global setup's (cleaned up there), else one of its own. */
let work: string;
let ownWork = false;
let app: string;
let packed: Packed[];
const servers: ChildProcess[] = [];

/** Starts `node file` in the app with `PORT` set, and resolves its base URL once it answers. */
async function serve(file: string, env: NodeJS.ProcessEnv = { SESSION_SECRET: SECRET }): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [file], { cwd: app, env: userEnv({ ...env, PORT: String(port) }) });
  servers.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`${file} exited ${child.exitCode}:\n${stderr}`);
    // A path no snippet routes: probing `/` would start a session.
    return fetch(`${base}/consumer-test-probe`, { method: 'HEAD' }).then(
      () => true,
      () => false,
    );
  });
  return base;
}

/** A browser's cookie jar of one: GETs `url`, sending and keeping the session cookie. */
function browser(): (url: string) => Promise<{ status: number; body: string }> {
  let cookie = '';
  return async (url) => {
    const response = await fetch(url, { headers: cookie ? { cookie } : {} });
    const set = response.headers.getSetCookie()[0];
    if (set) cookie = set.split(';')[0] as string;
    return { status: response.status, body: await response.text() };
  };
}

beforeAll(async () => {
  const provided = inject('consumerWork');
  if (provided) {
    work = provided;
  } else {
    work = await mkdtemp(path.join(tmpdir(), 'vessel-consumer-'));
    ownWork = true;
    await prepareConsumerApp(work);
  }
  ({ app, packed } = await awaitConsumerApp(work));
}, 900_000);

afterAll(async () => {
  for (const server of servers) {
    if (server.exitCode === null) {
      server.kill();
      await once(server, 'exit');
    }
  }
  if (ownWork) await rm(work, { recursive: true, force: true });
});

describe('the packages as npm publishes them', () => {
  it('each tarball holds its README, LICENSE, built code and types, and no tests or build state', async () => {
    const workspaces = (await readdir(new URL('../packages', import.meta.url))).map((dir) => `@vessel/${dir}`);
    expect(packed.map((pkg) => pkg.name).sort()).toEqual(workspaces.sort());
    for (const pkg of packed) {
      const files = pkg.files.map((file) => file.path);
      expect(files, pkg.name).toEqual(
        expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts']),
      );
      expect(
        files.filter((file) => /^test\/|\.test\.|tsbuildinfo/.test(file)),
        pkg.name,
      ).toEqual([]);
    }
    const express = packed.find((pkg) => pkg.name === '@vessel/express');
    expect(express?.files.map((file) => file.path)).toEqual(
      expect.arrayContaining(['cjs/index.cjs', 'cjs/index.d.cts']),
    );
    const cli = packed.find((pkg) => pkg.name === '@vessel/cli');
    expect(cli?.files.map((file) => file.path)).toEqual(
      expect.arrayContaining(['bin/session-inspect.js', 'dist/bin.js']),
    );
  });

  it("every source map's sources are in the installed package (stack traces and go-to-definition reach the TypeScript)", async () => {
    let maps = 0;
    for (const pkg of packed) {
      const root = path.join(app, 'node_modules', pkg.name);
      for (const file of pkg.files.map((entry) => entry.path).filter((name) => name.endsWith('.map'))) {
        const { sources } = JSON.parse(await readFile(path.join(root, file), 'utf8')) as { sources: string[] };
        for (const source of sources) {
          const resolved = path.join(path.dirname(path.join(root, file)), source);
          expect(resolved.startsWith(root + path.sep), `${pkg.name}/${file} → ${source}`).toBe(true);
          await expect(readFile(resolved), `${pkg.name}/${file} → ${source}`).resolves.toBeDefined();
        }
        maps++;
      }
    }
    expect(maps).toBeGreaterThan(100);
  });

  it('the README has the snippets this suite runs', async () => {
    expect([...(await readmeSnippets()).keys()].sort()).toEqual([
      'express.cjs',
      'express.mjs',
      'fastify.mjs',
      'hono.mts',
      'koa.mjs',
      'server.mts',
    ]);
  });
});

describe("the README's snippets in a fresh app", () => {
  it('Express, ES modules: the counter counts, and session-inspect lists the session', async () => {
    const base = await serve('express.mjs');
    const get = browser();
    expect(await get(base)).toEqual({ status: 200, body: '1 views' });
    expect(await get(base)).toEqual({ status: 200, body: '2 views' });

    const list = await run('npx', ['session-inspect', 'list', '--show', 'views', '--ndjson'], app);
    expect(list.code, list.stderr).toBe(0);
    const sessions = list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(sessions).toHaveLength(1);
    expect(JSON.stringify(sessions[0])).toContain('"views":2');
  });

  it('Express, CommonJS: sessions, req.cache and a cached route', async () => {
    const base = await serve('express.cjs');
    const get = browser();
    expect((await get(base)).body).toBe('1 views');
    expect((await get(base)).body).toBe('2 views');
    // Anonymous visitors share one copy; a request with a session cookie is never served a shared one.
    const first = await fetch(`${base}/time`);
    const second = await fetch(`${base}/time`);
    expect([first.status, first.headers.get('x-vessel-cache')]).toEqual([200, 'miss']);
    expect(second.headers.get('x-vessel-cache')).toBe('hit');
    expect(await second.text()).toBe(await first.text());
    const withSession = await get(`${base}/time`);
    expect(withSession.body).not.toBe('');
  });

  it('without SESSION_SECRET the app stops at startup with an error naming it', async () => {
    for (const file of ['express.mjs', 'express.cjs']) {
      const result = await run(process.execPath, [file], app, { PORT: String(await freePort()) });
      expect(result.code, file).not.toBe(0);
      expect(result.stderr, file).toContain('SESSION_SECRET: the environment variable is not set');
      expect(result.stderr, file).toContain('openssl rand -base64 32');
    }
  });

  it('TypeScript: the framework-free server type-checks under strict, compiles and serves', async () => {
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          outDir: 'out',
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['server.mts'],
      }),
    );
    const tsc = await run('npx', ['tsc', '-p', '.'], app);
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    const base = await serve('out/server.mjs');
    const get = browser();
    expect((await get(base)).body).toMatch(/^hello from \d+: visit 1\n$/);
    expect((await get(base)).body).toMatch(/^hello from \d+: visit 2\n$/);
  });

  it('TypeScript: CommonJS requires of both packages are typed', async () => {
    await writeFile(
      path.join(app, 'typed.cts'),
      [
        "import session = require('@vessel/express');",
        "import core = require('@vessel/core');",
        "const vessel = core.createVessel({ cacheDir: './data', session: { secret: session.secretFromEnv() } });",
        'const middleware: import("express").RequestHandler = session({ vessel });',
        'const cached: import("express").RequestHandler = session.cacheResponse(vessel, { expire: 30 });',
        'export { middleware, cached };',
        '',
      ].join('\n'),
    );
    const tsc = await run(
      'npx',
      ['tsc', '--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--noEmit', 'typed.cts'],
      app,
    );
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  });
});

describe("each adapter's README snippet in the fresh app", () => {
  it.each([
    ['fastify.mjs', 'Fastify'],
    ['koa.mjs', 'Koa'],
    ['out/hono.mjs', 'Hono, TypeScript type-checked under strict'],
  ])('%s (%s): the counter counts', async (file) => {
    if (file.startsWith('out/')) {
      const strict = ['--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'out'];
      const tsc = await run('npx', ['tsc', ...strict, 'hono.mts'], app);
      expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    }
    const base = await serve(file);
    const get = browser();
    expect((await get(base)).body).toBe('1 views');
    expect((await get(base)).body).toBe('2 views');
    if (file !== 'koa.mjs') {
      // The snippet's cached route: the second visitor gets the first one's answer (the first may
      // already be one: the snippets share ./data, and the root README's has a cached /time too).
      const first = await fetch(`${base}/time`);
      const second = await fetch(`${base}/time`);
      expect(['miss', 'hit']).toContain(first.headers.get('x-vessel-cache'));
      expect(second.headers.get('x-vessel-cache')).toBe('hit');
      expect(await second.text()).toBe(await first.text());
    }
  });
});

describe('session-inspect, installed', () => {
  it('--version prints the package version', async () => {
    const result = await run('npx', ['session-inspect', '--version'], app);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`session-inspect ${packed.find((pkg) => pkg.name === '@vessel/cli')?.version}`);
  });

  it('in a folder with no store, says so and creates nothing', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty);
    const result = await run(path.join(app, 'node_modules/.bin/session-inspect'), ['list'], empty);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `no Vessel store found in ${empty}; pass --cache-dir or --url, or run inside your app's folder`,
    );
    await expect(readFile(path.join(empty, 'data', 'vessel.sqlite'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
