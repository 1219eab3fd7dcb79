import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStorage, type Storage, type StorageType } from '@vessel/core';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { cookieOf, createApp, SECRET, sessionOf } from './support.js';

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe.each<StorageType>(['sqlite', 'file', 'memory'])("an app's own genid on the %s backend", (type) => {
  let root: string;
  let cacheDir: string;
  let storage: Storage;
  const open = async () => {
    // The store one level down, so a key that escaped it would show up beside it in `root`.
    root = await mkdtemp(path.join(tmpdir(), 'vessel-genid-'));
    cacheDir = path.join(root, 'store', 'data');
    await mkdir(cacheDir, { recursive: true });
    storage = createStorage({ type, cacheDir });
  };
  afterEach(async () => {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  });

  /** An app whose sessions count their requests, ids from `genid`. */
  const counting = (genid: () => string) =>
    createApp({ secret: SECRET, storage, genid, resave: false, saveUninitialized: false }, (req, res) => {
      sessionOf(req).count = ((sessionOf(req).count as number | undefined) ?? 0) + 1;
      res.end(`${req.sessionID} ${String(sessionOf(req).count)}`);
    });

  it('keeps base64 ids (with "/", "+" and "=") across requests', async () => {
    await open();
    // Ids that surely hold every character base64 adds to base64url, and random base64 ones.
    const ids = ['ab/cd+ef==', '/+/+', `${'x'.repeat(20)}/=`]
      .map((tail) => `${randomBytes(12).toString('base64')}${tail}`)
      .concat(Array.from({ length: 5 }, () => randomBytes(16).toString('base64')));
    let next = 0;
    const app = counting(() => ids[next++] as string);
    for (const id of ids) {
      const first = await request(app).get('/').expect(200, `${id} 1`);
      await request(app).get('/').set('Cookie', cookieOf(first)).expect(200, `${id} 2`);
      await request(app).get('/').set('Cookie', cookieOf(first)).expect(200, `${id} 3`);
    }
  });

  it('keeps ids shaped like paths inside the store: "../../x", "a/../../b", "/etc/passwd"', async () => {
    await open();
    const ids = ['../../x', 'a/../../b', '/etc/passwd', '..', '.', '..\\..\\win'];
    let next = 0;
    const app = counting(() => ids[next++] as string);
    for (const id of ids) {
      const first = await request(app).get('/').expect(200, `${id} 1`);
      await request(app).get('/').set('Cookie', cookieOf(first)).expect(200, `${id} 2`);
    }
    const outside = (await filesUnder(root)).filter((file) => !file.startsWith(`store${path.sep}data${path.sep}`));
    expect(outside).toEqual([]);
    await expect(readdir(path.join(root, 'store'))).resolves.toEqual(['data']);
  });
});
