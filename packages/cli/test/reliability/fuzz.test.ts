/**
 * Suite 3 (hostile input), CLI: a seeded sample of hostile ids (path traversal, key-layout and
 * injection characters, terminal escapes, 8 KB ids, bad encodings, invalid UTF-8 bytes) given to
 * the built `session-inspect inspect`, `purge` and `expire` on file, sqlite and redis, several ids
 * per invocation. Every run ends in a one-line usage or failure error (exit 2 or 1), never a
 * crash; no stored session changes; nothing is written outside cacheDir or the session namespace.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StorageEntry } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenBackend } from '../../../../test-support/backends.js';
import { keysOutside, newPathsOutside, treeOf, unhashedPaths } from '../../../../test-support/containment.js';
import { fuzzRng, hostileId, type Rng, Tally } from '../../../../test-support/fuzz.js';
import { type App, BIN, CLI_BACKENDS, inspect, openApp, type Population, populate, type Run } from '../support.js';

const BACKENDS = CLI_BACKENDS.filter((backend) => ['file', 'sqlite', 'redis'].includes(backend.name));
/** Invocations per command and backend, and ids per `purge` / `expire` invocation. */
const INVOCATIONS = 4;
const IDS_PER_RUN = 20;

const { seed, rng: root } = fuzzRng('session-inspect ids');
const totals = new Tally();

/** Hostile ids the shell can pass (no NUL) that name no stored session, not even as a prefix. */
function hostileIds(rng: Rng, count: number, realIds: readonly string[], marker: string): string[] {
  const ids: string[] = [];
  while (ids.length < count) {
    const real = rng.pick(realIds);
    const id = rng.chance(0.2)
      ? rng.pick([`${real}/../${marker}`, `${real}\u001b[2J`, `${real}\n${real}`, `${real}%00`, `${real} `, `${real}*`])
      : hostileId(rng, marker).id;
    const namesReal = realIds.some((stored) => stored === id || (id.length >= 4 && stored.startsWith(id)));
    if (!id.includes('\0') && !namesReal) ids.push(id);
  }
  return ids;
}

/** Runs the CLI through `sh` with raw bytes (invalid UTF-8) as ids: what a shell passes from a byte string. */
function inspectWithBytes(args: readonly string[], byteIds: readonly Buffer[], cwd: string): Promise<Run> {
  // printf's octal escapes put arbitrary bytes into argv.
  const octal = (bytes: Buffer) => [...bytes].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join('');
  const quoted = [process.execPath, BIN, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const script = `exec ${quoted} ${byteIds.map((bytes) => `"$(printf '${octal(bytes)}')"`).join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** What is wrong with how a run that named no stored session ended, if anything. */
function problemOf(run: Run): string | undefined {
  if (run.code !== 1 && run.code !== 2) return `exit ${run.code}`;
  if (run.stdout !== '') return `wrote to stdout: ${run.stdout.slice(0, 200)}`;
  if (!/^session-inspect: [^\n]*\n$/.test(run.stderr)) return `not one error line: ${run.stderr.slice(0, 300)}`;
  if (/unexpected/.test(run.stderr)) return `an unexpected error: ${run.stderr.slice(0, 300)}`;
  // Ids are quoted and escaped in messages: no control (C0, DEL, C1) or bidi character reaches the terminal.
  if (/[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(run.stderr.slice(0, -1)))
    return `a raw control character on stderr: ${JSON.stringify(run.stderr.slice(0, 200))}`;
  return undefined;
}

type StoredSession = Pick<StorageEntry, 'key' | 'expiresAt' | 'value'>;

/** Every stored session as scanned: key, value and expiry (ms). The CLI must leave all of them as they were. */
async function sessionsOf(open: OpenBackend): Promise<StoredSession[]> {
  const entries: StoredSession[] = [];
  for await (const { key, expiresAt, value } of open.storage.namespace('session').scan({ includeExpired: true })) {
    entries.push({ key, expiresAt, value });
  }
  return entries.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * How far apart two scans may read one unchanged expiry, ms: Redis reports a TTL, which the scan
 * adds to its own clock reading. (Rounding both to the second failed whenever an expiry sat within
 * a millisecond of a half second.)
 */
const EXPIRY_READBACK_MS = 50;

/** `now` holds the same sessions as `before`: keys and values exactly, expiries within the read-back jitter. */
function expectUnchanged(now: StoredSession[], before: StoredSession[]): void {
  const withoutExpiry = (entries: StoredSession[]) => entries.map(({ key, value }) => ({ key, value }));
  expect(withoutExpiry(now)).toEqual(withoutExpiry(before));
  now.forEach(({ expiresAt }, index) => {
    const was = before[index]?.expiresAt ?? null;
    if (expiresAt === null || was === null) expect(expiresAt).toBe(was);
    else expect(Math.abs(expiresAt - was)).toBeLessThanOrEqual(EXPIRY_READBACK_MS);
  });
}

describe.each(BACKENDS)('session-inspect given hostile ids on $name', (backendCase) => {
  const rng = root.fork(backendCase.name);
  const marker = `vessel-fuzz-marker-${seed}`;
  let parent: string;
  let cacheDir: string;
  let app: App;
  let open: OpenBackend;
  let appDir: string;
  let people: Population;
  let realIds: string[];
  let before: string[];

  beforeAll(async () => {
    // The store sits deep in a folder of the test's own, so an escape from it lands in view.
    parent = await mkdtemp(path.join(tmpdir(), 'vessel-cli-fuzz-'));
    cacheDir = path.join(parent, 'a', 'b', 'c', 'cache');
    await mkdir(cacheDir, { recursive: true });
    app = await openApp(backendCase, backendCase.type === 'redis' ? {} : { cacheDir });
    ({ backend: open, dir: appDir } = app);
    people = await populate(open.storage);
    realIds = [...people.ada, people.bob, people.carol, ...people.twins];
    before = await treeOf(parent);
  });

  afterAll(async () => {
    await app?.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('ends every run with one quoted error line, changing no session and writing nothing outside', async () => {
    const stored = await sessionsOf(open);
    const runs: { label: string; ids: number; run: () => Promise<Run> }[] = [];
    for (let i = 0; i < INVOCATIONS; i++) {
      const [id] = hostileIds(rng, 1, realIds, marker) as [string];
      runs.push({ label: 'inspect', ids: 1, run: () => inspect(['inspect', '--json', '--', id], appDir) });
      const purged = hostileIds(rng, IDS_PER_RUN, realIds, marker);
      runs.push({
        label: 'purge',
        ids: purged.length,
        run: () => inspect(['purge', '--yes', '--', ...purged], appDir),
      });
      const expired = hostileIds(rng, IDS_PER_RUN, realIds, marker);
      runs.push({
        label: 'expire',
        ids: expired.length,
        run: () => inspect(['expire', '--now', '--', ...expired], appDir),
      });
    }
    // Invalid UTF-8 and overlong encodings, as bytes in argv.
    const byteIds = [
      Buffer.from([0xff, 0xfe, 0x2e, 0x2e, 0x2f]),
      Buffer.from([0xc0, 0xae, 0xc0, 0xae, 0xc0, 0xaf, 0x65, 0x74, 0x63]),
      Buffer.concat([Buffer.from(realIds[0] as string), Buffer.from([0x80])]),
      rng.bytes(32).map((byte) => byte || 1),
    ];
    runs.push({
      label: 'purge (bytes)',
      ids: byteIds.length,
      run: () => inspectWithBytes(['purge', '--yes', '--'], byteIds, appDir),
    });

    const problems: string[] = [];
    const counts = new Tally();
    const exits = new Tally();
    const started = Date.now();
    // A few at a time: each run is a Node process start.
    for (let at = 0; at < runs.length; at += 3) {
      await Promise.all(
        runs.slice(at, at + 3).map(async ({ label, ids, run }) => {
          const result = await run();
          counts.add(label, ids);
          exits.add(`exit ${result.code}`);
          const problem = problemOf(result);
          if (problem) problems.push(`${label}: ${problem}`);
        }),
      );
    }
    totals.add(backendCase.name, counts.total);
    console.log(
      `[fuzz] session-inspect on ${backendCase.name}: ${counts.total} ids in ${runs.length} runs, ${((Date.now() - started) / 1000).toFixed(1)} s (${counts}; ${exits})`,
    );
    expect(problems).toEqual([]);
    expectUnchanged(await sessionsOf(open), stored);

    expect(newPathsOutside(before, await treeOf(parent), [path.relative(parent, cacheDir)])).toEqual([]);
    // The CLI runs in the app folder: nothing named after the marker next to it or above.
    for (const dir of [appDir, path.dirname(appDir), '/']) {
      expect((await readdir(dir)).filter((name) => name.includes(marker))).toEqual([]);
    }
    if (backendCase.type === 'file') expect(unhashedPaths(await treeOf(cacheDir))).toEqual([]);
    if (open.rawKeys) {
      const keys = await open.rawKeys();
      expect(keys.length).toBeGreaterThanOrEqual(realIds.length);
      expect(keysOutside(keys, open.storage.prefix, ['session'], /^[A-Za-z0-9_-]{22,128}$/)).toEqual([]);
    }
  });

  it('refuses a batch with one real id among hostile ones as a whole, then deletes the real one alone', async () => {
    const real = people.bob;
    const mixed = [...hostileIds(rng, 4, realIds, marker), real];
    const refused = await inspect(['purge', '--yes', '--', ...mixed], appDir);
    expect(problemOf(refused)).toBeUndefined();
    expect(refused.stderr).toMatch(/no session matches|is too short/);
    expect(refused.stderr).not.toContain(JSON.stringify(real));
    expect(await open.storage.namespace('session').has(real)).toBe(true);
    const alone = await inspect(['purge', '--yes', '--', real], appDir);
    expect(alone.code).toBe(0);
    expect(await open.storage.namespace('session').has(real)).toBe(false);
  });
});

afterAll(() => {
  console.log(`[fuzz] session-inspect: ${totals.total} hostile ids in all (${totals}), seed ${seed}`);
});
