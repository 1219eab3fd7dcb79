#!/usr/bin/env node
// The command's entry point, committed rather than built so that npm links `session-inspect`
// on the first `npm install` of a fresh clone, before anything is compiled. A published
// package always carries dist/; a checkout that has not been built yet is told how to fix it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  process.stderr.write(
    `session-inspect: ${fileURLToPath(built)} is missing: this checkout of Vessel is not built yet.\n` +
      'Run `npm run build` in the repository (npm install does it too), then run the command again.\n',
  );
  process.exitCode = 1;
}
