/**
 * The seed guide's promise, end to end: the Pylons/Beaker guide's configuration section pasted
 * into an ini, then `createVessel(await loadConfig(file))` and `session({ vessel })` as the
 * whole wiring. Express sessions, caches and `session-inspect` must all use the one store it
 * names — SQLite under `%(here)s/data`, and PostgreSQL in a schema of its own.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '@vessel/cli';
import { createVessel, loadConfig, type Vessel } from '@vessel/core';
import { session } from '@vessel/express';
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const POSTGRES_URL = process.env.VESSEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The guide's `somesecret` is too short for Vessel (32 bytes at least): the one line changed. */
const SECRET = 'a-secret-long-enough-for-vessel-32+bytes';

/** The guide's configuration section, as printed, in a Paste Deploy file. */
const GUIDE_INI = [
  '[server:main]',
  'use = egg:Paste#http',
  'host = 127.0.0.1',
  'port = 5000',
  '',
  '[app:main]',
  'use = egg:my_project',
  'full_stack = true',
  'cache_dir = %(here)s/data',
  'beaker.session.key = foo',
  `beaker.session.secret = ${SECRET}`,
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vessel-seed-guide-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The app a reader of the guide writes: a counter in the session, a page in a cache. */
function appOf(vessel: Vessel): express.Express {
  const app = express();
  app.use(session({ vessel, resave: false, saveUninitialized: false }));
  const pages = vessel.cache.getCache('pages', { expire: 60 });
  app.get('/count', (req, res) => {
    const data = req.session as unknown as { n?: number };
    data.n = (data.n ?? 0) + 1;
    res.json({ n: data.n });
  });
  app.get('/page', async (_req, res) => {
    res.send(await pages.get('home', { createfunc: async () => '<h1>home</h1>' }));
  });
  return app;
}

/** `session-inspect list --json --show n` with the app's own config file, in process. */
async function listed(configFile: string): Promise<{ id: string; data: { n?: number } }[]> {
  let stdout = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      stdout += chunk.toString();
      done();
    },
  });
  const input = new PassThrough();
  input.end();
  const code = await main(['--config', configFile, 'list', '--json', '--show', 'n'], {
    out,
    err: new PassThrough(),
    input,
    interactive: false,
  });
  expect(code).toBe(0);
  return JSON.parse(stdout).sessions;
}

async function exercise(configFile: string): Promise<{ vessel: Vessel; sessionId: string }> {
  const vessel = createVessel(await loadConfig(configFile));
  const agent = request.agent(appOf(vessel));
  const first = await agent.get('/count').expect(200, { n: 1 });
  expect(first.headers['set-cookie']?.[0]).toMatch(/^foo=s%3A/);
  await agent.get('/count').expect(200, { n: 2 });
  await agent.get('/page').expect(200, '<h1>home</h1>');
  const sessions = await listed(configFile);
  expect(sessions).toHaveLength(1);
  expect(sessions[0]?.data).toMatchObject({ n: 2 });
  return { vessel, sessionId: sessions[0]?.id as string };
}

describe("the seed guide's configuration, pasted into an ini", () => {
  it('runs on SQLite under %(here)s/data: sessions, caches and session-inspect in one file', async () => {
    const folder = path.join(dir, 'sqlite');
    const file = path.join(dir, 'development.ini');
    await writeFile(file, GUIDE_INI.join('\n').replace('%(here)s/data', '%(here)s/sqlite'));
    const { vessel } = await exercise(file);
    try {
      expect(vessel.storage).toBe(vessel.sessionStorage);
      expect(existsSync(path.join(folder, 'vessel.sqlite'))).toBe(true);
      expect(existsSync(path.join(dir, '%(here)s'))).toBe(false);
      expect(await vessel.storage.namespace('cache:pages').has('home')).toBe(true);
    } finally {
      await vessel.close();
    }
  });

  it('runs on PostgreSQL in its own schema, sessions on their own URL included', async () => {
    const schema = `vt_${randomBytes(4).toString('hex')}`;
    const file = path.join(dir, 'production.ini');
    const sqlalchemyUrl = POSTGRES_URL.replace(/^postgres:/, 'postgresql+psycopg2:');
    await writeFile(
      file,
      [
        ...GUIDE_INI,
        'beaker.cache.type = ext:database',
        `beaker.cache.url = ${sqlalchemyUrl}`,
        `vessel.schema = ${schema}`,
        'beaker.session.type = ext:database',
        `beaker.session.url = ${sqlalchemyUrl}`,
      ].join('\n'),
    );
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    let vessel: Vessel | undefined;
    try {
      const exercised = await exercise(file);
      vessel = exercised.vessel;
      const { rows } = await client.query<{ key: string }>(`SELECT key FROM ${schema}.vessel ORDER BY key`);
      const keys = rows.map((row) => row.key);
      expect(keys).toContain(`vessel:session::${exercised.sessionId}`);
      expect(keys.some((key) => key.startsWith('vessel:cache:pages::'))).toBe(true);
    } finally {
      await vessel?.close();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
