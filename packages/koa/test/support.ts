import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVessel, type Vessel, type VesselOptions } from '@vessel/core';
import type Koa from 'koa';
import { listening } from '../../../test-support/listening.js';
/** What the Koa tests share: a vessel on a temporary SQLite folder, and an app listening on a free loopback port. */

import { SECRET } from '../../../test-support/sessions.js';

/** A listening app. */
export interface Served {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `app` on a free loopback port. */
export async function serve(app: Koa): Promise<Served> {
  // Errors the tests cause on purpose would be logged by Koa's default handler.
  app.silent = true;
  return listening(app.listen(0, '127.0.0.1'));
}

/** A vessel over a fresh SQLite folder, signing with the suites' secret; `dispose` removes both. */
export async function tempVessel(options: VesselOptions = {}): Promise<{ vessel: Vessel; dispose(): Promise<void> }> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-koa-'));
  const vessel = createVessel({ cacheDir, ...options, session: { secret: SECRET, ...options.session } });
  return {
    vessel,
    async dispose() {
      await vessel.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** A handler of one route. */
export type Route = (ctx: Koa.ParameterizedContext) => unknown;

/** Middleware answering `"METHOD /path"` routes from `table` (404 for others). */
export function routes(table: Readonly<Record<string, Route>>): Koa.Middleware {
  return async (ctx) => {
    const route = table[`${ctx.method} ${ctx.path}`];
    if (route) await route(ctx);
  };
}

/** One request: its status, body, and every Set-Cookie value. */
export async function request(
  url: string,
  init: { method?: string; cookie?: string | undefined; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; setCookie: string[] }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  const response = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual' });
  return { status: response.status, body: await response.text(), setCookie: response.headers.getSetCookie() };
}
