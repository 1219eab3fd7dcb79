/**
 * The typed `Variables` compile without casts: types/typed-app.ts goes through the TypeScript
 * compiler with the repository's settings (vitest itself only strips types), against the sources.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./types/typed-app.ts', import.meta.url));

function diagnosticsOf(file: string): string[] {
  const base = ts.parseConfigFileTextToJson('tsconfig.base.json', readFileSync(`${root}tsconfig.base.json`, 'utf8'));
  const { options } = ts.convertCompilerOptionsFromJson(base.config.compilerOptions, root);
  const program = ts.createProgram([file], {
    ...options,
    composite: false,
    declaration: false,
    declarationMap: false,
    noEmit: true,
    baseUrl: root,
    paths: {
      '@vessel/core/http': ['packages/core/src/http/index.ts'],
      '@vessel/core': ['packages/core/src/index.ts'],
      '@vessel/hono': ['packages/hono/src/index.ts'],
    },
  });
  const source = program.getSourceFile(file);
  // The fixture's own diagnostics: the sources it imports are checked by `tsc -b`, and checking
  // every file of core again would take most of a minute.
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ].map((diagnostic) =>
    ts.formatDiagnostic(diagnostic, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    }),
  );
}

describe('typed Variables', () => {
  it('type-check an eager, a lazy, a chained app and a Fetch handler with no cast, and catch the mistakes', () => {
    expect(diagnosticsOf(fixture)).toEqual([]);
  }, 120_000);
});
