import { join } from 'node:path';
import ts from 'typescript';

// Type-level tests: compile test/types/*.ts with the real compiler. Each `@ts-expect-error` must match an error
// (TS2578 "Unused @ts-expect-error" otherwise), and no other diagnostic may appear.
function diagnosticsOf(file: string, options: ts.CompilerOptions): string[] {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: join(__dirname, '..'),
    paths: { '@catga/runtime': ['src/index.ts'] },
    ...options,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const name = d.file ? d.file.fileName.split('/').slice(-2).join('/') : '';
    return `${name}:${where ? where.line + 1 : '?'} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('type-level API (tsc over test/types)', () => {
  const file = join(__dirname, 'types', 'send-types.ts');

  it('rejects every wrong use and accepts every right one (TC39 decorators)', () => {
    expect(diagnosticsOf(file, {})).toEqual([]);
  });

  it('gives the same verdicts under experimentalDecorators', () => {
    expect(diagnosticsOf(file, { experimentalDecorators: true })).toEqual([]);
  });

  it('really reports an error when an expectation is removed (the check can fail)', () => {
    const probe = join(__dirname, 'types', 'probe.fixture.ts');
    const diagnostics = diagnosticsOf(probe, {});
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain('TS2345');
  });
});
