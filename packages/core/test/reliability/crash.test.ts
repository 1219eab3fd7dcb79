/**
 * Suite 4 (crashes), file backend: a child process writes sessions in a tight loop through the
 * public API and is killed with SIGKILL at seeded random moments, many times over one cacheDir.
 * Afterwards every entry file parses as a Vessel session record under its own hashed path, the
 * storage lists no corrupt entry, and what the crashes left (temp files, lock files) is what a
 * sweep removes once it is stale: none of it stays after a sweep a minute later.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createStorage, isSessionRecord, isValidSessionId } from '@vessel/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { treeOf } from '../../../../test-support/containment.js';
import { fuzzRng, Tally } from '../../../../test-support/fuzz.js';
import { deserializeRecord } from '../../src/storage/encoding/record.js';

const CHILD = fileURLToPath(new URL('./fixtures/session-writer.mjs', import.meta.url));
const BUILT_CORE = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const KILLS = 32;
/** How long after it was written the file backend's sweep takes a temp file for a crashed writer's (ms). */
const STALE_TEMP_MS = 60_000;

/** What the file backend may leave under cacheDir, by the kind of file. */
const LAYOUT: readonly [kind: string, pattern: RegExp][] = [
  ['entry', /^session\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.json$/],
  ['temp', /^session\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.json\.\d+\.[0-9a-f]{12}\.tmp$/],
  ['lock', /^lock\/[0-9a-f]{64}\.lock$/],
  ['steal guard', /^lock\/[0-9a-f]{64}\.lock\.steal$/],
  ['probe', /^\.probe\.\d+\.[0-9a-f]{12}\.tmp$/],
];

function kindOf(file: string): string {
  return LAYOUT.find(([, pattern]) => pattern.test(file))?.[0] ?? 'unknown';
}

/** The files under `dir` by kind (folders left out). */
async function filesByKind(dir: string): Promise<Map<string, string[]>> {
  const kinds = new Map<string, string[]>();
  for (const file of await treeOf(dir)) {
    if (file.endsWith('/')) continue;
    const kind = kindOf(file);
    kinds.set(kind, [...(kinds.get(kind) ?? []), file]);
  }
  return kinds;
}

/** Why the entry file `file` (relative to `cacheDir`) is not a readable session record, if it is not. */
async function problemOf(cacheDir: string, file: string): Promise<string | undefined> {
  const text = await readFile(path.join(cacheDir, file), 'utf8');
  const newline = text.indexOf('\n');
  if (newline < 0) return 'no header line';
  let key: unknown;
  try {
    key = (JSON.parse(text.slice(0, newline)) as { key?: unknown }).key;
  } catch (error) {
    return `header is not JSON: ${(error as Error).message}`;
  }
  if (typeof key !== 'string' || !key.startsWith('vessel:session::')) return `header names ${JSON.stringify(key)}`;
  if (!isValidSessionId(key.slice('vessel:session::'.length))) return `not a session id: ${key}`;
  const hash = createHash('sha256').update(key).digest('hex');
  if (file !== `session/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.json`) return `not at the hash of ${key}`;
  try {
    const { value } = deserializeRecord(text.slice(newline + 1));
    return isSessionRecord(value) ? undefined : 'not a session record';
  } catch (error) {
    return `record does not decode: ${(error as Error).message}`;
  }
}

describe('file backend killed with SIGKILL mid-write', () => {
  const { seed, rng } = fuzzRng('file backend crashes');
  let cacheDir: string;
  const kills = new Tally();
  let before: Map<string, string[]>;

  beforeAll(async () => {
    if (!existsSync(BUILT_CORE)) throw new Error(`${BUILT_CORE} is missing: run npm run build (npm test does)`);
    cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-crash-'));
    const started = Date.now();
    for (let i = 0; i < KILLS; i++) {
      const child: ChildProcess = spawn(process.execPath, [CHILD, JSON.stringify({ cacheDir, loops: 4 })], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = once(child, 'exit');
      // Mostly while the loops run; one in five while the child is still starting (connect, probe).
      if (rng.chance(0.8)) {
        const ready = new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
        await Promise.race([ready, exited]);
        await sleep(rng.between(1, 150));
        kills.add('while writing');
      } else {
        await sleep(rng.between(20, 250));
        kills.add('while starting');
      }
      if (child.exitCode !== null) throw new Error(`the writer exited by itself (${child.exitCode}): ${stderr}`);
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
    }
    before = await filesByKind(cacheDir);
    const counts = [...before].map(([kind, files]) => `${kind} ${files.length}`).join(', ');
    console.log(
      `[crash] ${KILLS} SIGKILLs (${kills}) in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}; left: ${counts}`,
    );
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('leaves only files of the backend layout, and every entry parses as a session record at its hash', async () => {
    expect(before.get('unknown') ?? []).toEqual([]);
    const entries = before.get('entry') ?? [];
    expect(entries.length).toBeGreaterThan(KILLS);
    const problems: string[] = [];
    for (const file of entries) {
      const problem = await problemOf(cacheDir, file);
      if (problem) problems.push(`${file}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('lists every session through the storage, none corrupt, and loads each', async () => {
    const storage = createStorage({ type: 'file', cacheDir });
    try {
      const corrupt: string[] = [];
      let listed = 0;
      for await (const entry of storage.namespace('session').scan({ includeExpired: true })) {
        listed++;
        if (entry.corrupt !== undefined) corrupt.push(`${entry.key}: ${entry.corrupt}`);
      }
      expect(corrupt).toEqual([]);
      expect(listed).toBe(before.get('entry')?.length);
    } finally {
      await storage.close();
    }
  });

  it('keeps fresh temp files at a sweep (a live writer may own them), and removes every stale one a minute later', async () => {
    const storage = createStorage({ type: 'file', cacheDir });
    try {
      const sessions = storage.namespace('session');
      await sessions.sweep();
      const now = await filesByKind(cacheDir);
      expect(now.get('temp')).toEqual(before.get('temp'));
      // A minute later (the fake clock moves Date only; the files keep their real times).
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + STALE_TEMP_MS + 1000 });
      await sessions.sweep();
      const after = await filesByKind(cacheDir);
      const left = ['temp', 'probe', 'steal guard', 'lock'].flatMap((kind) => after.get(kind) ?? []);
      expect(left).toEqual([]);
      expect(after.get('entry')).toEqual(before.get('entry'));
    } finally {
      await storage.close();
    }
  });
});
