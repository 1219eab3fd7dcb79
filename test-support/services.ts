import { createConnection } from 'node:net';

/** The servers every full run needs; the same defaults and variables as the suites' own. */
export const REQUIRED_SERVICES = [
  { name: 'Redis', url: process.env.VESSEL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', defaultPort: 6379 },
  {
    name: 'PostgreSQL',
    url: process.env.VESSEL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    defaultPort: 5432,
  },
] as const;

/** Resolves when a TCP connection to `url`'s host and port opens within `timeoutMs`; rejects naming why. */
export function checkReachable(url: string, defaultPort: number, timeoutMs = 3_000): Promise<void> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port: Number(port || defaultPort) });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(reason));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

/**
 * Fails the run before any suite starts when a required server is unreachable, in seconds and
 * with the fix in the message, instead of every suite waiting out its hook timeout.
 */
export async function requireServices(): Promise<void> {
  const problems = await Promise.all(
    REQUIRED_SERVICES.map(({ name, url, defaultPort }) =>
      checkReachable(url, defaultPort).then(
        () => undefined,
        (error: Error) => `${name} at ${new URL(url).host} is unreachable (${error.message})`,
      ),
    ),
  );
  const missing = problems.filter((problem) => problem !== undefined);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join('; ')}. The tests talk to real servers: start them (bash .ci/run does) ` +
        'or point VESSEL_TEST_REDIS_URL / VESSEL_TEST_POSTGRES_URL at running ones.',
    );
  }
}
