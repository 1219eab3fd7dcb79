/**
 * An application folder for `session-inspect`: a fresh store on one backend, the config the CLI
 * discovers, and the built binary run in it as a user runs it. Shared by the CLI's suites and by
 * other packages' tests that check what the CLI sees.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Storage, StorageInput } from '@vessel/core';
import { BACKENDS, type BackendCase, type OpenBackend } from './backends.js';

/** The built binary, run with `node` as a user runs it. */
export const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

/** What one run of `session-inspect` ended with. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `session-inspect` in `cwd`, without a terminal (stdin closed). */
export function inspect(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/**
 * Runs `session-inspect` on a pseudo-terminal (through util-linux `script`), typing `answer`
 * at the prompt: what a person at a terminal sees.
 */
export function inspectOnTerminal(args: readonly string[], cwd: string, answer: string): Promise<Run> {
  const command = [process.execPath, BIN, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/\[y\/N\]/.test(stdout)) child.stdin.end(`${answer}\n`);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr: '' }));
  });
}

/** The backends the CLI works on (memory lives in one process; the cluster has its own test). */
export const CLI_BACKENDS: readonly BackendCase[] = BACKENDS.filter((backend) =>
  ['file', 'sqlite', 'redis', 'postgres'].includes(backend.name),
);

export const SECRET = 'correct horse battery staple, the CLI edition';

/** An application folder with a `vessel.config.json` naming a fresh store on one backend. */
export interface App {
  readonly dir: string;
  readonly backend: OpenBackend;
  readonly storage: Storage;
  /** Runs the CLI in the app folder (no flags needed: it finds the config). */
  run(...args: string[]): Promise<Run>;
  close(): Promise<void>;
}

/** Opens a fresh store on `backendCase` (`extra` merged into its options) and writes the config the CLI will discover. */
export async function openApp(backendCase: BackendCase, extra?: Partial<StorageInput>): Promise<App> {
  const backend = await backendCase.open(extra);
  const dir = await mkdtemp(path.join(tmpdir(), 'vessel-cli-app-'));
  const { type, url, cluster, cacheDir, prefix, schema } = backend.input as Record<string, unknown>;
  await writeFile(
    path.join(dir, 'vessel.config.json'),
    JSON.stringify({ type, url, cluster, cacheDir, prefix, schema }),
  );
  return {
    dir,
    backend,
    storage: backend.storage,
    run: (...args) => inspect(args, dir),
    async close() {
      await backend.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
