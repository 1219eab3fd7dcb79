/** Serving a Fetch handler (a Hono app's `fetch`, or `withSession` directly) on a real loopback socket. */

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** A server listening on a free port of 127.0.0.1. */
export interface Served {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `@hono/node-server` with `fetch` on 127.0.0.1, port 0. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<Served> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  if (!server.listening) await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
