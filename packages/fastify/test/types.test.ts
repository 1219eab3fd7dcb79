/**
 * The package's types as an app sees them: `typed-session.test.ts` (declared session keys as
 * properties, the decorators, no casts, `@ts-expect-error` where a mistake must not compile)
 * goes through `tsc` against this package's sources and core's built declarations.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const project = fileURLToPath(new URL('./tsconfig.typed.json', import.meta.url));
const coreTypes = fileURLToPath(new URL('../../core/dist/index.d.ts', import.meta.url));
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

it('an app typing request.session compiles without casts, and its mistakes do not', async () => {
  expect(existsSync(coreTypes), '@vessel/core is not built: run `npm run build` (or `npx tsc -b packages/core`)').toBe(
    true,
  );
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [tsc, '-p', project], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
});
