/**
 * Sessions sealed at rest (`session.encrypt_key`): session-inspect opens them with the key from
 * the app's config, marks them ENCRYPTED without it, and moves their expiry without the key.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, loadConfig, type Vessel } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './in-process.js';

const SECRET = 'correct-horse-battery-staple-the-CLI-edition';
const KEY = 'the-encryption-key-of-the-CLI-tests-32-bytes';

let dir: string;
let withKey: string;
let withoutKey: string;
let vessel: Vessel;
let id: string;

/** `session-inspect --config <config> …args`, in process. */
function cli(config: string, args: readonly string[]) {
  return runMain(['--config', config, ...args]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vessel-cli-sealed-'));
  withKey = path.join(dir, 'app.ini');
  withoutKey = path.join(dir, 'no-key.ini');
  await writeFile(withKey, `cache_dir = ./data\nsession.secret = ${SECRET}\nsession.encrypt_key = ${KEY}\n`);
  await writeFile(withoutKey, `cache_dir = ./data\nsession.secret = ${SECRET}\n`);
  vessel = createVessel(await loadConfig(withKey));
  const session = vessel.sessions.create();
  session.set('user', 'ada');
  await session.save();
  id = session.id;
});

afterAll(async () => {
  await vessel.close();
  await rm(dir, { recursive: true, force: true });
});

describe('session-inspect on sessions sealed at rest', () => {
  it('opens them with the key of the config it reads', async () => {
    const listed = await cli(withKey, ['list', '--json', '--show', 'user']);
    expect(JSON.parse(listed.stdout).sessions).toMatchObject([{ id, data: { user: 'ada' } }]);
    const inspected = await cli(withKey, ['inspect', id]);
    expect(inspected.stdout).toContain('ada');
  });

  it('marks them ENCRYPTED without the key, times still shown, filters selecting none', async () => {
    const listed = await cli(withoutKey, ['list', '--json']);
    expect(JSON.parse(listed.stdout).sessions).toEqual([
      expect.objectContaining({ id, encrypted: true, created: expect.any(String), expires: expect.any(String) }),
    ]);
    const table = await cli(withoutKey, ['list']);
    expect(table.stdout).toContain('ENCRYPTED');
    const inspected = await cli(withoutKey, ['inspect', id]);
    expect(inspected.stdout).toMatch(/ENCRYPTED[ │]+the data is sealed with session\.encrypt_key/);
    expect(inspected.stdout).not.toContain('ada');
    const filtered = await cli(withoutKey, ['list', '--json', '--filter', 'user=ada']);
    expect(JSON.parse(filtered.stdout).sessions).toEqual([]);
  });

  it('moves their expiry without the key, and the app still opens them', async () => {
    const expired = await cli(withoutKey, ['expire', id, '--in', '2h']);
    expect(expired.code).toBe(0);
    const session = await vessel.sessions.get(id);
    expect(session?.get('user')).toBe('ada');
    expect(session?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 3600_000);
  });
});
