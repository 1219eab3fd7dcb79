import { readdirSync } from 'node:fs';

/**
 * One part of the mutation scope: the modules StrykerJS mutates (files, or `file:from-to` line
 * ranges), the suites that cover them, and the tsconfig the TypeScript checker uses.
 * @typedef {{ tsconfig: string, mutate: string[], tests: string[], concurrency?: number }} MutationGroup
 */

/** Files in `mutation/` that are tooling, not groups. */
const TOOLING = new Set(['group.mjs', 'run.mjs']);

/** The groups, one file each in `mutation/` (every `*.mjs` but the tooling). */
export function groupNames() {
  return readdirSync(new URL('.', import.meta.url))
    .filter((name) => name.endsWith('.mjs') && !TOOLING.has(name))
    .map((name) => name.slice(0, -'.mjs'.length))
    .sort();
}

/** The group `VESSEL_MUTATION_GROUP` names; an unknown or missing name is an error that lists the groups. */
export async function selectedGroup() {
  const name = process.env.VESSEL_MUTATION_GROUP;
  const names = groupNames();
  if (!name || !names.includes(name)) {
    throw new Error(
      `VESSEL_MUTATION_GROUP must be one of ${names.join(', ')} (got ${JSON.stringify(name ?? '')}); run \`npm run mutation -- <group>\``,
    );
  }
  // By URL: vitest bundles its config (and this file) into node_modules/.vite-temp, where a
  // relative import would miss; `import.meta.url` keeps naming this folder.
  /** @type {MutationGroup} */
  const group = (await import(new URL(`./${name}.mjs`, import.meta.url).href)).default;
  return { name, ...group };
}
