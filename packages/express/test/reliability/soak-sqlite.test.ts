/** Suite 6 on SQLite: the demo's default storage, under `./data` in a temp working folder. */
import { it } from 'vitest';
import { DURATION_S, soakDemo } from './soak.js';

it(
  `the demo on sqlite: ${DURATION_S} s of mixed traffic at a fixed rate, 0 errors, flat memory and descriptors`,
  async () => {
    await soakDemo('sqlite', {});
  },
  (DURATION_S + 60) * 1000,
);
