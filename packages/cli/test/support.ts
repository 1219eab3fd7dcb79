import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionManager, type Storage, type StorageInput } from '@vessel/core';
import { BACKENDS, type BackendCase, type OpenBackend } from '../../../test-support/backends.js';

/** The built binary, run with `node` as a user runs it. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

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

const DAY = 86_400_000;

/** Sessions written through the public `SessionManager`, as an application writes them. */
export interface Population {
  /** ada: two sessions; bob: rich types; carol: created 10 days ago, idle since. */
  readonly ada: readonly string[];
  readonly bob: string;
  readonly carol: string;
  /** Two sessions whose ids share the prefix `twin`. */
  readonly twins: readonly string[];
}

/** Writes the test population into `storage`: 6 sessions, one of them 10 days old. */
export async function populate(storage: Storage): Promise<Population> {
  const manager = new SessionManager({ secret: SECRET, timeout: 3600 }, storage);
  const save = async (fill: (set: (key: string, value: unknown) => void) => void, sessions = manager) => {
    const session = await sessions.load({});
    fill((key, value) => session.set(key, value));
    await session.save();
    await sessions.commit(session);
    return session.id;
  };
  const ada = [
    await save((set) => {
      set('user', 'ada');
      set('role', 'admin');
    }),
    await save((set) => set('user', 'ada')),
  ];
  const bob = await save((set) => {
    set('user', 'bob');
    set('login', new Date('2026-01-02T03:04:05.000Z'));
    set('prefs', new Map([['theme', 'dark']]));
    set('roles', new Set(['dev']));
    set('credits', 12345678901234567890n);
    set('cart', { items: [{ sku: 'A1', qty: 2 }] });
  });
  // Ten days old with a 30-day timeout: still live, idle for ten days.
  const past = Date.now() - 10 * DAY;
  const old = new SessionManager({ secret: SECRET, timeout: 30 * 86_400, now: () => past }, storage);
  const carol = await save((set) => set('user', 'carol'), old);
  let twin = 0;
  const twinIds = new SessionManager(
    { secret: SECRET, timeout: 3600, generateId: () => `twin${String(++twin).repeat(24)}` },
    storage,
  );
  const twins = [await save((set) => set('user', 'dan'), twinIds), await save((set) => set('user', 'eve'), twinIds)];
  return { ada, bob, carol, twins };
}

/** Entries the purge must never touch: a cache namespace and a key Vessel did not write. */
export async function writeBystanders(app: App): Promise<void> {
  await app.storage.namespace('cache:users').set('ada', { name: 'Ada' });
  // Foreign keys, one of them right next to the session namespace's range.
  await app.backend.writeRaw?.(`${app.storage.prefix}-foreign:key`, 'not vessel');
  await app.backend.writeRaw?.(`${app.storage.prefix}:session:near`, 'not vessel either');
}

/** Writes a record in the session namespace that cannot be decoded. */
export async function writeCorrupt(app: App, id: string): Promise<void> {
  if (!app.backend.writeRaw) throw new Error(`${app.backend.storage.type} cannot write raw records`);
  await app.backend.writeRaw(`${app.storage.prefix}:session::${id}`, '{"expires":null,"value":{"$":"Nope"}, garbage');
}
