import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheManager } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';

const CHILD = fileURLToPath(new URL('./fixtures/stampede-child.mjs', import.meta.url));
const BUILT_CORE = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const PROCESSES = 4;
const CALLERS = 50;

/** A child process running `stampede-child.mjs`, with its stdout split into lines. */
class Child {
  readonly process: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: (() => void)[] = [];

  constructor(options: Record<string, unknown>) {
    this.process = spawn(process.execPath, [CHILD, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buffered = '';
    this.process.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.#lines.push(...parts);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Resolves with the first line `accept` takes, once the child prints it. */
  async line(accept: (line: string) => boolean): Promise<string> {
    for (;;) {
      const found = this.#lines.find(accept);
      if (found !== undefined) return found;
      if (this.process.exitCode !== null) throw new Error(`child exited with ${this.process.exitCode}`);
      await Promise.race([new Promise<void>((wake) => this.#waiters.push(wake)), once(this.process, 'exit')]);
    }
  }
}

const CROSS_PROCESS = BACKENDS.filter((backend) => ['file', 'sqlite', 'redis', 'postgres'].includes(backend.name));

describe.each(CROSS_PROCESS)('dog-pile across processes: $name', (backend) => {
  let open: OpenBackend;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(BUILT_CORE)) throw new Error(`${BUILT_CORE} is missing: run npm run build (npm test does)`);
    open = await backend.open();
    await open.storage.ping();
    dir = await mkdtemp(path.join(tmpdir(), 'vessel-stampede-'));
  });

  afterAll(async () => {
    await open?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function creations(log: string): Promise<string[]> {
    return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  }

  it(`${PROCESSES} processes × ${CALLERS} callers on one cold key run createfunc once`, async () => {
    const log = path.join(dir, 'cold.log');
    const options = {
      storage: open.input,
      cache: 'stampede',
      key: 'cold',
      callers: CALLERS,
      createMs: 300,
      lockTtl: 30,
      log,
    };
    const children = Array.from({ length: PROCESSES }, () => new Child(options));
    await Promise.all(children.map((child) => child.line((line) => line === 'ready')));
    for (const child of children) child.process.stdin?.write('go\n');
    const outputs = await Promise.all(
      children.map(async (child) => JSON.parse(await child.line((line) => line.startsWith('{')))),
    );
    const made = await creations(log);
    expect(made).toHaveLength(1);
    const values = outputs.flatMap((output: { values: unknown[] }) => output.values);
    expect(values).toHaveLength(PROCESSES * CALLERS);
    expect(new Set(values.map((value) => JSON.stringify(value)))).toEqual(
      new Set([JSON.stringify({ createdBy: Number(made[0]) })]),
    );
  });

  it('a creator slower than lockTtl keeps its lock renewed: no second creator joins', async () => {
    const log = path.join(dir, 'slow.log');
    // 5 s of creating under a 2 s lock: renewed every ~670 ms, so it never lapses in between.
    const options = {
      storage: open.input,
      cache: 'stampede',
      key: 'slow',
      callers: 1,
      createMs: 5000,
      lockTtl: 2,
      log,
    };
    const slow = new Child(options);
    await slow.line((line) => line === 'ready');
    slow.process.stdin?.write('go\n');
    await slow.line((line) => line === 'creating');

    const manager = new CacheManager({}, open.storage);
    const cache = manager.getCache('stampede', { expire: 600, lockTtl: 2 });
    const createfunc = async () => {
      await appendFile(log, 'parent\n');
      return { createdBy: 'parent' };
    };
    // Before renewal, this took the lock once the first 2 s had passed and ran its own createfunc.
    expect(await cache.get('slow', { createfunc })).toEqual({ createdBy: slow.process.pid });
    expect(await creations(log)).toEqual([String(slow.process.pid)]);
    expect(cache.stats()).toMatchObject({ creations: 0, waits: 1 });
    await slow.line((line) => line.startsWith('{'));
  });

  it('a creator whose createfunc never settles stops renewing after createTimeout, and another process takes over', async () => {
    const log = path.join(dir, 'wedged.log');
    const options = {
      storage: open.input,
      cache: 'stampede',
      key: 'wedged',
      callers: 1,
      createMs: 0,
      lockTtl: 1,
      createTimeout: 3,
      log,
      mode: 'hang',
    };
    const wedged = new Child(options);
    await wedged.line((line) => line === 'ready');
    wedged.process.stdin?.write('go\n');
    await wedged.line((line) => line === 'creating');

    const manager = new CacheManager({}, open.storage);
    const cache = manager.getCache('stampede', { expire: 600, lockTtl: 1 });
    const createfunc = async () => {
      await appendFile(log, 'parent\n');
      return { createdBy: 'parent' };
    };
    // Renewal holds the key for the live creator, but only until its createTimeout (3 s).
    expect(await cache.get('wedged', { createfunc })).toEqual({ createdBy: 'parent' });
    expect(await creations(log)).toEqual([String(wedged.process.pid), 'parent']);
    const output = JSON.parse(await wedged.line((line) => line.startsWith('{')));
    expect(output.values).toEqual([{ error: 'CreateTimeoutError' }]);
  });

  it('a creator killed while creating holds the key only until its lock expires', async () => {
    const log = path.join(dir, 'crash.log');
    const options = {
      storage: open.input,
      cache: 'stampede',
      key: 'crash',
      callers: 1,
      createMs: 0,
      lockTtl: 1,
      log,
      mode: 'hang',
    };
    const doomed = new Child(options);
    await doomed.line((line) => line === 'ready');
    doomed.process.stdin?.write('go\n');
    await doomed.line((line) => line === 'creating');
    const exited = once(doomed.process, 'exit');
    doomed.process.kill('SIGKILL');
    await exited;

    const manager = new CacheManager({}, open.storage);
    const cache = manager.getCache('stampede', { expire: 600, lockTtl: 1 });
    const started = Date.now();
    expect(await cache.get('crash', { createfunc: () => 'taken over' })).toBe('taken over');
    // It waited for the dead creator's lock (1 s TTL, part of it already gone), then created.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(cache.stats()).toMatchObject({ creations: 1, waits: 1 });
    expect(await creations(log)).toEqual([String(doomed.process.pid)]);
  });
});
