/**
 * The ts-jest adapter of @catga/transformer: `astTransformers: { before: ['@catga/transformer/ts-jest'] }` in the
 * ts-jest options. ts-jest must type-check (a LanguageService program); in transpile mode (`isolatedModules`) there
 * is no program to analyse and the adapter says so instead of compiling the tests without the transformer.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as TS from 'typescript';
import { CatgaCode, type Finding } from './analysis/diagnostics.js';
import type { CatgaTransformerOptions, TypeScript } from './context.js';
import { createCatgaTransformer, resolveOptions } from './create-transformer.js';

/** The part of ts-jest's `TsCompilerInstance` the adapter reads. */
export interface TsJestCompiler {
  /** The LanguageService program; `undefined` in transpile mode. */
  readonly program: TS.Program | undefined;
  readonly configSet: {
    readonly compilerModule: TypeScript;
    readonly isolatedModules?: boolean;
    readonly parsedTsConfig?: { readonly options?: TS.CompilerOptions };
  };
}

/** The files whose content makes up the transformer: compiled JS in `dist`, TypeScript sources when run from `src`. */
const HASHED = /\.(?:[cm]?js|[cm]?ts)$/;
const NOT_HASHED = /\.d\.[cm]?ts$/;

/** A short hash of the transformer files under `dir` (paths and contents, in a stable order). */
export function hashDirectory(dir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && HASHED.test(entry.name) && !NOT_HASHED.test(entry.name)) files.push(path);
    }
  };
  walk(dir);
  for (const file of files.sort()) {
    hash.update(relative(dir, file).split('\\').join('/')).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * ts-jest's cache key holds `name-version` of every AST transformer: the package version alone would let a warm
 * cache serve output of an older transformer build, so the version carries the hash of the built files.
 */
export function transformerVersion(packageVersion: string, dir: string): string {
  return `${packageVersion}+${hashDirectory(dir)}`;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json sits next to dist/ and src/
const packageVersion = (require('../package.json') as { version: string }).version;

export const name = '@catga/transformer';
export const version: string = transformerVersion(packageVersion, __dirname);

function transpileModeError(cause: string): Error {
  return new Error(
    `${CatgaCode.configuration}: @catga/transformer/ts-jest got no type-checked program from ts-jest (${cause}). ` +
      'The Catga transformer reads types across files, so ts-jest must run with type-checking: remove ' +
      '"isolatedModules": true from the tsconfig ts-jest uses (and the deprecated ts-jest option isolatedModules). ' +
      'To keep transpile mode, drop the transformer from astTransformers, run `catga generate` and import the ' +
      'generated file from a Jest setup file instead.',
  );
}

/** `file:line:col CATGA001 message`, the format the thrown error lists findings in. */
export function formatFinding(finding: Finding): string {
  const file = finding.node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(finding.node.getStart(file));
  return `${file.fileName}:${line + 1}:${character + 1} ${finding.code} ${finding.message}`;
}

/**
 * The program that holds `file`: ts-jest sets `program` once, when it creates its LanguageService, and the service
 * makes a new program whenever a file changes, so the current one is asked for when the stored one is stale.
 */
function programOf(compiler: TsJestCompiler, file: TS.SourceFile): TS.Program | undefined {
  const stored = compiler.program;
  if (stored === undefined || stored.getSourceFile(file.fileName) === file) return stored;
  const service = (compiler as { readonly _languageService?: TS.LanguageService })._languageService;
  const current = service?.getProgram();
  return current !== undefined && current.getSourceFile(file.fileName) === file ? current : stored;
}

/** ts-jest's entry: a `before` transformer that compiles Catga classes and fails the file on Catga errors. */
export function factory(tsCompiler: TsJestCompiler, options?: CatgaTransformerOptions & Record<string, unknown>): TS.TransformerFactory<TS.SourceFile> {
  const ts = tsCompiler.configSet.compilerModule;
  if (tsCompiler.configSet.isolatedModules === true) throw transpileModeError('"isolatedModules" is true, so ts-jest transpiles each file alone');
  if (tsCompiler.program === undefined) throw transpileModeError('tsCompiler.program is undefined, which is what ts-jest does in transpile mode, e.g. with "isolatedModules": true');
  const resolved = resolveOptions(options);
  return (context) => (file) => {
    const program = programOf(tsCompiler, file);
    if (program === undefined) throw transpileModeError('tsCompiler.program is undefined');
    const findings: Finding[] = [];
    const output = createCatgaTransformer(ts, program, resolved, (finding) => findings.push(finding))(context)(file);
    const errors = findings.filter((finding) => finding.severity === 'error');
    if (errors.length > 0) {
      throw new Error(`@catga/transformer: ${errors.length} error(s) in ${file.fileName}:\n${errors.map((e) => `  ${formatFinding(e)}`).join('\n')}`);
    }
    for (const warning of findings.filter((finding) => finding.severity === 'warning')) process.emitWarning(formatFinding(warning), 'CatgaWarning');
    return output;
  };
}
