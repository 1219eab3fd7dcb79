/**
 * One measured storage operation in a process of its own:
 *   node bench/storage/worker.mjs '{"storage":{…createStorage options…},"namespace":"session","operation":"scan","pageSize":1000}'
 * Prints one JSON line: entries handled, wall time of the operation alone (after connecting),
 * RSS before it and the process's peak RSS.
 */
import { createStorage } from '@vessel/core';

const OPERATIONS = {
  /** Every live entry, values decoded. */
  async scan(namespace, { pageSize }) {
    let entries = 0;
    let bytes = 0;
    let corrupt = 0;
    for await (const entry of namespace.scan({ pageSize })) {
      entries += 1;
      bytes += entry.size;
      if (entry.corrupt !== undefined || entry.value === undefined) corrupt += 1;
    }
    return { entries, bytes, corrupt };
  },
  /** Every live entry's key, expiry and size; values neither transferred (Redis) nor decoded. */
  async 'scan-keys'(namespace, { pageSize }) {
    let entries = 0;
    let bytes = 0;
    for await (const entry of namespace.scan({ pageSize, keysOnly: true })) {
      entries += 1;
      bytes += entry.size;
    }
    return { entries, bytes };
  },
  async count(namespace) {
    return { entries: await namespace.count() };
  },
  async sweep(namespace) {
    return { entries: await namespace.sweep() };
  },
};

const input = JSON.parse(process.argv[2] ?? '{}');
const operation = OPERATIONS[input.operation];
if (!operation)
  throw new Error(`unknown operation ${JSON.stringify(input.operation)}; one of ${Object.keys(OPERATIONS)}`);

const storage = createStorage(input.storage);
try {
  await storage.ping();
  const namespace = storage.namespace(input.namespace);
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const start = process.hrtime.bigint();
  const result = await operation(namespace, input);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const peakRssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  process.stdout.write(`${JSON.stringify({ ...result, seconds, rssBeforeMb, peakRssMb })}\n`);
} finally {
  await storage.close();
}
