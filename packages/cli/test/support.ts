import { SessionManager, type Storage } from '@vessel/core';
import { SECRET } from '../../../test-support/cli-app.js';

export {
  type App,
  BIN,
  CLI_BACKENDS,
  inspect,
  inspectOnTerminal,
  openApp,
  type Run,
  SECRET,
} from '../../../test-support/cli-app.js';

const DAY = 86_400_000;

/** Sessions written through the public `SessionManager`, as an application writes them. */
export interface Population {
  /** ada: two sessions; bob: rich types; carol: created 10 days ago, idle since. */
  readonly ada: readonly string[];
  readonly bob: string;
  readonly carol: string;
  /** Two sessions whose ids share the prefix `twin`. */
  readonly twins: readonly string[];
}

/** Writes the test population into `storage`: 6 sessions, one of them 10 days old. */
export async function populate(storage: Storage): Promise<Population> {
  const manager = new SessionManager({ secret: SECRET, timeout: 3600 }, storage);
  const save = async (fill: (set: (key: string, value: unknown) => void) => void, sessions = manager) => {
    const session = await sessions.load({});
    fill((key, value) => session.set(key, value));
    await session.save();
    await sessions.commit(session);
    return session.id;
  };
  const ada = [
    await save((set) => {
      set('user', 'ada');
      set('role', 'admin');
    }),
    await save((set) => set('user', 'ada')),
  ];
  const bob = await save((set) => {
    set('user', 'bob');
    set('login', new Date('2026-01-02T03:04:05.000Z'));
    set('prefs', new Map([['theme', 'dark']]));
    set('roles', new Set(['dev']));
    set('credits', 12345678901234567890n);
    set('cart', { items: [{ sku: 'A1', qty: 2 }] });
  });
  // Ten days old with a 30-day timeout: still live, idle for ten days.
  const past = Date.now() - 10 * DAY;
  const old = new SessionManager({ secret: SECRET, timeout: 30 * 86_400, now: () => past }, storage);
  const carol = await save((set) => set('user', 'carol'), old);
  let twin = 0;
  const twinIds = new SessionManager(
    { secret: SECRET, timeout: 3600, generateId: () => `twin${String(++twin).repeat(24)}` },
    storage,
  );
  const twins = [await save((set) => set('user', 'dan'), twinIds), await save((set) => set('user', 'eve'), twinIds)];
  return { ada, bob, carol, twins };
}

/** Entries the purge must never touch: a cache namespace and a key Vessel did not write. */
export async function writeBystanders(app: App): Promise<void> {
  await app.storage.namespace('cache:users').set('ada', { name: 'Ada' });
  // Foreign keys, one of them right next to the session namespace's range.
  await app.backend.writeRaw?.(`${app.storage.prefix}-foreign:key`, 'not vessel');
  await app.backend.writeRaw?.(`${app.storage.prefix}:session:near`, 'not vessel either');
}

/** Writes a record in the session namespace that cannot be decoded. */
export async function writeCorrupt(app: App, id: string): Promise<void> {
  if (!app.backend.writeRaw) throw new Error(`${app.backend.storage.type} cannot write raw records`);
  await app.backend.writeRaw(`${app.storage.prefix}:session::${id}`, '{"expires":null,"value":{"$":"Nope"}, garbage');
}
