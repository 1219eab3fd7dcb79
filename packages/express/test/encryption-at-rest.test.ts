/**
 * A vessel's `session.encryptKey` holds in Express too: `session({ vessel })` and a
 * `VesselStore` given the vessel store the data sealed, read it back, and session-inspect's
 * reader (core's `SessionRecordSealer`) opens it with the same key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, isSealedSessionRecord, SessionRecordSealer, type Vessel } from '@vessel/core';
import { VesselStore } from '@vessel/express';
import express from 'express';
import expressSession from 'express-session';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, sidOf } from './support.js';

const SECRET = 'the signing secret of these tests, 32+ bytes';
const KEY = 'the encryption key of these tests, 32+ bytes';

let cacheDir: string;
let vessel: Vessel;
beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-express-at-rest-'));
  vessel = createVessel({ cacheDir, session: { secret: SECRET, encryptKey: KEY } });
});
afterEach(async () => {
  await vessel.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Stores `user` in the session on the first request and echoes it on the next. */
function remember(req: express.Request, res: express.Response): void {
  const data = req.session as unknown as { user?: string };
  data.user ??= 'ada@example.com';
  res.send(data.user);
}

async function expectSealed(id: string): Promise<void> {
  const raw = await vessel.sessionStorage.namespace('session').get(id);
  expect(isSealedSessionRecord(raw)).toBe(true);
  expect(JSON.stringify(raw)).not.toContain('ada@example.com');
  expect(new SessionRecordSealer({ keys: [KEY] }).open(id, raw)?.record.data).toMatchObject({
    user: 'ada@example.com',
  });
}

describe("a vessel's encryption at rest in Express", () => {
  it('session({ vessel }) stores the data sealed and reads it back', async () => {
    const agent = request.agent(createApp({ vessel }, remember));
    const first = await agent.get('/').expect(200, 'ada@example.com');
    await agent.get('/').expect(200, 'ada@example.com');
    await expectSealed(sidOf(first, 'vessel.sid'));
  });

  it('a VesselStore given the vessel seals too, under express-session', async () => {
    const app = express();
    app.use(
      expressSession({
        secret: SECRET,
        store: new VesselStore({ vessel }),
        resave: false,
        saveUninitialized: false,
      }),
    );
    app.get('/', remember);
    const agent = request.agent(app);
    const first = await agent.get('/').expect(200, 'ada@example.com');
    await agent.get('/').expect(200, 'ada@example.com');
    await expectSealed(sidOf(first));
  });
});
