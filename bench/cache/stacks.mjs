/**
 * The stacks the cache suite compares, each a plain object with the same small surface:
 * `get(key)` (a hit resolves with a decoded JS object; a miss resolves `undefined` or throws),
 * `set(key, value)`, optionally `getOrSet(key, creator)` (the stack's own get-or-create API, for
 * the stampede) and `getBatch(keys)` (explicit pipelines), `clear()` and `close()`.
 *
 * Every stack is opened on its own namespace (Redis: its own key prefix, on one database) and
 * with the same time-to-live, so stacks never read each other's entries.
 */
import { Buffer } from 'node:buffer';
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Cacheable, CacheableMemory, createKeyv } from 'cacheable';
import { Keyv } from 'keyv';
import { createClient } from 'redis';

/** Time-to-live of every entry, every stack: long enough never to expire during a run, s. */
export const TTL_SECONDS = 600;
const TTL_MS = TTL_SECONDS * 1000;
/** Entries an in-process tier may hold: twice the default key set, so nothing is evicted. */
export const LOCAL_MAX_ENTRIES = 20_000;
/** How long Vessel's in-process tier keeps an entry before asking Redis again, s. */
export const LOCAL_TTL_SECONDS = 5;

/**
 * Where a stack keeps its data: `memory` (this process), `redis`, or `redis+local` (Redis with an
 * in-process tier in front, each stack's own).
 */
export const BACKENDS = ['memory', 'redis', 'redis+local'];

/** ioredis (bentocache's Redis driver) takes host, port, … rather than a URL. */
function ioredisConnection(redisUrl) {
  const url = new URL(redisUrl);
  const db = Number(url.pathname.slice(1) || 0);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    db,
  };
}

async function rawClient(redisUrl) {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** SCAN + UNLINK of every key under `pattern`; resolves with how many were unlinked. */
export async function unlinkMatching(client, pattern) {
  let unlinked = 0;
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: pattern, COUNT: 1000 });
    cursor = String(reply.cursor);
    if (reply.keys.length > 0) unlinked += Number(await client.unlink(reply.keys));
  } while (cursor !== '0');
  return unlinked;
}

/** Keys under `pattern`, counted with SCAN (for the clean-up check). */
export async function countMatching(client, pattern) {
  let count = 0;
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: pattern, COUNT: 1000 });
    cursor = String(reply.cursor);
    count += reply.keys.length;
  } while (cursor !== '0');
  return count;
}

// ---------------------------------------------------------------------------------------------
// Floors: the least work that answers the same question.

/** A `Map` holding the objects themselves: no encoding, every get returns the stored object. */
function mapFloor() {
  const map = new Map();
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value);
    },
    clear: async () => map.clear(),
    close: async () => {},
  };
}

/** A `Map` of JSON text: `JSON.stringify` on set, `JSON.parse` on every get (a fresh object). */
function mapJsonFloor() {
  const map = new Map();
  return {
    get: async (key) => {
      const text = map.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    set: async (key, value) => {
      map.set(key, JSON.stringify(value));
    },
    clear: async () => map.clear(),
    close: async () => {},
  };
}

/**
 * `@redis/client` alone: `GET` + `JSON.parse`, `SET … PX` of `JSON.stringify`. Issued 64 at a
 * time, node-redis writes the commands of one tick together (auto-pipelining); `getBatch` is the
 * explicit pipeline (`multi().…execAsPipeline()`, no MULTI/EXEC).
 */
async function rawRedisFloor({ redisUrl, prefix }) {
  const client = await rawClient(redisUrl);
  const keyOf = (key) => `${prefix}:${key}`;
  return {
    get: async (key) => {
      const text = await client.get(keyOf(key));
      return text === null ? undefined : JSON.parse(text);
    },
    set: (key, value) => client.set(keyOf(key), JSON.stringify(value), { PX: TTL_MS }),
    async getBatch(keys) {
      const pipeline = client.multi();
      for (const key of keys) pipeline.get(keyOf(key));
      const texts = await pipeline.execAsPipeline();
      return texts.map((text) => (text === null ? undefined : JSON.parse(text)));
    },
    async setBatch(entries) {
      const pipeline = client.multi();
      for (const [key, value] of entries) pipeline.set(keyOf(key), JSON.stringify(value), { PX: TTL_MS });
      await pipeline.execAsPipeline();
    },
    clear: () => unlinkMatching(client, `${prefix}:*`),
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Vessel: the built `@vessel/core` handed in as `core`.

/**
 * The in-process tier's options as the build at hand spells them: `{ local: { maxEntries, ttl } }`
 * as first specified, or the flat `{ localMaxEntries, localTtl }` of the cache policy (what the
 * configuration files use). The first form the build accepts is used; `facts` says which.
 */
const LOCAL_OPTION_FORMS = [
  { form: 'local', options: { local: { maxEntries: LOCAL_MAX_ENTRIES, ttl: LOCAL_TTL_SECONDS } } },
  { form: 'localMaxEntries', options: { localMaxEntries: LOCAL_MAX_ENTRIES, localTtl: LOCAL_TTL_SECONDS } },
];

function cacheWithLocalTier(core, manager) {
  for (const { form, options } of LOCAL_OPTION_FORMS) {
    try {
      return { cache: manager.getCache('bench', options), facts: { localOptions: form, options } };
    } catch (error) {
      if (!(error instanceof core.ConfigError)) throw error;
    }
  }
  throw new Error('this build of @vessel/core accepts no known form of the local tier options');
}

/**
 * `CacheManager` over `createStorage`, used as an application uses it. `local` puts Vessel's
 * in-process tier in front of the storage.
 */
function vesselStack(core, storageOptions, { local = false } = {}) {
  const storage = core.createStorage(storageOptions);
  const manager = new core.CacheManager({ expire: TTL_SECONDS }, storage);
  const { cache, facts } = local ? cacheWithLocalTier(core, manager) : { cache: manager.getCache('bench') };
  return {
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, creator) => cache.get(key, { createfunc: creator }),
    clear: () => cache.clear(),
    close: () => storage.close(),
    facts,
  };
}

// ---------------------------------------------------------------------------------------------
// Peers, each configured the way its README shows for the backend.

/** cache-manager 7 over Keyv stores; `wrap` is its get-or-create (coalesced in-process). */
function cacheManagerStack(stores) {
  const cache = createCache({ ...(stores ? { stores } : {}), ttl: TTL_MS });
  return {
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, creator) => cache.wrap(key, creator),
    clear: () => cache.clear(),
    close: () => cache.disconnect(),
  };
}

/** cacheable 2: a primary store and optionally a secondary; `getOrSet` is its get-or-create. */
function cacheableStack(options) {
  const cache = new Cacheable({ ...options, ttl: TTL_MS });
  return {
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    getOrSet: (key, creator) => cache.getOrSet(key, creator),
    clear: () => cache.clear(),
    close: () => cache.disconnect(),
  };
}

/** bentocache 1: one store of an L1 and/or an L2 layer; `getOrSet` is its get-or-create. */
function bentocacheStack({ prefix, l1, l2 }) {
  let store = bentostore();
  if (l1) store = store.useL1Layer(l1);
  if (l2) store = store.useL2Layer(l2);
  const bento = new BentoCache({ default: 'bench', prefix, ttl: TTL_MS, stores: { bench: store } });
  return {
    get: (key) => bento.get({ key }),
    set: (key, value) => bento.set({ key, value }),
    getOrSet: (key, creator) => bento.getOrSet({ key, factory: creator }),
    clear: () => bento.clear(),
    close: () => bento.disconnect(),
  };
}

function keyvRedis(redisUrl, namespace) {
  return new Keyv({ store: new KeyvRedis(redisUrl), namespace, ttl: TTL_MS });
}

/** The memory store cache-manager's README pairs with Redis in a two-store setup. */
function keyvCacheableMemory() {
  return new Keyv({ store: new CacheableMemory({ ttl: TTL_MS, lruSize: LOCAL_MAX_ENTRIES }) });
}

/**
 * Every stack, by backend: `name`, `kind` (`floor`, `vessel` or `peer`), what it is in words,
 * and `open({ core, redisUrl, prefix })`. `prefix` is this stack's own Redis key prefix.
 */
export const STACKS = {
  memory: [
    { name: 'Map', kind: 'floor', label: 'Map of the objects (no copy, no decode)', open: () => mapFloor() },
    {
      name: 'Map+JSON',
      kind: 'floor',
      label: 'Map of JSON text, JSON.parse per get',
      open: () => mapJsonFloor(),
    },
    {
      name: 'vessel',
      kind: 'vessel',
      label: "createStorage({ type: 'memory' }) + CacheManager",
      open: ({ core }) => vesselStack(core, { type: 'memory' }),
    },
    {
      name: 'cache-manager',
      kind: 'peer',
      label: 'createCache() (its default Keyv over a Map, serialization off)',
      open: () => cacheManagerStack(),
    },
    {
      name: 'cacheable',
      kind: 'peer',
      label: 'new Cacheable() (primary: Keyv over CacheableMemory, useClone on)',
      open: () => cacheableStack({}),
    },
    {
      name: 'cacheable no clone',
      kind: 'peer',
      label: 'new Cacheable({ primary: createKeyv({ useClone: false }) }): hands out the stored object',
      open: () => cacheableStack({ primary: createKeyv({ useClone: false }) }),
    },
    {
      name: 'bentocache',
      kind: 'peer',
      label: `L1 memoryDriver({ maxItems: ${LOCAL_MAX_ENTRIES} }), serialized (its default)`,
      open: ({ prefix }) => bentocacheStack({ prefix, l1: memoryDriver({ maxItems: LOCAL_MAX_ENTRIES }) }),
    },
  ],
  redis: [
    {
      name: 'raw',
      kind: 'floor',
      label: '@redis/client GET + JSON.parse / SET PX (auto-pipelined when concurrent)',
      open: (context) => rawRedisFloor(context),
    },
    {
      name: 'raw pipeline',
      kind: 'floor',
      pipelined: true,
      label: '@redis/client multi()…execAsPipeline() of 64, + JSON.parse',
      open: (context) => rawRedisFloor(context),
    },
    {
      name: 'vessel',
      kind: 'vessel',
      label: "createStorage({ type: 'redis' }) + CacheManager",
      open: ({ core, redisUrl, prefix }) => vesselStack(core, { type: 'redis', url: redisUrl, prefix }),
    },
    {
      name: 'cache-manager',
      kind: 'peer',
      label: 'createCache({ stores: [new Keyv({ store: new KeyvRedis(url) })] })',
      open: ({ redisUrl, prefix }) => cacheManagerStack([keyvRedis(redisUrl, prefix)]),
    },
    {
      name: 'cacheable',
      kind: 'peer',
      label: 'new Cacheable({ primary: new KeyvRedis(url) }) (Redis only)',
      open: ({ redisUrl, prefix }) => cacheableStack({ primary: new KeyvRedis(redisUrl), namespace: prefix }),
    },
    {
      name: 'bentocache',
      kind: 'peer',
      label: 'L2 redisDriver (ioredis) only',
      open: ({ redisUrl, prefix }) =>
        bentocacheStack({ prefix, l2: redisDriver({ connection: ioredisConnection(redisUrl) }) }),
    },
  ],
  'redis+local': [
    {
      name: 'vessel',
      kind: 'vessel',
      label: `Redis storage + local: { maxEntries: ${LOCAL_MAX_ENTRIES}, ttl: ${LOCAL_TTL_SECONDS} }`,
      open: ({ core, redisUrl, prefix }) =>
        vesselStack(core, { type: 'redis', url: redisUrl, prefix }, { local: true }),
    },
    {
      name: 'cache-manager',
      kind: 'peer',
      label: 'stores: [Keyv(CacheableMemory), Keyv(KeyvRedis)]',
      open: ({ redisUrl, prefix }) => cacheManagerStack([keyvCacheableMemory(), keyvRedis(redisUrl, prefix)]),
    },
    {
      name: 'cacheable',
      kind: 'peer',
      label: 'new Cacheable({ secondary: new KeyvRedis(url) }) (memory primary)',
      open: ({ redisUrl, prefix }) => cacheableStack({ secondary: new KeyvRedis(redisUrl), namespace: prefix }),
    },
    {
      name: 'bentocache',
      kind: 'peer',
      label: `L1 memoryDriver({ maxItems: ${LOCAL_MAX_ENTRIES} }) + L2 redisDriver, no bus`,
      open: ({ redisUrl, prefix }) =>
        bentocacheStack({
          prefix,
          l1: memoryDriver({ maxItems: LOCAL_MAX_ENTRIES }),
          l2: redisDriver({ connection: ioredisConnection(redisUrl) }),
        }),
    },
  ],
};

/** The Redis key prefix of stack `name` on `backend` within the run's `runPrefix`. */
export function stackPrefix(runPrefix, backend, name) {
  return `${runPrefix}-${backend === 'redis+local' ? 'local' : backend}-${name.replaceAll(/[^\w]+/g, '-')}`;
}

/** Size of `text` in UTF-8 bytes. */
export function byteLength(text) {
  return Buffer.byteLength(text);
}
