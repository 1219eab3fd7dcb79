/**
 * The committed `bin/session-inspect.js`: npm links it on the first `npm install` of a fresh
 * clone (the built `dist/bin.js` does not exist yet at that point), and it either runs the
 * built command or says how to build it.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const shim = path.join(pkg, 'bin', 'session-inspect.js');
const run = promisify(execFile);
const scratch = await mkdtemp(path.join(tmpdir(), 'vessel-bin-shim-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the session-inspect bin', () => {
  it("is the package's bin, an executable committed file that npm can link before any build", async () => {
    const manifest = JSON.parse(await readFile(path.join(pkg, 'package.json'), 'utf8'));
    expect(manifest.bin).toEqual({ 'session-inspect': './bin/session-inspect.js' });
    expect(manifest.files).toContain('bin');
    expect((await stat(shim)).mode & 0o111).toBe(0o111);
    const { stdout } = await run('git', ['ls-files', '--stage', 'bin/session-inspect.js'], { cwd: pkg });
    expect(stdout).toMatch(/^100755 /);
    expect((await readFile(shim, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('runs the built command', async () => {
    const { stdout } = await run(shim, ['--version']);
    expect(stdout).toMatch(/^session-inspect \d+\.\d+\.\d+/);
  });

  it('in a checkout not built yet, says what is missing and how to build, and exits 1', async () => {
    const bin = path.join(scratch, 'bin');
    await mkdir(bin);
    await copyFile(shim, path.join(bin, 'session-inspect.js'));
    const failure = await run(process.execPath, [path.join(bin, 'session-inspect.js'), 'list']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`${path.join(scratch, 'dist', 'bin.js')} is missing`);
    expect(failure?.stderr).toContain('Run `npm run build`');
  });
});
