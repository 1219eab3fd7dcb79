// Starting and stopping the demo site: Vessel from the folder's configuration (or the storage
// options given), the app, an HTTP server. `main.mjs` is the command line around it; tests call
// `startDemo` directly.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createVessel, developmentSecret, loadConfig } from '@vessel/core';
import { createApp, REPORT_REGION } from './app.mjs';

/** Seconds the report page stays cached. */
const REPORT_SECONDS = 30;

/**
 * The demo's configuration: `options.cacheDir` / `options.url` when given (tests pass a temporary
 * folder); otherwise a vessel.ini or vessel.config.json in the working folder, as the app and
 * `session-inspect` both find it, with VESSEL_URL over its storage; else SQLite under ./data.
 * The demo adds only what a demo needs: a development secret and a 30-minute timeout when the
 * configuration sets none, and the report's cache region.
 */
async function demoConfig(options) {
  const given = options.cacheDir !== undefined || options.url !== undefined;
  const config = given
    ? { cacheDir: options.cacheDir, url: options.url, type: options.type, session: {}, cache: {} }
    : await loadConfig();
  const url = given ? config.url : (process.env.VESSEL_URL ?? config.url);
  return {
    ...config,
    url,
    cacheDir: config.cacheDir ?? (url || config.type || config.cluster ? undefined : './data'),
    session: {
      ...config.session,
      secret: process.env.SESSION_SECRET ?? config.session.secret ?? developmentSecret(),
      timeout: config.session.timeout ?? '30m',
    },
    cache: { ...config.cache, regions: { ...config.cache.regions, [REPORT_REGION]: { expire: REPORT_SECONDS } } },
  };
}

/**
 * Starts the demo site and resolves once it listens.
 *
 * @param {object} [options]
 * @param {number} [options.port] TCP port; 0 picks a free one. Default 3000.
 * @param {string} [options.host] Interface to listen on. Default `127.0.0.1` (a demo, not a deployment).
 * @param {string} [options.cacheDir] Storage folder (SQLite), instead of the folder's configuration.
 * @param {string} [options.url] Storage URL (`redis://…`, `postgres://…`), instead of the folder's configuration.
 * @returns {Promise<{ url: string, port: number, vessel: import('@vessel/core').Vessel, configFile: string | undefined, close(): Promise<void> }>}
 *   `close()` stops the server and closes the storage. A port in use rejects with the listen
 *   error (`code: 'EADDRINUSE'`), the storage already closed.
 */
export async function startDemo(options = {}) {
  const { port = 3000, host = '127.0.0.1' } = options;
  const vessel = createVessel(await demoConfig(options));
  const { configFile } = vessel;
  const server = createServer(createApp(vessel));
  try {
    server.listen(port, host);
    await once(server, 'listening');
  } catch (error) {
    await vessel.close();
    throw error;
  }
  const address = server.address();
  const shownHost = host === '127.0.0.1' || host === '::1' ? 'localhost' : host;
  let closing;
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    vessel,
    configFile,
    close() {
      closing ??= (async () => {
        const closed = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await closed;
        await vessel.close();
      })();
      return closing;
    },
  };
}
