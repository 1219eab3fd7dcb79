import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp, SECRET } from './support.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Runs `script` (ESM) in a Node child with V8's natives syntax, from the package's folder; its stdout as JSON. */
function withNatives(script: string): unknown {
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

/** An Express (or plain http) server answering one request with how V8 holds its req and res. */
const PROBE = (withExpress: boolean) => `
  import http from 'node:http';
  import express from 'express';
  import session from '@vessel/express';
  const report = (req, res) => res.end(JSON.stringify({ req: %HasFastProperties(req), res: %HasFastProperties(res) }));
  const middleware = session({ secret: 's'.repeat(32), type: 'memory', resave: false, saveUninitialized: false });
  let server;
  if (${withExpress}) {
    const app = express();
    app.use(middleware);
    app.get('/', report);
    server = app.listen(0);
  } else {
    server = http.createServer((req, res) => middleware(req, res, () => report(req, res))).listen(0);
  }
  server.once('listening', () => {
    http.get({ port: server.address().port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk)).on('end', () => {
        process.stdout.write(body);
        server.close();
        middleware.close();
      });
    });
  });
`;

describe('the properties the middleware adds to requests and responses', () => {
  it('puts an Express request and response into dictionary mode before adding its own', () => {
    expect(withNatives(PROBE(true))).toEqual({ req: false, res: false });
  });

  it('leaves a request whose prototype Express did not change with fast properties', () => {
    expect(withNatives(PROBE(false))).toEqual({ req: true, res: true });
  });

  it('leaves nothing of its own on them but the documented properties and the hooks', async () => {
    let seen: { req: PropertyKey[]; res: PropertyKey[] } | undefined;
    const server = createApp(
      { secret: SECRET, type: 'memory', resave: false, saveUninitialized: false },
      (req, res) => {
        seen = { req: Reflect.ownKeys(req), res: Reflect.ownKeys(res) };
        res.end('ok');
      },
    );
    await request(server).get('/').expect(200, 'ok');
    const symbolsNamed = (keys: PropertyKey[]) =>
      keys.filter((key) => typeof key === 'symbol' && key.description?.startsWith('vessel'));
    expect(symbolsNamed(seen?.req ?? [])).toEqual([]);
    expect(symbolsNamed(seen?.res ?? [])).toEqual([]);
    expect(seen?.req).toEqual(expect.arrayContaining(['session', 'sessionID', 'sessionStore', 'loadSession']));
    expect(seen?.res).toEqual(expect.arrayContaining(['writeHead', 'end']));
  });
});
