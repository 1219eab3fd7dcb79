/**
 * The backends of the sessions suite, each opened twice — once as a Vessel storage (from the
 * `core` module handed in), once as the express-session store people use on it — plus a probe
 * that sees writes from the backend's side, independently of the counters in the stacks: Redis'
 * `INFO commandstats`, SQLite's `PRAGMA data_version` (it moves when another connection commits).
 */
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { RedisStore } from 'connect-redis';
import connectSqlite3 from 'connect-sqlite3';
import session from 'express-session';
import { createClient } from 'redis';
import sqlite3 from 'sqlite3';
import { expressSessionStack, vesselStack } from './stacks.mjs';

function sqliteCall(db, method, ...args) {
  return new Promise((resolve, reject) => db[method](...args, (error, row) => (error ? reject(error) : resolve(row))));
}

/** Sees commits by any other connection to `file`: `data_version` read on a connection of its own. */
async function sqliteProbe(file) {
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  await once(db, 'open');
  const version = async () => (await sqliteCall(db, 'get', 'PRAGMA data_version')).data_version;
  return {
    snapshot: version,
    delta: (before, after) => ({ committed: after !== before }),
    close: () => sqliteCall(db, 'close'),
  };
}

/** Redis commands the whole server ran, by name (`INFO commandstats`). */
async function commandCalls(client) {
  const calls = {};
  for (const match of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls[match[1]] = Number(match[2]);
  }
  return calls;
}

/** CPU seconds the Redis server has used (`INFO cpu`, user + system, main thread and others). */
async function serverCpuSeconds(client) {
  const info = await client.info('cpu');
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * Counts commands server-wide, so commands run inside a script count too (Vessel's unlock is an
 * `EVAL` whose `GET` and `DEL` appear as such), and so do other clients' (a disturbed run).
 */
export function redisProbe(admin) {
  return {
    snapshot: async () => ({ calls: await commandCalls(admin), cpuSeconds: await serverCpuSeconds(admin) }),
    delta(before, after) {
      const commands = {};
      for (const [name, calls] of Object.entries(after.calls)) {
        const ran = calls - (before.calls[name] ?? 0);
        if (ran > 0 && name !== 'info') commands[name] = ran;
      }
      return { commands, serverCpuSeconds: after.cpuSeconds - before.cpuSeconds };
    },
    close: async () => {},
  };
}

export async function unlinkPrefix(client, prefix) {
  let unlinked = 0;
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
    cursor = String(reply.cursor);
    if (reply.keys.length > 0) unlinked += Number(await client.unlink(reply.keys));
  } while (cursor !== '0');
  return unlinked;
}

async function openMemory({ core }) {
  const store = new session.MemoryStore();
  return {
    yardstickLabel: 'express-session MemoryStore',
    vessel: vesselStack(core, core.createStorage({ type: 'memory' })),
    yardstick: expressSessionStack(store, { close: async () => {} }),
    probes: async () => ({}),
    facts: {},
    cleanup: async () => ({}),
  };
}

async function openSqlite({ core, folder }) {
  await mkdir(folder, { recursive: true });
  const vesselDir = path.join(folder, 'vessel');
  const SQLiteStore = connectSqlite3(session);
  // concurrentDb: WAL, as Vessel uses; synchronous NORMAL below matches Vessel's durability.
  const store = new SQLiteStore({ dir: folder, db: 'express-session.sqlite', concurrentDb: true });
  await once(store.client, 'connect');
  await sqliteCall(store.db, 'exec', 'PRAGMA synchronous = NORMAL');
  return {
    yardstickLabel: 'connect-sqlite3 (WAL, synchronous=NORMAL)',
    vessel: vesselStack(core, core.createStorage({ type: 'sqlite', cacheDir: vesselDir })),
    yardstick: expressSessionStack(store, { close: () => sqliteCall(store.db, 'close') }),
    // Opened after seeding: Vessel creates its file on first use.
    probes: async () => ({
      vessel: await sqliteProbe(path.join(vesselDir, 'vessel.sqlite')),
      yardstick: await sqliteProbe(path.join(folder, 'express-session.sqlite')),
    }),
    facts: { folder, sqliteLibrary: sqlite3.VERSION },
    cleanup: async () => ({}),
  };
}

async function openRedis({ core, redisUrl, prefix }) {
  const admin = createClient({ url: redisUrl, socket: { reconnectStrategy: false } });
  admin.on('error', () => {});
  await admin.connect();
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  const yardstickPrefix = `${prefix}-es:`;
  const store = new RedisStore({ client, prefix: yardstickPrefix });
  const probe = redisProbe(admin);
  return {
    yardstickLabel: 'connect-redis + redis v5 client',
    vessel: vesselStack(core, core.createStorage({ type: 'redis', url: redisUrl, prefix })),
    yardstick: expressSessionStack(store, { close: () => client.close() }),
    probes: async () => ({ vessel: probe, yardstick: probe }),
    facts: {
      redis: /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown',
      keyPrefixes: [`${prefix}:session::`, `${prefix}:__lock__:session::`, yardstickPrefix],
    },
    async cleanup() {
      try {
        return { redisKeysUnlinked: await unlinkPrefix(admin, prefix) };
      } finally {
        await admin.close();
      }
    },
  };
}

/** Every backend, in run order. */
export const BACKENDS = { memory: openMemory, sqlite: openSqlite, redis: openRedis };

/** Can Redis be reached at `url`? `null` when yes, else the reason. */
export async function redisUnreachable(url) {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (error) {
    return error.code ?? error.message;
  } finally {
    if (client.isOpen) await client.close();
  }
}
