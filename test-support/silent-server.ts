import { once } from 'node:events';
import net from 'node:net';

/** A loopback TCP server that accepts connections, reads and drops what it is sent, and never answers. */
export interface SilentServer {
  readonly port: number;
  /** The connections it accepted (a test can wait for the client to drop them). */
  readonly sockets: ReadonlySet<net.Socket>;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a {@link SilentServer} on a free loopback port: a store that hangs without refusing. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.resume();
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
