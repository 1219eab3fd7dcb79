import { availableParallelism } from 'node:os';
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
    // Most specific first: `@vessel/core/http` must not become `…/core/src/index.ts/http`.
    alias: [
      {
        find: '@vessel/core/http',
        replacement: fileURLToPath(new URL('./packages/core/src/http/index.ts', import.meta.url)),
      },
      { find: '@vessel/core', replacement: source('core') },
      { find: '@vessel/express', replacement: source('express') },
      { find: '@vessel/fastify', replacement: source('fastify') },
      { find: '@vessel/hono', replacement: source('hono') },
      { find: '@vessel/koa', replacement: source('koa') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test-support/test/*.test.ts', 'consumer/*.test.ts'],
    globalSetup: ['./test-support/global-setup.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on a 2-core CI machine, where
    // most suites wait on servers, sockets and child processes. Two halve the run (12 → 7.5 min).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A stray `.only` fails under CI instead of quietly running a fraction of the suite.
    allowOnly: !process.env.CI,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
