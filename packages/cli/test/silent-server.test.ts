import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SilentServer, startSilentServer } from '../../../test-support/silent-server.js';
import { inspect } from './support.js';

describe('session-inspect against a server that accepts connections and never answers', () => {
  let server: SilentServer;
  let port: number;
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'vessel-cli-silent-'));
    server = await startSilentServer();
    port = server.port;
  });

  afterAll(async () => {
    await server?.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it('exits 1 with the timeout instead of hanging on close', async () => {
    const started = Date.now();
    const run = await Promise.race([
      inspect(['--url', `redis://127.0.0.1:${port}`, 'info'], cwd),
      new Promise<'hung'>((resolve) => setTimeout(resolve, 20_000, 'hung')),
    ]);
    expect(run).not.toBe('hung');
    if (run === 'hung') return;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach redis://127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
