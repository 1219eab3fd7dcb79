import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Checks the fuzz suites make after a run: nothing was written where it does not belong, on
 * disk or in a store's key space.
 */

/** Every file and folder under `dir`, as paths relative to it (folders end in `/`), sorted. */
export async function treeOf(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        found.push(`${child}/`);
        await walk(child);
      } else {
        found.push(child);
      }
    }
  };
  await walk('');
  return found.sort();
}

/** Paths in `after` that were not in `before` and are not inside `allowed` (relative folders). */
export function newPathsOutside(before: readonly string[], after: readonly string[], allowed: readonly string[]) {
  const old = new Set(before);
  const inside = (entry: string) => allowed.some((folder) => entry === `${folder}/` || entry.startsWith(`${folder}/`));
  return after.filter((entry) => !old.has(entry) && !inside(entry));
}

/** Files the file backend may hold under `cacheDir`: entries at `<namespace>/ab/cd/<sha256>.json`, lock files. */
const FILE_BACKEND_LAYOUT = [
  /^[A-Za-z0-9][A-Za-z0-9_.+-]*\/$/,
  /^[A-Za-z0-9][A-Za-z0-9_.+-]*\/[0-9a-f]{2}\/$/,
  /^[A-Za-z0-9][A-Za-z0-9_.+-]*\/[0-9a-f]{2}\/[0-9a-f]{2}\/$/,
  /^[A-Za-z0-9][A-Za-z0-9_.+-]*\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.json$/,
  /^lock\/$/,
  /^lock\/[0-9a-f]{64}\.lock$/,
];

/** Paths of a file backend's `cacheDir` tree that are not hashed entry paths or lock files. */
export function unhashedPaths(tree: readonly string[]): string[] {
  return tree.filter((entry) => !FILE_BACKEND_LAYOUT.some((pattern) => pattern.test(entry)));
}

/**
 * Raw keys that are not `<prefix>:<namespace>::<id>` for one of `namespaces` with an id that
 * `idPattern` accepts (locks live under `<prefix>:__lock__:<namespace>::<id>`).
 */
export function keysOutside(
  keys: readonly string[],
  prefix: string,
  namespaces: readonly string[],
  idPattern: RegExp,
): string[] {
  return keys.filter((key) => {
    for (const namespace of namespaces) {
      for (const start of [`${prefix}:${namespace}::`, `${prefix}:__lock__:${namespace}::`]) {
        if (key.startsWith(start) && idPattern.test(key.slice(start.length))) return false;
      }
    }
    return true;
  });
}
