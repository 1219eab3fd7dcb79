/**
 * The deep-record crash as production saw it: an app in a process of its own (no handler for
 * unhandled rejections, as Node runs by default) gets a request whose cookie names a session
 * record nested 5000 levels deep. The process once exited there, and again after each restart
 * when the browser sent the same cookie; now it answers with a fresh session, request after
 * request, and stays up.
 */
import path from 'node:path';
import { signSessionId } from '@vessel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type OpenBackend } from '../../../../test-support/backends.js';
import { type ChildServer, sendTimed, startChild } from './child-load.js';

const APP = path.join(path.dirname(new URL(import.meta.url).pathname), 'deep-record-app.mjs');
const SECRET = 'deep record process suite secret';
const DEPTH = 5000;

describe.each(BACKENDS.filter((backend) => ['sqlite', 'redis'].includes(backend.name)))(
  'an app process given a record nested 5000 deep on $name',
  (backendCase) => {
    let open: OpenBackend;
    let app: ChildServer;

    beforeAll(async () => {
      open = await backendCase.open();
      app = await startChild([APP], {
        env: { VESSEL_STORAGE: JSON.stringify(open.input), VESSEL_SECRET: SECRET },
        listening: /^listening (\d+)$/m,
      });
    });

    afterAll(async () => {
      if (app?.alive()) await app.stop();
      await open?.cleanup();
    });

    it('answers the cookie with a fresh session, again when the browser resends it, and stays up', async () => {
      const login = await sendTimed(app.base, 'POST', '/login');
      expect(login.status, login.body).toBe(200);
      const { id } = JSON.parse(login.body) as { id: string };
      const sessions = open.storage.namespace('session');
      const stored = (await sessions.getVersioned(id))?.version as string;
      const deep = `${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}`;
      await open.writeRaw?.(
        `${open.storage.prefix}:session::${id}`,
        stored.replace('"user":"ada"', `"user":"ada","deep":${deep}`),
      );

      const cookie = `connect.sid=${encodeURIComponent(signSessionId(id, SECRET))}`;
      for (let attempt = 0; attempt < 2; attempt++) {
        const reply = await sendTimed(app.base, 'GET', '/', { cookie, timeoutMs: 20_000 });
        expect(reply.status, `${reply.error ?? reply.body}; alive: ${app.alive()}; ${app.stderr()}`).toBe(200);
        const page = JSON.parse(reply.body) as { id: string; user: string | null; reject: { reason: string } | null };
        expect(page).toMatchObject({ user: null, reject: { reason: 'corrupt', id } });
        expect(page.id).not.toBe(id);
      }
      expect(app.alive()).toBe(true);
      expect(app.stderr()).toBe('');
      expect(await app.stop()).toEqual({ code: 0, signal: null });
    });
  },
);
