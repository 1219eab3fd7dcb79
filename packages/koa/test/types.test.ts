/** `ctx.session` is typed for consumers: a TypeScript file using it compiles without casts. */

import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const source = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

describe('types', () => {
  it('ctx.session, ctx.loadSession() and ctx.cache compile under strict settings, and misuse does not', () => {
    const fixture = fileURLToPath(new URL('./fixtures/typed-context.ts', import.meta.url));
    const program = ts.createProgram([fixture], {
      strict: true,
      noEmit: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: ['node'],
      skipLibCheck: true,
      // The sources, as the tests run them (the packages' dist may be stale).
      paths: {
        '@vessel/koa': [source('koa/src/index.ts')],
        '@vessel/core': [source('core/src/index.ts')],
        '@vessel/core/http': [source('core/src/http/index.ts')],
      },
    });
    // The fixture's own diagnostics: checking every core source as well would take most of a minute.
    const file = program.getSourceFile(fixture);
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ];
    const messages = diagnostics.map((diagnostic) => {
      const where = diagnostic.file?.fileName.split('/packages/')[1] ?? '';
      const line =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
          : 0;
      return `${where}:${line} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  }, 120_000);
});
