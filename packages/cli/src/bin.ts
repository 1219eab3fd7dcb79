#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// Streaming a million sessions keeps a page or two alive across every young-generation GC, and
// V8 answers that by doubling the young generation up to 3 × 16 MB of mostly garbage: RSS then
// follows the store's size (150–200 MB at 200k–1M sessions). Kept at its initial size the peak
// stays near 115 MB at any size, for 10–25% more CPU on full listings (docs/benchmarks.md).
// Set before the commands load: importing the storage clients alone would grow it to 8 MB.
setFlagsFromString('--semi-space-growth-factor=1');
const { main } = await import('./main.js');

// `session-inspect list --ndjson | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
