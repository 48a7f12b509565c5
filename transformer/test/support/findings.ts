import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { toDiagnostic, type Finding } from '../../src/analysis/diagnostics.js';
import { createCatgaTransformer, resolveOptions } from '../../src/create-transformer.js';
import type { CatgaTransformerOptions } from '../../src/context.js';
import { fixturesDir } from './toolchains.js';

// The fast path of the diagnostics tests: the transformer from source, in process. A program over one fixture,
// emitted (in memory) with the transformer as a `before` transformer, collecting what it reports.

/** One reported problem, located the way `tsc` prints it (1-based line and column, path relative to the fixture). */
export interface Located {
  readonly code: string;
  readonly category: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source text the diagnostic spans (its first line). */
  readonly text: string;
  /** The message without the leading `CATGAnnn: `. */
  readonly message: string;
}

export interface FixtureCompile {
  /** The transformer's findings, in report order. */
  readonly findings: Located[];
  /** TypeScript's own diagnostics (syntactic, semantic, options), printed like tsc without colours. */
  readonly typeErrors: string[];
  /** What the emit produced, by file path relative to the fixture (nothing is written to disk). */
  readonly emitted: Map<string, string>;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  types: [],
  rootDir: '.',
  outDir: 'out',
  newLine: ts.NewLineKind.LineFeed,
};

// Library and runtime declaration files are the same for every fixture: parse them once.
const sharedSourceFiles = new Map<string, ts.SourceFile | undefined>();

function createHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName.startsWith(fixturesDir)) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    const key = `${fileName}\0${typeof languageVersion === 'object' ? `${languageVersion.languageVersion}/${languageVersion.impliedNodeFormat}` : languageVersion}`;
    if (!sharedSourceFiles.has(key)) sharedSourceFiles.set(key, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return sharedSourceFiles.get(key);
  };
  return host;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))
    .sort();
}

/** The directory of a fixture under test/fixtures (`diagnostics/catga001-no-handler`, `golden/basics`). */
export function fixtureDir(fixture: string): string {
  return join(fixturesDir, fixture);
}

/**
 * Compiles a fixture's `.ts` files with the transformer (from `src/`, the plugin options as in tsconfig) and returns
 * its findings and TypeScript's own diagnostics.
 */
export function compileFixture(fixture: string, pluginOptions: CatgaTransformerOptions & Record<string, unknown> = {}, extraOptions: ts.CompilerOptions = {}): FixtureCompile {
  const dir = fixtureDir(fixture);
  const options: ts.CompilerOptions = { ...COMPILER_OPTIONS, ...extraOptions, rootDir: dir, outDir: join(dir, 'out'), configFilePath: join(dir, 'tsconfig.json') };
  const program = ts.createProgram({ rootNames: filesUnder(dir), options, host: createHost(options) });
  const reported: Finding[] = [];
  const emitted = new Map<string, string>();
  const result = program.emit(
    undefined,
    (fileName, text) => emitted.set(relative(options.outDir!, fileName).split('\\').join('/'), text),
    undefined,
    false,
    { before: [createCatgaTransformer(ts, program, resolveOptions(pluginOptions), (finding) => reported.push(finding))] },
  );
  const typeErrors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return `TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${relative(dir, d.file.fileName)}(${line + 1},${character + 1}): TS${d.code}: ${text}`;
  });
  return { findings: reported.map((finding) => locate(dir, finding)), typeErrors, emitted };
}

function locate(dir: string, finding: Finding): Located {
  const diagnostic = toDiagnostic(ts, finding);
  const file = diagnostic.file!;
  const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start!);
  const messageText = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!messageText.startsWith(`${finding.code}: `)) throw new Error(`diagnostic text does not lead with its code: ${messageText}`);
  return {
    code: finding.code,
    category: diagnostic.category === ts.DiagnosticCategory.Error ? 'error' : 'warning',
    file: relative(dir, file.fileName).split('\\').join('/'),
    line: line + 1,
    column: character + 1,
    text: file.text.slice(diagnostic.start!, diagnostic.start! + diagnostic.length!).split('\n')[0]!,
    message: messageText.slice(finding.code.length + 2),
  };
}
