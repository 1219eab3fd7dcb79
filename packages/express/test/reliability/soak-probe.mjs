// Preloaded into the demo by the soak suites (`node --expose-gc --import soak-probe.mjs main.mjs`):
// once a second it runs a full garbage collection and writes the live heap (bytes) as one line
// to VESSEL_SOAK_PROBE_FILE, a sharper leak signal than RSS, which the suites read from /proc as well.
// The file is opened once, so the probe holds one file descriptor for the whole run.
//
// VESSEL_SOAK_LEAK_BYTES=n makes the process leak one object of about n bytes per HTTP request. It
// exists to show that the suites catch a leak (`VESSEL_SOAK_LEAK_BYTES=200 npx vitest run …soak-sqlite`
// must fail); the suites never set it.
import { closeSync, openSync, writeSync } from 'node:fs';
import { Server } from 'node:http';

const file = process.env.VESSEL_SOAK_PROBE_FILE;
if (!file || typeof globalThis.gc !== 'function')
  throw new Error('soak-probe needs VESSEL_SOAK_PROBE_FILE and --expose-gc');
const fd = openSync(file, 'w');
const timer = setInterval(() => {
  globalThis.gc();
  writeSync(fd, `${process.memoryUsage().heapUsed}\n`);
}, 1000);
timer.unref();
process.once('exit', () => closeSync(fd));

const leakBytes = Number(process.env.VESSEL_SOAK_LEAK_BYTES ?? 0);
if (leakBytes > 0) {
  const leaked = [];
  const emit = Server.prototype.emit;
  Server.prototype.emit = function emitAndLeak(event, req, ...rest) {
    if (event === 'request') leaked.push({ url: req.url, at: Date.now(), pad: 'x'.repeat(leakBytes) });
    return emit.call(this, event, req, ...rest);
  };
}
