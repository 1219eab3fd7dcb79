import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on a loopback port, reached over real sockets. */
export interface Listening {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Drops open connections (keep-alive ones too) and waits for the server to close. */
  close(): Promise<void>;
}

/** `server` (already asked to listen on 127.0.0.1) once it listens: its URL and a close that does not wait for idle sockets. */
export async function listening(server: Server): Promise<Listening> {
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
