import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, runId } from '../../../test-support/backends.js';
import { freePort } from '../../../test-support/ports.js';
import { inspect } from './support.js';

/** `POSTGRES_URL` with the password moved into the query, as libpq and node-postgres accept it. */
function withQueryPassword(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('password', 'hunter2');
  return parsed.toString();
}

describe('session-inspect never prints a password given in the URL query', () => {
  let cwd: string;
  const schema = runId();

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'vessel-cli-mask-'));
  });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    await rm(cwd, { recursive: true, force: true });
  });

  it('info on a reachable PostgreSQL shows the location with the password masked', async () => {
    const run = await inspect(['--url', withQueryPassword(POSTGRES_URL), '--schema', schema, 'info', '--json'], cwd);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('hunter2');
    expect(JSON.parse(run.stdout).location).toContain('password=***');
  });

  it('the error for an unreachable PostgreSQL names the URL with the password masked', async () => {
    const port = await freePort();
    const run = await inspect(['--url', `postgres://vessel@127.0.0.1:${port}/test?password=hunter2`, 'info'], cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach postgres://vessel@127.0.0.1:${port}/test?password=***: ECONNREFUSED`);
    expect(run.stdout + run.stderr).not.toContain('hunter2');
  });
});
