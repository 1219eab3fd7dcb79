import { defineConfig } from 'vitest/config';
import { selectedGroup } from './mutation/group.mjs';
import base from './vitest.config.js';

const group = await selectedGroup();

/** The suites that cover one mutation group (`VESSEL_MUTATION_GROUP`), with the same setup as `npm test`. */
export default defineConfig({
  ...base,
  test: { ...base.test, include: group.tests, reporters: ['default'] },
});
