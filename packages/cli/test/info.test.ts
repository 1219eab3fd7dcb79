import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStorage } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `session-inspect` as a user would, in `cwd`. */
function inspect(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('session-inspect info', () => {
  let app: string;

  beforeAll(async () => {
    app = await mkdtemp(path.join(tmpdir(), 'vessel-cli-'));
    const storage = createStorage({ cacheDir: path.join(app, 'data') });
    await storage.namespace('session').set('s1', { user: 'ada' }, { ttlMs: 60_000 });
    await storage.namespace('session').set('s2', { user: 'bob' }, { ttlMs: 60_000 });
    await storage.namespace('cache:users').set('ada', 1);
    await storage.close();
  });

  afterAll(async () => {
    await rm(app, { recursive: true, force: true });
  });

  it('finds ./data in the app folder with no flags and counts only sessions', async () => {
    const run = await inspect(['info', '--json'], app);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      configFile: null,
      type: 'sqlite',
      location: `sqlite ${path.join(app, 'data', 'vessel.sqlite')}`,
      prefix: 'vessel',
      sessions: 2,
    });
  });

  it('reads the store from the application config file', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'vessel-cli-cfg-'));
    const configFile = path.join(elsewhere, 'app.ini');
    await writeFile(configFile, `[app:main]\nbeaker.cache_dir = ${path.join(app, 'data')}\n`);
    const run = await inspect(['--config', configFile, 'info'], elsewhere);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sessions\s+│ 2/);
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('exits 1 with one clear line when the store is unreachable', async () => {
    const run = await inspect(['--url', 'redis://:pw@127.0.0.1:1/0', 'info'], app);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'session-inspect: cannot reach redis://:***@127.0.0.1:1/0: ECONNREFUSED (is it running and reachable? check --url, or the config file that named it)\n',
    );
  });

  it('exits 2 on usage errors and on a memory store it cannot see into', async () => {
    expect((await inspect(['frobnicate'], app)).code).toBe(2);
    const configFile = path.join(app, 'memory.ini');
    await writeFile(configFile, 'type = memory\n');
    const run = await inspect(['--config', configFile, 'info'], app);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/memory backend lives inside one application process/);
  });
});
