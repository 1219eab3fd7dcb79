#!/usr/bin/env node
// Run by each package's `prepack` (in the package's folder): removes from dist/ what no source
// file builds any more. `tsc -b` never deletes the output of a source that was removed or
// renamed, and npm would publish it with a source map pointing at nothing. Only stale files go,
// so a build in use (tests importing dist/) is left alone.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;

async function exists(file) {
  return stat(file).then(
    () => true,
    () => false,
  );
}

const dist = path.resolve('dist');
const src = path.resolve('src');
let removed = 0;
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true }).catch(() => [])) {
  if (!entry.isFile() || !OUTPUT.test(entry.name)) continue;
  const file = path.join(entry.parentPath ?? entry.path, entry.name);
  const source = path.join(src, path.relative(dist, file)).replace(OUTPUT, '.ts');
  if (!(await exists(source))) {
    await rm(file);
    removed++;
  }
}
if (removed > 0) process.stderr.write(`prune-stale-dist: removed ${removed} stale file(s) from ${dist}\n`);
