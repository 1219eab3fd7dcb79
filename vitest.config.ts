import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { defineConfig, type Plugin } from 'vitest/config';

const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/**
 * Vite's transformer does not lower standard (TC39) decorators, which Node 20 cannot run; test
 * files named `*.decorators.test.ts` go through TypeScript itself, as users' decorated code does.
 */
const standardDecorators: Plugin = {
  name: 'vessel-standard-decorators',
  enforce: 'pre',
  transform(code, id) {
    if (!id.endsWith('.decorators.test.ts')) return undefined;
    const { outputText, sourceMapText } = ts.transpileModule(code, {
      fileName: id,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        sourceMap: true,
        verbatimModuleSyntax: true,
      },
    });
    return { code: outputText, map: sourceMapText };
  },
};

export default defineConfig({
  plugins: [standardDecorators],
  resolve: {
    // Tests run against the TypeScript sources; the CLI tests spawn the built binary.
    alias: {
      '@vessel/core': source('core'),
      '@vessel/express': source('express'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test-support/test/*.test.ts', 'consumer/*.test.ts'],
    globalSetup: ['./test-support/global-setup.ts'],
    pool: 'forks',
    // A stray `.only` fails under CI instead of quietly running a fraction of the suite.
    allowOnly: !process.env.CI,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
