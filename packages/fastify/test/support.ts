/** What the Fastify tests share: a temporary vessel, a listening app, one request over fetch. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel, type VesselOptions } from '@vessel/core';
import type { FastifyInstance } from 'fastify';
import { SECRET } from '../../../test-support/sessions.js';

export { SECRET };

/** A vessel on SQLite in a temporary folder; `dispose` closes it and removes the folder. */
export async function tempVessel(
  options: VesselOptions = { session: { secret: SECRET } },
): Promise<{ vessel: Vessel; dispose(): Promise<void> }> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-fastify-'));
  const vessel = createVessel({ cacheDir, ...options });
  return {
    vessel,
    async dispose() {
      await vessel.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Starts `app` on a free loopback port; its base URL. */
export function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** What one request got back. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly setCookie: string[];
}

/** One request to `url`, sending `cookie` (a `name=value` list) and `headers`. */
export async function send(
  url: string,
  options: { method?: string; cookie?: string | undefined; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  const response = await fetch(url, { method: options.method ?? 'GET', headers, redirect: 'manual' });
  return { status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie() };
}

/** The `name=value` pair of the Set-Cookie header for cookie `name`, if one was sent. */
export function pairOf(setCookie: readonly string[], name: string): string | undefined {
  return setCookie.find((header) => header.startsWith(`${name}=`))?.split(';')[0];
}
