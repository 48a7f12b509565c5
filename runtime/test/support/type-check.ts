import { join } from 'node:path';
import ts from 'typescript';

const RUNTIME_DIR = join(__dirname, '..', '..');

/**
 * Type-checks `fileName` (whose text may be given in memory) against the runtime's source, as a user's project
 * would see it, and returns each diagnostic as `file:line TSxxxx: message`.
 */
export function typeCheck(fileName: string, options: ts.CompilerOptions = {}, text?: string): string[] {
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: RUNTIME_DIR,
    paths: { '@catga/runtime': ['src/index.ts'] },
    ...options,
  };
  const host = ts.createCompilerHost(compilerOptions);
  if (text !== undefined) {
    const { readFile, fileExists, getSourceFile } = host;
    host.readFile = (name) => (name === fileName ? text : readFile.call(host, name));
    host.fileExists = (name) => name === fileName || fileExists.call(host, name);
    host.getSourceFile = (name, version, ...rest) =>
      name === fileName ? ts.createSourceFile(name, text, version) : getSourceFile.call(host, name, version, ...rest);
  }
  const program = ts.createProgram([fileName], compilerOptions, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const name = d.file ? d.file.fileName.split('/').slice(-2).join('/') : '';
    return `${name}:${line} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}
