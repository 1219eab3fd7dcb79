import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import type { PrivateServer } from './private-redis.js';

/** Debian's versioned binaries (`/usr/lib/postgresql/<major>/bin`), newest first; else whatever is on PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  try {
    const majors = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return path.join(root, majors[0], 'bin');
  } catch {
    // not Debian's layout
  }
  return '';
}

/**
 * Who the server runs as. PostgreSQL refuses to run as root (CI runs as root), so as root it
 * runs as the `postgres` account the Debian package made, set by spawn's own uid/gid (no
 * wrapper process, so the child's pid is the postmaster's and a SIGKILL reaches it).
 */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Pids whose parent is `pid` (the postmaster's backends and helpers). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

/** Still running: exists and is not a zombie (which has released its memory and sockets already). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts a private PostgreSQL cluster: `initdb` (trust auth, user `postgres`) in a temp folder,
 * then `postgres` on a free loopback port with its socket in that folder, fsync on (the
 * default), so what it acknowledged survives a kill. Never touches another cluster.
 */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = binDir();
  const account = serverAccount();
  const dir = await mkdtemp(path.join(tmpdir(), 'vessel-postgres-'));
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  if (account) {
    await chown(dir, account.uid, account.gid);
    await chown(dataDir, account.uid, account.gid);
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  execFileSync(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-instructions'],
    { ...account, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let server: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    args.push('-c', 'max_connections=40', '-c', 'shared_buffers=16MB', '-c', 'logging_collector=off');
    const child = spawn(path.join(bin, 'postgres'), args, {
      ...account,
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server = child;
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`postgres did not start: ${output}`);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      const ready = await client.connect().then(
        () => true,
        () => false,
      );
      await client.end().catch(() => {});
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = server;
    if (!child?.pid || child.exitCode !== null) return;
    const postmaster = child.pid;
    // The whole server dies at once, as in a machine crash: the postmaster and every process it forked.
    const processes = signal === 'SIGKILL' ? [postmaster, ...childrenOf(postmaster)] : [postmaster];
    const exited = once(child, 'exit');
    for (const pid of processes) process.kill(pid, signal);
    await exited;
    const deadline = Date.now() + 10_000;
    while (processes.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    server = undefined;
  };

  await start();
  return {
    port,
    url,
    start,
    stop,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
