import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** The suites that cover the mutation scope of `stryker.config.mjs`, with the same setup as `npm test`. */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'packages/core/test/session/signing.test.ts',
      'packages/core/test/session/signing-edges.test.ts',
      'packages/core/test/session/constant-time.test.ts',
      'packages/core/test/session/hostile-cookies.test.ts',
      'packages/core/test/session/cookie-candidates.test.ts',
      'packages/core/test/session/no-cookie.test.ts',
      'packages/core/test/storage/conformance.test.ts',
      'packages/core/test/storage/keys.test.ts',
      'packages/express/test/options.test.ts',
      'packages/express/test/secrets.test.ts',
      'packages/express/test/several-cookies.test.ts',
      'packages/express/test/secret-rotation.test.ts',
      'packages/express/test/genid.test.ts',
      'packages/express/test/parsed-cookies.test.ts',
    ],
    reporters: ['default'],
  },
});
