/**
 * Bulk loading for the storage benchmark. Writing a million entries through `Namespace.set` one
 * at a time costs a transaction each on SQLite, so the data goes in with the backends' own bulk
 * paths instead, byte for byte what Vessel writes: SQLite rows `(key, value)` in big
 * transactions, Redis `SET key value PX ttl` in pipelines. `checkLayout` proves the bytes match
 * by writing one entry through Vessel and comparing.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { createClient } from '@redis/client';
import sqlite3 from 'sqlite3';

/** Rows per INSERT statement (2 parameters each, far below SQLite's limit of 32766). */
const ROWS_PER_STATEMENT = 500;
/** Rows per SQLite transaction. */
const ROWS_PER_TRANSACTION = 50_000;
/** Commands per Redis pipeline. */
const REDIS_BATCH = 10_000;

/** The full key of an entry: `<prefix>:<namespace>::<key>`. */
export function fullKey(prefix, namespace, key) {
  return `${prefix}:${namespace}::${key}`;
}

/** A session id like Vessel's (128 bits, base64url), derived from `index` so runs are repeatable. */
export function sessionId(seed, index) {
  return createHash('md5').update(`${seed}:${index}`).digest('base64url');
}

/** A session-like value of about 200 bytes of JSON. */
export function sessionValue(seed, index, createdAt) {
  return {
    user: {
      id: index,
      name: `user${index}`,
      email: `user${index}@example.test`,
      roles: index % 10 === 0 ? ['admin'] : ['reader'],
    },
    csrf: sessionId(`${seed}:csrf`, index),
    cart: [{ sku: `SKU-${index % 997}`, qty: 1 + (index % 3) }],
    locale: 'en-GB',
    created: createdAt,
    accessed: createdAt + (index % 60_000),
  };
}

/** The stored record text, as Vessel's `serializeRecord` writes plain-JSON values. */
export function recordText(value, expiresAt) {
  return `{"expires":${expiresAt},"value":${JSON.stringify(value)}}`;
}

/** A promise face for node-sqlite3. */
export class SqliteFile {
  #db;

  constructor(db) {
    this.#db = db;
  }

  static open(file) {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(new SqliteFile(db))));
    });
  }

  exec(sql) {
    return new Promise((resolve, reject) => this.#db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  all(sql, ...params) {
    return new Promise((resolve, reject) =>
      this.#db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))),
    );
  }

  prepare(sql) {
    const statement = this.#db.prepare(sql);
    return {
      run: (params) =>
        new Promise((resolve, reject) => statement.run(params, (error) => (error ? reject(error) : resolve()))),
      finalize: () => new Promise((resolve) => statement.finalize(() => resolve())),
    };
  }

  close() {
    return new Promise((resolve, reject) => this.#db.close((error) => (error ? reject(error) : resolve())));
  }
}

/**
 * Inserts `entries` session records into the `vessel` table of `file` (the schema must exist:
 * `storage.ping()` creates it). `expiresAt(index)` gives each record's expiry in ms.
 * Memory stays bounded: one statement's rows at a time. Ends with the WAL checkpointed and
 * truncated, so the file alone holds the data and can be copied.
 * Optional: `from` (first index; a store grows from `from` up to `entries`, so it can be filled
 * in steps) and `valueFor(index)`, the value stored (default `sessionValue`).
 */
export async function fillSqlite(
  file,
  {
    prefix,
    namespace,
    seed,
    entries,
    expiresAt,
    createdAt,
    from = 0,
    valueFor = (index) => sessionValue(seed, index, createdAt),
  },
) {
  const db = await SqliteFile.open(file);
  try {
    await db.exec('PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536');
    const placeholders = (rows) => Array.from({ length: rows }, () => '(?, ?)').join(', ');
    const full = db.prepare(`INSERT INTO vessel (key, value) VALUES ${placeholders(ROWS_PER_STATEMENT)}`);
    for (let first = from; first < entries; first += ROWS_PER_TRANSACTION) {
      const last = Math.min(entries, first + ROWS_PER_TRANSACTION);
      await db.exec('BEGIN');
      for (let start = first; start < last; start += ROWS_PER_STATEMENT) {
        const end = Math.min(last, start + ROWS_PER_STATEMENT);
        const params = [];
        for (let index = start; index < end; index++) {
          params.push(
            fullKey(prefix, namespace, sessionId(seed, index)),
            recordText(valueFor(index), expiresAt(index)),
          );
        }
        if (end - start === ROWS_PER_STATEMENT) await full.run(params);
        else {
          const partial = db.prepare(`INSERT INTO vessel (key, value) VALUES ${placeholders(end - start)}`);
          await partial.run(params);
          await partial.finalize();
        }
      }
      await db.exec('COMMIT');
    }
    await full.finalize();
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    await db.close();
  }
}

/** Checkpoints and truncates the WAL of `file`, so the main file can be copied on its own. */
export async function checkpointSqlite(file) {
  const db = await SqliteFile.open(file);
  try {
    const [result] = await db.all('PRAGMA wal_checkpoint(TRUNCATE)');
    if (result?.busy) throw new Error(`cannot checkpoint ${file}: a writer is still active`);
  } finally {
    await db.close();
  }
}

/**
 * Writes `entries` session records to Redis with `SET key value PX ttlMs`, pipelined.
 * `from` and `valueFor` as for `fillSqlite`.
 */
export async function fillRedis(
  url,
  {
    prefix,
    namespace,
    seed,
    entries,
    ttlMs,
    createdAt,
    from = 0,
    valueFor = (index) => sessionValue(seed, index, createdAt),
  },
) {
  const client = createClient({ url });
  client.on('error', () => {}); // failures surface through the commands
  await client.connect();
  try {
    for (let first = from; first < entries; first += REDIS_BATCH) {
      const pipeline = client.multi();
      for (let index = first; index < Math.min(entries, first + REDIS_BATCH); index++) {
        // Redis records carry no expiry of their own (`null`): Redis' PX TTL is the expiry.
        const value = recordText(valueFor(index), null);
        pipeline.set(fullKey(prefix, namespace, sessionId(seed, index)), value, {
          expiration: { type: 'PX', value: ttlMs },
        });
      }
      await pipeline.execAsPipeline();
    }
  } finally {
    await client.close();
  }
}

/** Deletes every Redis key starting with `prefix` (SCAN + UNLINK); returns how many. */
export async function deleteRedisPrefix(url, prefix) {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
      cursor = String(reply.cursor);
      if (reply.keys.length > 0) deleted += Number(await client.unlink(reply.keys));
    } while (cursor !== '0');
  } finally {
    await client.close();
  }
  return deleted;
}

/** The raw stored text of `key` and its TTL, read around Vessel. */
export async function readRaw(target, key) {
  if (target.type === 'sqlite') {
    const db = await SqliteFile.open(target.file);
    try {
      const [row] = await db.all('SELECT value, expires FROM vessel WHERE key = ?', key);
      return { text: row?.value, expiresAt: row?.expires ?? null };
    } finally {
      await db.close();
    }
  }
  const client = createClient({ url: target.url });
  client.on('error', () => {});
  await client.connect();
  try {
    return { text: await client.get(key), ttlMs: Number(await client.pTTL(key)) };
  } finally {
    await client.close();
  }
}

/**
 * Proves the bulk loader writes what Vessel writes: stores one session value through
 * `namespace.set` (namespace `bench-probe`, deleted afterwards) and compares the stored text
 * with `recordText` for the same value and expiry. Throws on any difference.
 */
export async function checkLayout(storage, target, { seed, createdAt }) {
  const probe = storage.namespace('bench-probe');
  const value = sessionValue(seed, 42, createdAt);
  await probe.set('layout', value, { ttlMs: 600_000 });
  try {
    const raw = await readRaw(target, fullKey(storage.prefix, 'bench-probe', 'layout'));
    const expected = target.type === 'sqlite' ? recordText(value, raw.expiresAt) : recordText(value, null);
    if (raw.text !== expected) {
      throw new Error(
        `bench loader and Vessel disagree on ${target.type} records:\n  vessel: ${raw.text}\n  bench:  ${expected}`,
      );
    }
    if (target.type === 'sqlite' && !(raw.expiresAt > Date.now()))
      throw new Error('sqlite: generated `expires` column not set');
    if (target.type === 'redis' && !(raw.ttlMs > 0)) throw new Error('redis: Vessel wrote no PX TTL');
    return Buffer.byteLength(expected);
  } finally {
    await probe.delete('layout');
  }
}

/** Reads a few loaded entries back through Vessel and checks they decode to what was written. */
export async function checkSample(namespace, { seed, entries, createdAt }) {
  const indexes = [0, Math.floor(entries / 3), Math.floor(entries / 2), entries - 1];
  for (const index of indexes) {
    const got = await namespace.get(sessionId(seed, index));
    if (!isDeepStrictEqual(got, sessionValue(seed, index, createdAt))) {
      throw new Error(`entry ${index} read back through Vessel as ${JSON.stringify(got)?.slice(0, 200)}`);
    }
  }
  return indexes.length;
}
