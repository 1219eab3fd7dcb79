import type KeyvPostgres from '@keyv/postgres';
import type pg from 'pg';
import { ConfigError, StorageUnavailableError } from '../../errors.js';
import type { BackendDriver, RawEntry, ScanPageRequest } from '../driver.js';
import { maskUrl } from '../mask-url.js';
import { NETWORK_ERROR_CODES, reasonOf } from '../network-errors.js';
import { withTimeout } from '../timeout.js';
import type { CommonStorageOptions, StorageCapabilities } from '../types.js';

/** PostgreSQL through one pool per storage; one table holds every namespace. */
export interface PostgresStorageOptions extends CommonStorageOptions {
  type: 'postgres';
  /** `postgres://user:pass@host:port/database`. Required. */
  url: string;
  /** Schema of Vessel's tables. Default `public`. */
  schema?: string;
  /** Pool size. Default 10. */
  poolSize?: number;
}

/**
 * What the PostgreSQL backend does natively: expiry is a generated column swept by index, a touch
 * is one UPDATE of the record's head, and a lock is a row every host of the deployment sees.
 */
export const POSTGRES_CAPABILITIES: StorageCapabilities = Object.freeze({
  nativeTtl: false,
  touchWithoutRewrite: true,
  lockScope: 'deployment',
  persistent: true,
});

/** The slice of a pooled client `close` needs to drop its socket (pg keeps it at `connection.stream`). */
interface PoolClientSocket {
  connection?: { stream?: { destroy(): void } };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Server time in ms, so locks mean the same on every host whatever its clock says. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
/** SQLSTATE classes and codes that mean the server is gone or refusing, not a bad query. */
const UNAVAILABLE_SQLSTATE = /^(08|57P0|53300)/;

/**
 * keyv's adapter keeps one module-wide pool (shared by every instance, ended by any of them);
 * this one uses the storage's own pool, which the storage closes once.
 */
function pooledAdapterClass(Base: typeof KeyvPostgres) {
  return class PooledKeyvPostgres extends Base {
    override async connect() {
      const { pool } = this.opts as { pool: pg.Pool };
      return async (sql: string, values?: unknown[]) => (await pool.query(sql, values)).rows;
    }

    override async disconnect() {}
  };
}

/**
 * The PostgreSQL client libraries, imported on first connect: they cost a process about 16 MB,
 * which apps and `session-inspect` runs on other backends should not pay for.
 */
async function loadLibraries(): Promise<{ Pool: typeof pg.Pool; Adapter: ReturnType<typeof pooledAdapterClass> }> {
  const [{ default: postgres }, { default: KeyvPostgresAdapter }] = await Promise.all([
    import('pg'),
    import('@keyv/postgres'),
  ]);
  return { Pool: postgres.Pool, Adapter: pooledAdapterClass(KeyvPostgresAdapter) };
}

/** PostgreSQL backend: one table for every namespace, an indexed `expires` column, lock rows. */
export function createPostgresDriver(options: PostgresStorageOptions): BackendDriver {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema))
    throw new ConfigError('schema', `expected a lower-case SQL identifier, got ${JSON.stringify(schema)}`);
  const table = `${schema}.vessel`;
  const locks = `${schema}.vessel_locks`;
  const location = maskUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 5000;
  // Made by the first connect (every other method runs after it): see `loadLibraries`.
  let pool!: pg.Pool;
  let Adapter!: ReturnType<typeof pooledAdapterClass>;
  let loading: Promise<void> | undefined;
  let connected = false;
  let closed = false;

  function createPool(): Promise<void> {
    loading ??= loadLibraries().then((libraries) => {
      Adapter = libraries.Adapter;
      pool = new libraries.Pool({
        connectionString: options.url,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: timeoutMs,
        idleTimeoutMillis: 30_000,
      });
      // An idle connection dropped by the server emits here; without a listener it would crash the process.
      pool.on('error', () => {});
    });
    return loading;
  }

  const query = async <Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []) =>
    pool.query<Row>(sql, values);
  const liveClause = (includeExpired: boolean, index: number) =>
    includeExpired ? '' : ` AND (expires IS NULL OR expires > $${index})`;

  return {
    type: 'postgres',
    capabilities: POSTGRES_CAPABILITIES,
    location,
    embedsExpiry: true,

    async connect() {
      if (connected) return;
      await createPool();
      // Closed while the libraries loaded: opening a connection now would outlive the storage.
      if (closed) throw new StorageUnavailableError(location, 'closed');
      const client = await pool.connect().catch((error: unknown) => {
        throw new StorageUnavailableError(location, reasonOf(error), { cause: error });
      });
      try {
        // Several processes may start at once; the advisory lock makes the DDL run one at a time.
        await client.query('BEGIN');
        await client.query("SELECT pg_advisory_xact_lock(hashtext('vessel:schema'))");
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        // `expires` is read from the record's fixed head (`{"expires":123,…`): fast, and NULL
        // rather than an error for a value that is not a Vessel record. "C" collation makes
        // key ranges byte-ordered, so a namespace is one index range.
        await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
          key text COLLATE "C" PRIMARY KEY,
          value text,
          expires bigint GENERATED ALWAYS AS (substring(value from '^\\{"expires":(-?[0-9]{1,19})[,}]')::bigint) STORED
        )`);
        await client.query(`CREATE INDEX IF NOT EXISTS vessel_expires ON ${table} (expires) WHERE expires IS NOT NULL`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${locks} (key text COLLATE "C" PRIMARY KEY, token text NOT NULL, expires bigint NOT NULL)`,
        );
        await client.query('COMMIT');
        connected = true;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    async ping() {
      await query('SELECT 1');
    },

    createAdapter() {
      const adapter = new Adapter({ uri: options.url, schema, table: 'vessel', pool } as never);
      adapter.on('error', () => {}); // surfaced through the failed query itself
      return adapter;
    },

    async scanPage({ range, cursor, limit, includeExpired, now, keysOnly }: ScanPageRequest) {
      const columns = keysOnly
        ? 'key, expires, octet_length(value) AS size'
        : 'key, value, expires, octet_length(value) AS size';
      const values: unknown[] = [cursor ?? range.start, range.end];
      if (!includeExpired) values.push(now);
      const { rows } = await query<{ key: string; value?: string; expires: string | null; size: number }>(
        `SELECT ${columns} FROM ${table} WHERE key ${cursor === null ? '>=' : '>'} $1 AND key < $2${liveClause(includeExpired, 3)} ORDER BY key LIMIT ${Math.max(1, limit)}`,
        values,
      );
      const entries: RawEntry[] = rows.map((row) => ({
        key: row.key,
        raw: row.value,
        size: Number(row.size),
        expiresAt: row.expires === null ? null : Number(row.expires),
      }));
      return { entries, cursor: rows.length < limit ? null : (rows.at(-1)?.key ?? null) };
    },

    async count(range, includeExpired, now) {
      // Live = all in range − expired in range: two index scans instead of reading every row.
      const { rows } = await query<{ total: string }>(
        includeExpired
          ? `SELECT count(*) AS total FROM ${table} WHERE key >= $1 AND key < $2`
          : `SELECT (SELECT count(*) FROM ${table} WHERE key >= $1 AND key < $2)
                  - (SELECT count(*) FROM ${table} WHERE expires <= $3 AND key >= $1 AND key < $2) AS total`,
        includeExpired ? [range.start, range.end] : [range.start, range.end, now],
      );
      return Number(rows[0]?.total ?? 0);
    },

    async compareAndSet(fullKey, expectedRaw, raw) {
      const { rowCount } = await query(`UPDATE ${table} SET value = $1 WHERE key = $2 AND value = $3`, [
        raw,
        fullKey,
        expectedRaw,
      ]);
      return (rowCount ?? 0) > 0;
    },

    async touch(fullKey, expiresAt, now) {
      // Splices the record's head; the encoded value is neither sent nor re-encoded.
      const { rowCount } = await query(
        `UPDATE ${table} SET value = '{"expires":' || $1::text || substr(value, strpos(value, ','))
         WHERE key = $2 AND value LIKE '{"expires":%' AND (expires IS NULL OR expires > $3)`,
        [expiresAt === null ? 'null' : String(expiresAt), fullKey, now],
      );
      return (rowCount ?? 0) > 0;
    },

    async sweep(range, now) {
      // Row locks only: one statement does not block other writers the way SQLite's would.
      const { rowCount } = await query(`DELETE FROM ${table} WHERE key >= $1 AND key < $2 AND expires <= $3`, [
        range.start,
        range.end,
        now,
      ]);
      return rowCount ?? 0;
    },

    async clear(range) {
      await query(`DELETE FROM ${table} WHERE key >= $1 AND key < $2`, [range.start, range.end]);
    },

    async tryLock(lockKey, token, ttlMs) {
      const { rowCount } = await query(
        `INSERT INTO ${locks} AS held (key, token, expires) VALUES ($1, $2, ${NOW_MS} + $3)
         ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, expires = EXCLUDED.expires
         WHERE held.expires <= ${NOW_MS}`,
        [lockKey, token, ttlMs],
      );
      return (rowCount ?? 0) > 0;
    },

    async unlock(lockKey, token) {
      await query(`DELETE FROM ${locks} WHERE key = $1 AND token = $2`, [lockKey, token]);
    },

    async extendLock(lockKey, token, ttlMs) {
      // The token is replaced when an expired lock is taken, so matching it is holding it.
      const { rowCount } = await query(`UPDATE ${locks} SET expires = ${NOW_MS} + $3 WHERE key = $1 AND token = $2`, [
        lockKey,
        token,
        ttlMs,
      ]);
      return (rowCount ?? 0) > 0;
    },

    translateError(error) {
      const { code } = (error ?? {}) as { code?: string };
      const message = (error as Error)?.message ?? '';
      if (
        (code && (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) ||
        /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
          message,
        )
      ) {
        return new StorageUnavailableError(location, reasonOf(error), { cause: error });
      }
      return error;
    },

    async close() {
      connected = false;
      closed = true;
      if (!pool || pool.ended) return;
      // end() waits for every connection's goodbye, which a stalled server never answers:
      // wait at most timeoutMs, then drop the sockets.
      const ending = pool.end();
      try {
        await withTimeout(ending, timeoutMs, location);
      } catch {
        ending.catch(() => {});
        for (const client of (pool as unknown as { _clients?: PoolClientSocket[] })._clients ?? []) {
          client.connection?.stream?.destroy();
        }
      }
    },
  };
}
