#!/usr/bin/env node
/**
 * `npm run mutation [-- <group>… ] [--force] [--summary]`: runs StrykerJS over each group of the
 * mutation scope in turn (all of them by default), then prints each group's score and the score
 * of the whole scope from the JSON reports. Exits 1 when the scope scores under the goal.
 * `--summary` prints the scores of the last reports without running anything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { groupNames } from './group.mjs';

/** The score the scope must reach (issue 14): killed or timed out ÷ every valid mutant. */
const GOAL = 85;
/** Statuses that count for the score; compile and runtime errors and ignored mutants do not. */
const DETECTED = new Set(['Killed', 'Timeout']);

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flags = args.filter((arg) => arg.startsWith('--'));
const known = groupNames();
const asked = args.filter((arg) => !arg.startsWith('--'));
const unknown = asked.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`unknown mutation group ${unknown.join(', ')}; the groups are ${known.join(', ')}`);
  process.exit(2);
}
const groups = asked.length > 0 ? asked : known;

if (!flags.includes('--summary')) {
  const passOn = flags.filter((flag) => flag === '--force');
  for (const group of groups) {
    console.log(`\n=== mutation group ${group} ===`);
    const run = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', ...passOn], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, VESSEL_MUTATION_GROUP: group },
    });
    if (run.status !== 0) {
      console.error(`stryker failed on group ${group} (exit ${run.status ?? run.signal})`);
      process.exit(1);
    }
  }
}

/** Counts of one report's mutants by what happened to them. */
function countsOf(group) {
  const file = `${root}reports/mutation/${group}.json`;
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const counts = { detected: 0, survived: 0, noCoverage: 0 };
  for (const { mutants } of Object.values(report.files)) {
    for (const { status } of mutants) {
      if (DETECTED.has(status)) counts.detected += 1;
      else if (status === 'NoCoverage') counts.noCoverage += 1;
      else if (status === 'Survived') counts.survived += 1;
    }
  }
  return counts;
}

const score = ({ detected, survived, noCoverage }) => (100 * detected) / (detected + survived + noCoverage || 1);
const total = { detected: 0, survived: 0, noCoverage: 0 };
const rows = [];
for (const group of groups) {
  const counts = countsOf(group);
  if (!counts) {
    rows.push({ group, score: 'no report' });
    continue;
  }
  for (const key of Object.keys(total)) total[key] += counts[key];
  rows.push({ group, score: `${score(counts).toFixed(1)} %`, ...counts });
}
rows.push({ group: 'scope', score: `${score(total).toFixed(1)} %`, ...total });
console.table(rows);
if (score(total) < GOAL) {
  console.error(`mutation score ${score(total).toFixed(1)} % is under the goal of ${GOAL} %`);
  process.exit(1);
}
