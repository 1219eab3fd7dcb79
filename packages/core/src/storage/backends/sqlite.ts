import path from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import sqlite3 from 'sqlite3';
import { StorageUnavailableError } from '../../errors.js';
import type { BackendDriver, RawEntry, ScanPageRequest } from '../driver.js';
import type { KeyRange } from '../keys.js';
import { createPrivateFile, isRealPath, makePrivateFolder } from '../private-paths.js';
import type { CommonStorageOptions, StorageCapabilities } from '../types.js';
import { sqliteUrlFile } from './sqlite-url.js';

/** A SQLite database file in WAL mode, shared safely by the app and the CLI. */
export interface SqliteStorageOptions extends CommonStorageOptions {
  type: 'sqlite';
  /** Folder of `vessel.sqlite` (created when missing). Required unless `url` names the file. */
  cacheDir?: string;
  /**
   * The database file as a URL; overrides `cacheDir`. `sqlite:data/app.sqlite` or
   * `sqlite://data/app.sqlite` (relative to the working directory), `sqlite:/abs/app.sqlite` or
   * `sqlite:///abs/app.sqlite` (see `parseSqliteUrl`).
   */
  url?: string;
}

/**
 * What the SQLite backend does natively: expiry is a generated column swept by index, a touch
 * is one UPDATE of the record's head, and a lock is a row every process that opens this file (on this host) sees.
 */
export const SQLITE_CAPABILITIES: StorageCapabilities = Object.freeze({
  nativeTtl: false,
  touchWithoutRewrite: true,
  lockScope: 'host',
  persistent: true,
});

/** Rows deleted per statement by `sweep` and `clear`, so other writers get the lock in between. */
const DELETE_BATCH = 10_000;
const TABLE = 'vessel';

/**
 * `expires` is a generated column read from the record's fixed head (`{"expires":123,…`), so
 * keyv's plain `(key, value)` writes keep it right and `sweep`/`count` use an index instead of
 * decoding every row. A value that is not a Vessel record yields NULL instead of failing. CAST
 * reads any text as a number (`"soon"` as 0, expired in 1970), so the head counts only when the
 * number CAST read is exactly what stands there before the `,` or `}` (as PostgreSQL's regex).
 */
const HEAD_NUMBER = 'CAST(substr(value, 12, 20) AS INTEGER)';
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ${TABLE} (
    key TEXT PRIMARY KEY,
    value TEXT,
    expires INTEGER GENERATED ALWAYS AS (
      CASE WHEN substr(value, 1, 11) = '{"expires":'
        AND substr(value, 12, length(${HEAD_NUMBER}) + 1) IN (${HEAD_NUMBER} || ',', ${HEAD_NUMBER} || '}')
      THEN ${HEAD_NUMBER} END
    ) VIRTUAL
  );
  CREATE INDEX IF NOT EXISTS ${TABLE}_expires ON ${TABLE}(expires) WHERE expires IS NOT NULL;
  CREATE TABLE IF NOT EXISTS ${TABLE}_locks (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires INTEGER NOT NULL);
`;

const SQLITE_UNAVAILABLE = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_NOTADB',
  'SQLITE_MISUSE',
]);

/**
 * A few prepared copies of one statement, used in turn. node-sqlite3 runs one operation at a
 * time per statement, so a single prepared statement would queue every concurrent request
 * behind the others; preparing the SQL on each call (what keyv does) costs a parse every time.
 * `all` and `run` reset the statement when done, so no read transaction is left open.
 */
class PreparedStatements {
  readonly #statements: sqlite3.Statement[];
  #next = 0;

  constructor(db: sqlite3.Database, sql: string, copies: number) {
    // A failed prepare is reported by the statement's first use; the callback keeps it from
    // being an unhandled 'error' event.
    this.#statements = Array.from({ length: copies }, () => db.prepare(sql, () => {}));
  }

  #take(): sqlite3.Statement {
    const statement = this.#statements[this.#next] as sqlite3.Statement;
    this.#next = (this.#next + 1) % this.#statements.length;
    return statement;
  }

  all<Row>(params: unknown[]): Promise<Row[]> {
    return new Promise((resolve, reject) =>
      this.#take().all(params, (error: Error | null, rows: Row[]) => (error ? reject(error) : resolve(rows))),
    );
  }

  /** Runs a write; resolves with the number of rows changed. */
  run(params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) =>
      this.#take().run(params, function (this: sqlite3.RunResult, error: Error | null) {
        return error ? reject(error) : resolve(this.changes);
      }),
    );
  }

  finalize(): Promise<void> {
    return Promise.all(
      this.#statements.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))),
    ).then(() => {});
  }
}

/** Copies of each prepared statement: enough to keep node-sqlite3's thread pool (4) busy. */
const STATEMENT_COPIES = 4;

/** A promise face for the few sqlite3 calls the driver makes itself. */
class Connection {
  readonly #db: sqlite3.Database;
  readonly #prepared = new Map<string, PreparedStatements>();

  private constructor(db: sqlite3.Database) {
    this.#db = db;
  }

  static open(file: string, busyTimeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, (error) => {
        if (error) return reject(error);
        db.configure('busyTimeout', busyTimeoutMs);
        resolve(new Connection(db));
      });
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.#db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  /** Runs a write; resolves with the number of rows changed. */
  run(sql: string, ...params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) =>
      this.#db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        return error ? reject(error) : resolve(this.changes);
      }),
    );
  }

  all<Row>(sql: string, ...params: unknown[]): Promise<Row[]> {
    return new Promise((resolve, reject) =>
      this.#db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as Row[]))),
    );
  }

  /** The statement `sql`, prepared on first use and kept until `close`. */
  prepared(sql: string): PreparedStatements {
    let statements = this.#prepared.get(sql);
    if (!statements) {
      statements = new PreparedStatements(this.#db, sql, STATEMENT_COPIES);
      this.#prepared.set(sql, statements);
    }
    return statements;
  }

  async close(): Promise<void> {
    // sqlite refuses to close a connection with statements still prepared.
    await Promise.all([...this.#prepared.values()].map((statements) => statements.finalize()));
    this.#prepared.clear();
    return new Promise((resolve, reject) => this.#db.close((error) => (error ? reject(error) : resolve())));
  }
}

const READ_SQL = `SELECT value FROM ${TABLE} WHERE key = ?`;
const COMPARE_AND_SET_SQL = `UPDATE ${TABLE} SET value = ? WHERE key = ? AND value = ?`;

/** Where the database file is, absolute: the `sqlite:` URL's path, else `<cacheDir>/vessel.sqlite`. */
export function sqliteFileOf(options: SqliteStorageOptions): string {
  if (options.url) return path.resolve(sqliteUrlFile(options.url));
  return path.resolve(options.cacheDir ?? '.', 'vessel.sqlite');
}

/** The database file and the files SQLite keeps beside it (suffixes). */
const SQLITE_FILES = ['', '-wal', '-shm', '-journal'];

/** SQLite backend: one WAL-mode file shared by the app, other processes and the CLI; host-wide locks. */
export function createSqliteDriver(options: SqliteStorageOptions): BackendDriver {
  const file = sqliteFileOf(options);
  const location = `sqlite ${file}`;
  const busyTimeoutMs = options.timeoutMs ?? 5000;
  const adapters: KeyvSqlite[] = [];
  let connection: Connection | undefined;
  /** Single-key reads run on a connection of their own, beside the writes (WAL lets them). */
  let reader: Connection | undefined;
  /** Settles when the open in flight does: one open at a time, and `close` waits for it. */
  let opening: Promise<void> | undefined;

  const db = (): Connection => {
    if (!connection) throw new StorageUnavailableError(location, 'not connected');
    return connection;
  };

  const liveClause = (includeExpired: boolean) => (includeExpired ? '' : ' AND (expires IS NULL OR expires > ?)');

  async function deleteInBatches(where: string, params: unknown[], indexHint = ''): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await db().run(
        `DELETE FROM ${TABLE} WHERE rowid IN (SELECT rowid FROM ${TABLE} ${indexHint} WHERE ${where} LIMIT ${DELETE_BATCH})`,
        ...params,
      );
      total += removed;
      if (removed < DELETE_BATCH) return total;
    }
  }

  async function refuseLink(target: string): Promise<void> {
    await isRealPath(target, location);
  }

  return {
    type: 'sqlite',
    capabilities: SQLITE_CAPABILITIES,
    location,
    embedsExpiry: true,

    async connect() {
      while (opening) await opening;
      if (connection) return;
      let settle = () => {};
      opening = new Promise((resolve) => {
        settle = resolve;
      });
      try {
        await makePrivateFolder(path.dirname(file));
        // SQLite would create the database 0644 and gives its -wal/-shm/-journal the database's
        // mode, so a database made 0600 here keeps all four private. It follows symlinks: a
        // link planted at any of them is refused instead.
        for (const companion of SQLITE_FILES) await refuseLink(`${file}${companion}`);
        await createPrivateFile(file);
        const opened = await Connection.open(file, busyTimeoutMs);
        try {
          // WAL lets the CLI read while the app writes; NORMAL sync is safe against process
          // crashes in WAL mode and avoids an fsync per session write.
          await opened.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; ${SCHEMA}`);
          reader = await Connection.open(file, busyTimeoutMs);
        } catch (error) {
          await opened.close().catch(() => {});
          throw error;
        }
        connection = opened;
      } catch (error) {
        throw new StorageUnavailableError(location, (error as Error).message, { cause: error });
      } finally {
        opening = undefined;
        settle();
      }
    },

    async ping() {
      await db().all('SELECT 1');
    },

    createAdapter() {
      const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, table: TABLE, busyTimeout: busyTimeoutMs });
      adapter.on('error', () => {}); // surfaced through the failed query itself
      void adapter.query('PRAGMA synchronous = NORMAL').catch(() => {});
      adapters.push(adapter);
      return adapter;
    },

    async read(fullKey) {
      if (!reader) throw new StorageUnavailableError(location, 'not connected');
      const [row] = await reader.prepared(READ_SQL).all<{ value: string }>([fullKey]);
      return row?.value;
    },

    async scanPage({ range, cursor, limit, includeExpired, now, keysOnly }: ScanPageRequest) {
      const columns = keysOnly
        ? 'key, expires, length(CAST(value AS BLOB)) AS size'
        : 'key, value, expires, length(CAST(value AS BLOB)) AS size';
      const params: unknown[] = [cursor ?? range.start, range.end];
      if (!includeExpired) params.push(now);
      const rows = await db().all<{ key: string; value?: string; expires: number | null; size: number }>(
        `SELECT ${columns} FROM ${TABLE} WHERE key ${cursor === null ? '>=' : '>'} ? AND key < ?${liveClause(includeExpired)} ORDER BY key LIMIT ${Math.max(1, limit)}`,
        ...params,
      );
      const entries: RawEntry[] = rows.map((row) => ({
        key: row.key,
        raw: row.value,
        size: row.size,
        expiresAt: row.expires,
      }));
      return { entries, cursor: rows.length < limit ? null : (rows.at(-1)?.key ?? null) };
    },

    async count(range: KeyRange, includeExpired, now) {
      // Live = all in range − expired in range: both index-only, where filtering on the
      // generated column would read every row.
      const [row] = await db().all<{ total: number }>(
        includeExpired
          ? `SELECT count(*) AS total FROM ${TABLE} WHERE key >= ? AND key < ?`
          : `SELECT (SELECT count(*) FROM ${TABLE} WHERE key >= ?1 AND key < ?2)
                  - (SELECT count(*) FROM ${TABLE} INDEXED BY ${TABLE}_expires WHERE expires <= ?3 AND key >= ?1 AND key < ?2) AS total`,
        ...(includeExpired ? [range.start, range.end] : [range.start, range.end, now]),
      );
      return row?.total ?? 0;
    },

    async compareAndSet(fullKey, expectedRaw, raw) {
      return (await db().prepared(COMPARE_AND_SET_SQL).run([raw, fullKey, expectedRaw])) > 0;
    },

    async touch(fullKey, expiresAt, now) {
      // Splices the record's head; the encoded value is neither read into JS nor re-encoded.
      const changed = await db().run(
        `UPDATE ${TABLE} SET value = '{"expires":' || ? || substr(value, instr(value, ','))
         WHERE key = ? AND substr(value, 1, 11) = '{"expires":' AND (expires IS NULL OR expires > ?)`,
        expiresAt === null ? 'null' : String(expiresAt),
        fullKey,
        now,
      );
      return changed > 0;
    },

    // Through the expires index: a namespace of a million live sessions with a few expired
    // ones is swept by touching only the expired ones.
    sweep: (range, now) =>
      deleteInBatches(
        'expires <= ? AND key >= ? AND key < ?',
        [now, range.start, range.end],
        `INDEXED BY ${TABLE}_expires`,
      ),

    async clear(range) {
      await deleteInBatches('key >= ? AND key < ?', [range.start, range.end]);
    },

    async tryLock(lockKey, token, ttlMs) {
      const now = Date.now();
      const changed = await db().run(
        `INSERT INTO ${TABLE}_locks (key, token, expires) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET token = excluded.token, expires = excluded.expires
         WHERE ${TABLE}_locks.expires <= ?`,
        lockKey,
        token,
        now + ttlMs,
        now,
      );
      return changed > 0;
    },

    async unlock(lockKey, token) {
      await db().run(`DELETE FROM ${TABLE}_locks WHERE key = ? AND token = ?`, lockKey, token);
    },

    async extendLock(lockKey, token, ttlMs) {
      // The token is replaced when an expired lock is taken, so matching it is holding it.
      const changed = await db().run(
        `UPDATE ${TABLE}_locks SET expires = ? WHERE key = ? AND token = ?`,
        Date.now() + ttlMs,
        lockKey,
        token,
      );
      return changed > 0;
    },

    translateError(error) {
      const code = (error as { code?: unknown })?.code;
      if (typeof code === 'string' && SQLITE_UNAVAILABLE.has(code)) {
        return new StorageUnavailableError(location, (error as Error).message, { cause: error });
      }
      return error;
    },

    async close() {
      await opening; // a connection an open in flight makes is closed here too
      const open = [connection, reader];
      connection = undefined;
      reader = undefined;
      await Promise.allSettled(adapters.splice(0).map((adapter) => adapter.disconnect()));
      await Promise.all(open.map((opened) => opened?.close()));
    },
  };
}
