// The first-run demo: stores a session record and a cached value through Vessel's storage
// layer on the embedded default (SQLite under ./data), reads them back and says where they live.
// A vessel.ini or vessel.config.json in this folder, or VESSEL_URL, points it elsewhere.
import { createStorage, loadConfig } from '@vessel/core';

const config = await loadConfig();
const storage = createStorage({
  ...config,
  cacheDir: config.cacheDir ?? './data',
  url: process.env.VESSEL_URL ?? config.url,
});

try {
  const sessions = storage.namespace('session');
  const users = storage.namespace('cache:users');

  const sessionId = 'demo-session';
  await sessions.set(
    sessionId,
    { user: 'ada', roles: new Set(['admin']), loggedInAt: new Date(), cart: new Map([['sku-1', 2]]) },
    { ttlMs: 30 * 60_000 },
  );
  await users.set('ada', { name: 'Ada Lovelace', visits: 42n }, { ttlMs: 60_000 });

  const session = await sessions.get(sessionId);
  const cached = await users.get('ada');
  let entry;
  for await (const found of sessions.scan({ keysOnly: true })) if (found.key === sessionId) entry = found;

  console.log(`storage   ${storage.location}${config.configFile ? ` (from ${config.configFile})` : ''}`);
  console.log(`session   ${storage.prefix}:session::${sessionId} ->`, session);
  console.log(
    `          expires ${entry?.expiresAt ? new Date(entry.expiresAt).toISOString() : 'never'}, ${entry?.size} bytes`,
  );
  console.log(`cache     ${storage.prefix}:cache:users::ada ->`, cached);
  console.log(`counts    ${await sessions.count()} session(s), ${await users.count()} cached user(s)`);
} finally {
  await storage.close();
}
