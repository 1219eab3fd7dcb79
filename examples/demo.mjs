// The first-run demo: two "requests" through Vessel's SessionManager and a cached value, all on
// the embedded default (SQLite under ./data), then where everything lives. A vessel.ini or
// vessel.config.json in this folder, or VESSEL_URL, points it at another store.
import { createVessel, loadConfig } from '@vessel/core';

const config = await loadConfig();
const vessel = createVessel({
  cacheDir: config.cacheDir ?? './data',
  url: process.env.VESSEL_URL ?? config.url,
  type: config.type,
  prefix: config.prefix,
  session: { secret: config.session.secret ?? ['demo-secret-change-me'], timeout: config.session.timeout ?? '30m' },
  cache: { regions: { short_term: { expire: 60 } } },
});

try {
  // Request 1: no cookie yet. Log in, save, get the Set-Cookie header back.
  const first = await vessel.sessions.load({ cookie: undefined });
  first.set('user', { name: 'ada', roles: new Set(['admin']), loggedInAt: new Date() });
  await first.regenerate(); // a fresh id at login
  await first.save();
  const { setCookie } = await vessel.sessions.commit(first);
  const cookie = setCookie?.split(';')[0];

  // Request 2: the browser sends the cookie back.
  const second = await vessel.sessions.load({ cookie });
  const visits = (second.get('visits') ?? 0) + 1;
  second.set('visits', visits);
  await second.save();
  await vessel.sessions.commit(second);

  // A memoized lookup next to the sessions, in namespace cache:users: the second call is a hit.
  let lookups = 0;
  const lookUpUser = async (name) => {
    lookups++;
    return { name, fullName: 'Ada Lovelace', visits: 42n, lookedUpAt: new Date() };
  };
  const findUser = vessel.cache.region('short_term', 'users')(lookUpUser);
  await findUser('ada');
  const cached = await findUser('ada');

  const { prefix } = vessel.storage;
  console.log(`storage    ${vessel.storage.location}${config.configFile ? ` (from ${config.configFile})` : ''}`);
  console.log(`Set-Cookie ${setCookie}`);
  console.log(`session    ${prefix}:session::${second.id} ->`, second.toJSON());
  console.log(
    `           created ${second.created.toISOString()}, expires ${second.expiresAt?.toISOString() ?? 'never'}`,
  );
  console.log(`cache      ${prefix}:cache:users::["ada"] ->`, cached, `(createfunc ran ${lookups}× for 2 calls)`);
  console.log(`counts     ${await vessel.storage.namespace('session').count()} session(s) stored`);
} finally {
  await vessel.close();
}
