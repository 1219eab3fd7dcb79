/**
 * Redis floor without Vessel, in a process of its own: the same client library (`@redis/client`)
 * walking the keys with `SCAN MATCH <pattern> COUNT <count>`, and with `values` also fetching every
 * value with one pipelined `GET` per key (no TTL, no decoding). `redis-cli --scan` asks for
 * SCAN's default COUNT of 10, so this is the floor at Vessel's own page size.
 *   node bench/redis-scan-floor.mjs '{"url":"redis://127.0.0.1:6379","pattern":"p:session::*","count":1000,"values":true}'
 * Prints one JSON line like `storage/worker.mjs`.
 */
import { createClient } from '@redis/client';

const { url, pattern, count, values } = JSON.parse(process.argv[2] ?? '{}');
const client = createClient({ url });
client.on('error', () => {});
await client.connect();
try {
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const start = process.hrtime.bigint();
  let entries = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: pattern, COUNT: count });
    cursor = String(reply.cursor);
    if (values && reply.keys.length > 0) {
      const pipeline = client.multi();
      for (const key of reply.keys) pipeline.get(key);
      for (const value of await pipeline.execAsPipeline()) {
        if (value !== null) bytes += value.length;
      }
    }
    entries += reply.keys.length;
  } while (cursor !== '0');
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const peakRssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  process.stdout.write(`${JSON.stringify({ entries, bytes, seconds, rssBeforeMb, peakRssMb })}\n`);
} finally {
  await client.close();
}
