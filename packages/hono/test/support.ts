import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { listening } from '../../../test-support/listening.js';
/** Serving a Fetch handler (a Hono app's `fetch`, or `withSession` directly) on a real loopback socket. */

/** A server listening on a free port of 127.0.0.1. */
export interface Served {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `@hono/node-server` with `fetch` on 127.0.0.1, port 0. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<Served> {
  return listening(serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server);
}
