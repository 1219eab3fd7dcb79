// `npm run demo`: the demo site on http://localhost:3000/ (PORT to change it) until Ctrl-C.
// `npm run demo -- --once`: one scripted visit through the site, what was stored, then exit.
import { runOnce } from './once.mjs';
import { startDemo } from './server.mjs';

const USAGE = 'usage: npm run demo [-- --once]   (PORT=3001 npm run demo for another port)';

async function serve() {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`PORT must be a port number (0-65535), got "${process.env.PORT}"`);
    return 2;
  }
  let demo;
  try {
    demo = await startDemo({ port });
  } catch (error) {
    if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
    const reason =
      error.code === 'EADDRINUSE' ? 'is already in use (is the demo running elsewhere?)' : 'is not allowed';
    console.error(`Port ${port} ${reason}. Pick another: PORT=${port + 1} npm run demo`);
    return 1;
  }
  console.log(`Vessel demo on ${demo.url}  (log in as ada / lovelace; Ctrl-C stops it)`);
  console.log(`storage: ${demo.vessel.storage.location}${demo.configFile ? ` (from ${demo.configFile})` : ''}`);
  console.log('sessions: npx session-inspect list   (in this folder)');
  const stop = async (signal) => {
    console.log(`\n${signal}: closing the server and the storage`);
    await demo.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

const args = process.argv.slice(2);
if (args.some((arg) => arg !== '--once')) {
  console.error(USAGE);
  process.exitCode = 2;
} else if (args.includes('--once')) {
  await runOnce();
} else {
  const code = await serve();
  if (code !== undefined) process.exitCode = code;
}
