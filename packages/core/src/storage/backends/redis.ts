import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type KeyvRedis from '@keyv/redis';
import type * as RedisLibrary from '@redis/client';
import { StorageUnavailableError } from '../../errors.js';
import { type BackendDriver, msUntil, type RawEntry, type ScanPageRequest } from '../driver.js';
import type { KeyRange } from '../keys.js';
import { maskUrl } from '../mask-url.js';
import { NETWORK_ERROR_CODES, reasonOf } from '../network-errors.js';
import { withTimeout } from '../timeout.js';
import type { CommonStorageOptions, StorageCapabilities } from '../types.js';

/** Redis (standalone or cluster); expiry is Redis' own `PX` TTL. */
export interface RedisStorageOptions extends CommonStorageOptions {
  type: 'redis';
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…`. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Cluster seed nodes (`redis://host:port` each); when set, `url` is ignored. */
  cluster?: readonly string[];
}

/**
 * What the Redis backend does natively: Redis expires keys itself (`PX`), a touch is one
 * `PEXPIRE` (or `PERSIST`), and a lock is a key every host of the deployment sees.
 */
export const REDIS_CAPABILITIES: StorageCapabilities = Object.freeze({
  nativeTtl: true,
  touchWithoutRewrite: true,
  lockScope: 'deployment',
  persistent: true,
});

/** Deletes `KEYS[1]` only while it still holds this holder's token. */
const UNLOCK_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Moves `KEYS[1]`'s expiry to `ARGV[2]` ms from now only while it still holds this holder's token. */
const EXTEND_LOCK_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/**
 * Writes `ARGV[2]` (TTL `ARGV[3]` ms, 0 for none) only while `KEYS[1]` still holds exactly
 * `ARGV[1]`: a compare-and-set in one round trip. Sending the expected text and comparing
 * strings costs less, on both sides, than hashing it (measured: see docs/benchmarks.md).
 */
const COMPARE_AND_SET_SCRIPT = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] ~= '0' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;

const COMPARE_AND_SET_SHA = createHash('sha1').update(COMPARE_AND_SET_SCRIPT).digest('hex');

/** Errors that mean "the server is not there right now", as opposed to a bad command. */
const UNAVAILABLE_NAMES = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketClosedUnexpectedlyError',
  'SocketTimeoutError',
  'ReconnectStrategyError',
  'RootNodesUnavailableError',
  'TimeoutError',
]);

/** The server does not know the script (restarted, or `SCRIPT FLUSH`): send its text. */
function isNoScript(error: unknown): boolean {
  return String((error as Error | undefined)?.message).startsWith('NOSCRIPT');
}

// The two client shapes share the commands used here; this is the slice the driver needs.
type Client = RedisLibrary.RedisClientType;
type Cluster = ReturnType<typeof RedisLibrary.createCluster>;

/**
 * The Redis client libraries, imported on first connect: they cost a process about 18 MB, which
 * apps and `session-inspect` runs on other backends should not pay for.
 */
async function loadLibraries(): Promise<{ redis: typeof RedisLibrary; KeyvRedisAdapter: typeof KeyvRedis }> {
  const [redis, keyvRedis] = await Promise.all([import('@redis/client'), import('@keyv/redis')]);
  return { redis, KeyvRedisAdapter: keyvRedis.default };
}

/** Redis backend: keys `<prefix>:<namespace>::<key>` with native `PX` expiry; locks reach every host. */
export function createRedisDriver(options: RedisStorageOptions): BackendDriver {
  const timeoutMs = options.timeoutMs ?? 5000;
  const seeds = options.cluster;
  const location = seeds
    ? `redis cluster ${seeds.map(maskUrl).join(',')}`
    : maskUrl(options.url ?? 'redis://127.0.0.1:6379');
  const socket = {
    connectTimeout: timeoutMs,
    // Keep trying in the background so service resumes by itself once Redis is back.
    reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
  };
  // Made by the first connect (every other method runs after it): see `loadLibraries`.
  let client!: Client | Cluster;
  let KeyvRedisAdapter!: typeof KeyvRedis;
  let loading: Promise<void> | undefined;
  let lastError: unknown;
  let closed = false;

  function createClient(): Promise<void> {
    loading ??= loadLibraries().then((libraries) => {
      KeyvRedisAdapter = libraries.KeyvRedisAdapter;
      const { redis } = libraries;
      // Without the offline queue, commands fail at once during an outage instead of piling up.
      client = seeds
        ? redis.createCluster({
            rootNodes: seeds.map((url) => ({ url })),
            defaults: { socket, disableOfflineQueue: true },
          })
        : (redis.createClient({ url: options.url, socket, disableOfflineQueue: true }) as Client);
      client.setMaxListeners(0); // one keyv adapter per namespace listens on the shared client
      client.on('error', (error: unknown) => {
        lastError = error;
      });
    });
    return loading;
  }

  const unavailable = (reason: string, cause?: unknown) => new StorageUnavailableError(location, reason, { cause });

  /** Each master's client: one for a standalone server, every master for a cluster. */
  async function masters(): Promise<Client[]> {
    if (!seeds) return [client as Client];
    const cluster = client as Cluster;
    return Promise.all(cluster.masters.map((master) => cluster.nodeClient(master))) as Promise<Client[]>;
  }

  let clusterConnecting: Promise<unknown> | undefined;
  /** A cluster's connect() settles once the slot map is known, or fails when no seed answers. */
  async function connectCluster(): Promise<void> {
    clusterConnecting ??= (client as Cluster).connect().catch((error: unknown) => {
      clusterConnecting = undefined;
      lastError = error;
      throw error;
    });
    await withTimeout(clusterConnecting, timeoutMs, location).catch((error: unknown) => {
      throw error instanceof StorageUnavailableError ? error : unavailable(reasonOf(lastError ?? error), error);
    });
  }

  async function scanKeys(range: KeyRange, cursor: string | null, count: number) {
    const nodes = await masters();
    let [nodeIndex, nodeCursor] =
      cursor === null
        ? [0, '0']
        : ((cursor.split(':', 2) as [string, string]).map((part, i) => (i === 0 ? Number(part) : part)) as [
            number,
            string,
          ]);
    const node = nodes[nodeIndex];
    if (!node) return { keys: [] as string[], next: null };
    const reply = await node.scan(nodeCursor, { MATCH: `${range.start}*`, COUNT: count });
    nodeCursor = String(reply.cursor);
    if (nodeCursor === '0') {
      nodeIndex += 1;
      return { keys: reply.keys, node, next: nodeIndex < nodes.length ? `${nodeIndex}:0` : null };
    }
    return { keys: reply.keys, node, next: `${nodeIndex}:${nodeCursor}` };
  }

  return {
    type: 'redis',
    capabilities: REDIS_CAPABILITIES,
    location,
    embedsExpiry: false,

    async connect() {
      await createClient();
      // Closed while the libraries loaded: opening a connection now would outlive the storage.
      if (closed) throw unavailable('closed');
      if (seeds) return connectCluster();
      const standalone = client as Client;
      if (standalone.isReady) return;
      if (!standalone.isOpen) {
        lastError = undefined;
        void standalone.connect().catch((error: unknown) => {
          lastError = error;
        });
      }
      try {
        await once(standalone, 'ready', { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw unavailable(
          lastError === undefined ? `no answer within ${timeoutMs} ms` : reasonOf(lastError),
          lastError ?? error,
        );
      }
    },

    async ping() {
      // A keyed command routes to a shard in a cluster and to the server otherwise.
      await client.exists(`${options.prefix ?? 'vessel'}:__ping__`);
    },

    createAdapter() {
      const adapter = new KeyvRedisAdapter(client as never, { throwOnErrors: true, throwOnConnectError: true });
      adapter.on('error', () => {}); // surfaced through the failed command itself
      return adapter as never;
    },

    // Standalone: the command queue's own promise. `client.get` adds two async frames and a
    // command parser around the same `sendCommand`, a measurable share of a cache hit.
    read: seeds
      ? (fullKey) => client.get(fullKey) as Promise<string | null>
      : (fullKey) => (client as Client).sendCommand(['GET', fullKey]) as Promise<string | null>,

    async scanPage({ range, cursor, limit, keysOnly, now }: ScanPageRequest) {
      const { keys, node, next } = await scanKeys(range, cursor, Math.max(limit, 100));
      if (keys.length === 0 || !node) return { entries: [], cursor: next };
      const pipeline = node.multi();
      for (const key of keys) {
        if (keysOnly) pipeline.strLen(key);
        else pipeline.get(key);
        pipeline.pTTL(key);
      }
      const replies = (await pipeline.execAsPipeline()) as unknown[];
      const entries: RawEntry[] = [];
      keys.forEach((key, index) => {
        const valueOrLength = replies[index * 2];
        const ttl = Number(replies[index * 2 + 1]);
        if (ttl === -2 || valueOrLength === null) return; // expired or deleted since SCAN saw it
        const raw = keysOnly ? undefined : String(valueOrLength);
        const size = keysOnly ? Number(valueOrLength) : Buffer.byteLength(raw ?? '');
        entries.push({ key, raw, size, expiresAt: ttl === -1 ? null : now + ttl });
      });
      return { entries, cursor: next };
    },

    async count(range) {
      let total = 0;
      let cursor: string | null = null;
      do {
        const page = await scanKeys(range, cursor, 1000);
        total += page.keys.length;
        cursor = page.next;
      } while (cursor !== null);
      return total;
    },

    // Redis is sent durations (`msUntil`), never instants (`PXAT`): an instant is judged by the
    // server's clock, so a host whose clock runs ahead of Redis's would keep keys late, one behind
    // would delete them early. Counted as the command leaves, a key outlives its record by at most
    // the command's time in flight.
    write: (fullKey, raw, expiresAt) =>
      client.set(fullKey, raw, expiresAt === null ? undefined : { PX: msUntil(expiresAt) }).then(() => undefined),

    async compareAndSet(fullKey, expectedRaw, raw, expiresAt) {
      const ttl = expiresAt === null ? '0' : String(msUntil(expiresAt));
      let reply: unknown;
      if (seeds) {
        const call = { keys: [fullKey], arguments: [expectedRaw, raw, ttl] };
        // By hash: the script text is sent only when a server has not seen it yet.
        reply = await client.evalSha(COMPARE_AND_SET_SHA, call).catch((error: unknown) => {
          if (!isNoScript(error)) throw error;
          return client.eval(COMPARE_AND_SET_SCRIPT, call);
        });
      } else {
        // Standalone: straight to the command queue, as `read` does (no parser, no async frames).
        const standalone = client as Client;
        const args = ['1', fullKey, expectedRaw, raw, ttl];
        reply = await standalone.sendCommand(['EVALSHA', COMPARE_AND_SET_SHA, ...args]).catch((error: unknown) => {
          if (!isNoScript(error)) throw error;
          return standalone.sendCommand(['EVAL', COMPARE_AND_SET_SCRIPT, ...args]);
        });
      }
      return Number(reply) === 1;
    },

    async touch(fullKey, expiresAt, now) {
      if (expiresAt === null) {
        const [exists] = (await client.multi().exists(fullKey).persist(fullKey).exec()) as unknown as [number, number];
        return Number(exists) === 1;
      }
      // Unclamped: a PEXPIRE of zero or less deletes the key, as a touch to the past must.
      return Number(await client.pExpire(fullKey, expiresAt - now)) === 1;
    },

    // Redis deletes expired keys itself; there is never anything to sweep.
    sweep: async () => 0,

    async clear(range) {
      let cursor: string | null = null;
      do {
        const page = await scanKeys(range, cursor, 1000);
        if (page.node && page.keys.length > 0) {
          // One UNLINK per key: in a cluster, keys of one call must share a hash slot.
          const pipeline = page.node.multi();
          for (const key of page.keys) pipeline.unlink(key);
          await pipeline.execAsPipeline();
        }
        cursor = page.next;
      } while (cursor !== null);
    },

    async tryLock(lockKey, token, ttlMs) {
      return (await client.set(lockKey, token, { NX: true, PX: ttlMs })) === 'OK';
    },

    async unlock(lockKey, token) {
      await client.eval(UNLOCK_SCRIPT, { keys: [lockKey], arguments: [token] });
    },

    async extendLock(lockKey, token, ttlMs) {
      return (await client.eval(EXTEND_LOCK_SCRIPT, { keys: [lockKey], arguments: [token, String(ttlMs)] })) === 1;
    },

    translateError(error) {
      const { code } = (error ?? {}) as { code?: string };
      // @redis/client's error classes do not set `name`; their constructors carry it.
      const name = (error as object | undefined)?.constructor?.name;
      const message = (error as Error)?.message ?? '';
      if (
        (name && UNAVAILABLE_NAMES.has(name)) ||
        (code && NETWORK_ERROR_CODES.has(code)) ||
        message.includes('not connected')
      ) {
        return unavailable(reasonOf(lastError ?? error), error);
      }
      return error;
    },

    async close() {
      closed = true;
      if (!client) return; // never connected
      // Let commands in flight get their answers, for at most timeoutMs: a PING is answered after
      // them. Not client.close(): it waits for those answers without a bound (a stalled or
      // silent server never gives them), and a client it has begun closing can no longer be
      // destroyed, so its socket would stay open.
      const nodes = seeds ? await masters().catch(() => []) : [client as Client];
      const answered = nodes.filter((node) => node.isReady).map((node) => node.ping());
      await withTimeout(Promise.all(answered), timeoutMs, location).catch(() => {});
      try {
        client.destroy(); // stops background reconnection attempts too
      } catch {
        // already closed
      }
    },
  };
}
