/**
 * A request over TLS to the app's own server is HTTPS whatever `proxy` says: a `secure` cookie
 * goes out, and a plain-HTTP request to the same app gets none.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsOn, openEach, sessionOf, vesselMemory } from './support.js';

describe('an encrypted socket', () => {
  const backend = openEach(vesselMemory);
  const app = appsOn(backend);
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };

  beforeAll(async () => {
    // A throwaway self-signed certificate, made by Debian's openssl for this run only.
    dir = await mkdtemp(path.join(tmpdir(), 'vessel-tls-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1'].concat([
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    );
    tls = { key: await readFile(key), cert: await readFile(cert) };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The Set-Cookie headers of one GET to a server made by `make`, sent with `send`. */
  async function setCookiesOf(
    make: (listener: ReturnType<typeof app>) => Server,
    send: typeof httpRequest,
  ): Promise<string[]> {
    const server = make(
      app(
        (req, res) => {
          sessionOf(req).user = 'ada';
          res.end('ok');
        },
        { proxy: false, cookie: { secure: true } },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        send({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false }, resolve).on('error', reject).end();
      });
      response.resume();
      return response.headers['set-cookie'] ?? [];
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('counts as HTTPS with proxy: false, so a secure cookie is sent', async () => {
    const [cookie] = await setCookiesOf((listener) => createHttpsServer(tls, listener), httpsRequest);
    expect(cookie).toMatch(/^connect\.sid=.+; Secure/);
  });

  it('is what makes the difference: the same app over plain HTTP sends no secure cookie', async () => {
    expect(await setCookiesOf((listener) => createHttpServer(listener), httpRequest)).toEqual([]);
  });
});
