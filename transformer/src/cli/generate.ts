import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as TS from 'typescript';
import { analyzeProgram } from '../analysis/analyze-program.js';
import { CatgaCode, type CatgaCodeValue, type Finding } from '../analysis/diagnostics.js';
import type { ClassRef } from '../analysis/model.js';
import type { TypeScript } from '../context.js';
import { analysisContext, resolveOptions } from '../create-transformer.js';
import { writeContract, writeHandler } from '../emit/contract-programmer.js';
import { writePipeline } from '../emit/pipeline-programmer.js';
import { relativeSpecifier, userImportOf } from '../emit/module-refs.js';

// `catga generate`: the analysis and the code writers of the ts-patch plugin, writing ONE TypeScript file that the
// user imports at startup, for toolchains that cannot run a TypeScript transformer (tsx, esbuild, Vite/Vitest, SWC,
// Bun, Node type stripping, TypeScript 7).

/** The name of the generated file when `--out` is not given, in `rootDir` (else `src`, else the project dir). */
export const DEFAULT_OUT_NAME = 'catga.generated.ts';
const RUNTIME_MODULE = '@catga/runtime';
const RESERVED = new Set(['__catga', 'catgaRegistry']);

/** Where output goes; the CLI passes the process streams, tests collect lines. */
export interface CliIo {
  readonly cwd: string;
  out(line: string): void;
  err(line: string): void;
}

export interface GenerateOptions {
  /** tsconfig.json, or the directory holding it; relative to `io.cwd`. */
  readonly project: string;
  /** The file to write, relative to `io.cwd`; default `<rootDir or src>/catga.generated.ts`. */
  readonly out?: string | undefined;
}

/** A problem the CLI prints (`file:line:col - error CATGA001: ...`). */
export interface Problem {
  readonly severity: 'error' | 'warning';
  /** `CATGA001`, `TS5023`, ... */
  readonly code: string;
  readonly message: string;
  readonly fileName?: string | undefined;
  /** 0-based. */
  readonly line?: number | undefined;
  /** 0-based. */
  readonly column?: number | undefined;
}

/** A usage or set-up error: printed as it is, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The outcome of generating from one program. */
export interface Generation {
  readonly problems: readonly Problem[];
  /** The file content; `undefined` when there are errors. */
  readonly content: string | undefined;
  readonly messages: number;
  readonly handlers: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Set-up: which typescript, which tsconfig.

/**
 * The host project's `typescript` (resolved from the project directory), else the one next to the transformer.
 * A TypeScript without the compiler API (TypeScript 7 exports only `version`) is skipped with a note.
 */
export function loadTypeScript(projectDir: string, note: (line: string) => void = () => undefined): { ts: TypeScript; path: string } {
  let hostPath: string | undefined;
  try {
    hostPath = createRequire(join(projectDir, 'package.json')).resolve('typescript');
  } catch {
    hostPath = undefined;
  }
  if (hostPath !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the host's compiler, chosen at run time
    const hostTs = require(hostPath) as TypeScript;
    if (typeof hostTs.createProgram === 'function') return { ts: hostTs, path: hostPath };
    note(`catga generate: ${hostPath} (TypeScript ${String(hostTs.version)}) has no compiler API; using the TypeScript @catga/transformer depends on.`);
  }
  const ownPath = require.resolve('typescript');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the transformer's own peer dependency
  const ownTs = require(ownPath) as TypeScript;
  if (typeof ownTs.createProgram !== 'function') {
    throw new CliError(`catga generate: no TypeScript with a compiler API found (tried ${hostPath ?? projectDir} and ${ownPath}); install typescript >=5.5 <7 next to the project.`);
  }
  return { ts: ownTs, path: ownPath };
}

/** The tsconfig path of `-p` (a file, or a directory holding tsconfig.json). */
export function resolveConfigPath(project: string, cwd: string): string {
  const path = resolve(cwd, project);
  if (!existsSync(path)) throw new CliError(`catga generate: cannot find ${project} (resolved to ${path}).`);
  if (statSync(path).isDirectory()) {
    const inside = join(path, 'tsconfig.json');
    if (!existsSync(inside)) throw new CliError(`catga generate: ${project} is a directory without a tsconfig.json.`);
    return inside;
  }
  return path;
}

/** Parses the tsconfig (extends, references, include) the way tsc does; config errors become problems. */
export function parseConfig(ts: TypeScript, configPath: string): { parsed: TS.ParsedCommandLine | undefined; problems: Problem[] } {
  const problems: Problem[] = [];
  const host: TS.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => problems.push(diagnosticProblem(ts, diagnostic)),
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, host);
  for (const diagnostic of parsed?.errors ?? []) problems.push(diagnosticProblem(ts, diagnostic));
  return { parsed, problems };
}

/** `<rootDir>/catga.generated.ts`, else `<project>/src/...` when there is a src directory, else `<project>/...`. */
export function defaultOutFile(options: TS.CompilerOptions, configDir: string): string {
  if (typeof options.rootDir === 'string') return join(resolve(configDir, options.rootDir), DEFAULT_OUT_NAME);
  const src = join(configDir, 'src');
  return join(existsSync(src) && statSync(src).isDirectory() ? src : configDir, DEFAULT_OUT_NAME);
}

/** A program over the parsed tsconfig, with every JSDoc comment parsed (the validators read `@minLength` & co.). */
export function createProgram(ts: TypeScript, parsed: TS.ParsedCommandLine): TS.Program {
  const host = ts.createCompilerHost(parsed.options, true);
  if (ts.JSDocParsingMode !== undefined) host.jsDocParsingMode = ts.JSDocParsingMode.ParseAll;
  return ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    host,
    configFileParsingDiagnostics: parsed.errors,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Problems.

export function diagnosticProblem(ts: TypeScript, diagnostic: TS.Diagnostic): Problem {
  const category = diagnostic.category === ts.DiagnosticCategory.Error ? 'error' : 'warning';
  const base = { severity: category, code: `TS${diagnostic.code}`, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') } as const;
  if (diagnostic.file === undefined || diagnostic.start === undefined) return base;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { ...base, fileName: diagnostic.file.fileName, line, column: character };
}

export function findingProblem(finding: Finding): Problem {
  const file = finding.node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(finding.node.getStart(file));
  return { severity: finding.severity, code: finding.code, message: finding.message, fileName: file.fileName, line, column: character };
}

function nodeProblem(code: CatgaCodeValue, node: TS.Node, message: string): Problem {
  return findingProblem({ code, node, message, severity: 'error' });
}

/** `src/x.ts:3:14 - error CATGA001: ...`, the path relative to `cwd`, line and column 1-based (tsc's format). */
export function formatProblem(problem: Problem, cwd: string): string {
  const where =
    problem.fileName === undefined
      ? ''
      : `${displayPath(problem.fileName, cwd)}${problem.line === undefined ? '' : `:${problem.line + 1}:${(problem.column ?? 0) + 1}`} - `;
  return `${where}${problem.severity} ${problem.code}: ${problem.message}`;
}

export function displayPath(fileName: string, cwd: string): string {
  const path = relative(cwd, fileName);
  return (path === '' || path.startsWith('..') || isAbsolute(path) ? fileName : path).split('\\').join('/');
}

// ---------------------------------------------------------------------------------------------------------------
// The generated file.

/**
 * Whether relative imports in the generated file name the emitted `.js` file: required by Node16/NodeNext
 * resolution and by ES modules run as they are; left out under `bundler` and `node10` resolution.
 */
export function usesJsExtensions(ts: TypeScript, options: TS.CompilerOptions): boolean {
  const R = ts.ModuleResolutionKind;
  const M = ts.ModuleKind;
  const resolution = options.moduleResolution;
  if (resolution === R.Node16 || resolution === R.NodeNext) return true;
  if (resolution !== undefined) return false;
  const module = options.module ?? ((options.target ?? ts.ScriptTarget.ES5) >= ts.ScriptTarget.ES2015 ? M.ES2015 : M.CommonJS);
  if (module === M.Node16 || module === M.NodeNext || (module >= M.Node16 && module <= M.NodeNext)) return true;
  return module === M.ES2015 || module === M.ES2020 || module === M.ES2022 || module === M.ESNext;
}

function withExtensionStyle(specifier: string, jsExtensions: boolean): string {
  return jsExtensions ? specifier : specifier.replace(/\.js$/, '');
}

interface ImportedClass {
  readonly specifier: string;
  /** `default` for a default export. */
  readonly exportName: string;
  local: string;
}

/** How the module declaring `target` exports it: by name, as default, or not at all (or not at module level). */
function exportNameOf(ts: TypeScript, target: ClassRef): string | undefined {
  const declaration = target.declaration;
  if (declaration.parent !== declaration.getSourceFile()) return undefined;
  const flags = ts.getCombinedModifierFlags(declaration);
  if ((flags & ts.ModifierFlags.Export) === 0) return undefined;
  return (flags & ts.ModifierFlags.Default) !== 0 ? 'default' : target.name;
}

/** Everything `generateFile` needs besides the program. */
export interface GenerateFileOptions {
  /** Absolute path of the file to write. */
  readonly outFile: string;
  /** The tsconfig the program came from (for the header's regenerate command). */
  readonly configPath: string;
  /** Whether `--out` was given (the regenerate command repeats it). */
  readonly explicitOut: boolean;
  /** The transformer's version, for the header. */
  readonly version: string;
}

/**
 * Analyses the program and writes the generated file's text: one import of the runtime, named imports of every
 * message and handler class, `defineContract` / `defineHandler` blocks typed for `strict`, and `catgaRegistry`.
 * Errors (the analysis findings and classes the file cannot import) leave `content` undefined.
 */
export function generateFile(ts: TypeScript, program: TS.Program, options: GenerateFileOptions): Generation {
  const pluginOptions = program.getCompilerOptions()['plugins'];
  const pluginEntry = Array.isArray(pluginOptions)
    ? (pluginOptions as unknown as Record<string, unknown>[]).find((p) => typeof p['transform'] === 'string' && p['transform'].startsWith('@catga/transformer'))
    : undefined;
  const ctx = analysisContext(ts, program, resolveOptions(pluginEntry));
  const model = analyzeProgram(ctx);
  const problems: Problem[] = model.findings.map(findingProblem);
  const jsExtensions = usesJsExtensions(ts, program.getCompilerOptions());
  const { outFile } = options;

  const imports = new Map<string, ImportedClass>(); // by `${fileName}#${exportName}`
  const taken = new Set(RESERVED);
  const unexported = new Set<TS.ClassDeclaration>();
  const localOf = (target: ClassRef, via: TS.SourceFile | undefined, role: string): string | undefined => {
    let specifier: string;
    let exportName: string | undefined;
    const file = target.declaration.getSourceFile();
    if (file.isDeclarationFile || program.isSourceFileFromExternalLibrary(file)) {
      // A class from a referenced project or a package: import it the way the user's file does.
      const used = via === undefined ? undefined : userImportOf(ts, ctx.checker, via, target);
      if (used !== undefined && via !== undefined) {
        exportName = used.exportName;
        specifier = used.specifier.startsWith('.') ? relativeImport(outFile, resolve(dirname(via.fileName), used.specifier)) : used.specifier;
      } else {
        exportName = exportNameOf(ts, target);
        specifier = withExtensionStyle(relativeSpecifier(outFile, file.fileName), jsExtensions);
      }
    } else {
      exportName = exportNameOf(ts, target);
      specifier = withExtensionStyle(relativeSpecifier(outFile, file.fileName), jsExtensions);
    }
    if (exportName === undefined) {
      // Once per class, though a message can be reached both as a message and as a handler's message.
      if (unexported.has(target.declaration)) return undefined;
      unexported.add(target.declaration);
      problems.push(
        nodeProblem(
          CatgaCode.configuration,
          target.declaration.name ?? target.declaration,
          `${role} ${target.name} is not exported from its module, so catga generate cannot import it into ${displayPath(outFile, ctx.baseDir)}. Export the class (export class ${target.name} ...).`,
        ),
      );
      return undefined;
    }
    const key = `${file.fileName}#${exportName}`;
    const existing = imports.get(key);
    if (existing !== undefined) return existing.local;
    let local = target.name;
    for (let n = 2; taken.has(local); n++) local = `${target.name}_${n}`;
    taken.add(local);
    imports.set(key, { specifier, exportName, local });
    return local;
  };

  const blocks: string[] = [];
  const registryMessages: string[] = [];
  const registryHandlers: string[] = [];
  for (const message of model.messages) {
    const local = localOf(message.ref, undefined, message.kind === 'command' ? 'Command' : message.kind === 'query' ? 'Query' : 'Event');
    if (local === undefined) continue;
    blocks.push(writeContract(message, local, true));
    registryMessages.push(local);
  }
  for (const handler of model.handlers) {
    const handlerLocal = localOf(handler.ref, undefined, 'Handler');
    const messageLocal = localOf(handler.message, handler.ref.declaration.getSourceFile(), handler.messageKind === 'event' ? 'Event' : handler.messageKind === 'query' ? 'Query' : 'Command');
    if (handlerLocal === undefined || messageLocal === undefined) continue;
    if (ctx.options.compilePipelines) blocks.push(writePipeline(handlerLocal, handler.message.name, true));
    blocks.push(writeHandler(handler, handlerLocal, messageLocal, true, false, ctx.options.compilePipelines));
    registryHandlers.push(handlerLocal);
  }

  const counts = { messages: model.messages.length, handlers: model.handlers.length };
  if (problems.some((p) => p.severity === 'error')) return { problems, content: undefined, ...counts };
  return { problems, content: renderFile(options, ctx.baseDir, imports, blocks, registryMessages, registryHandlers), ...counts };
}

/** A relative specifier to a module the user named by a relative specifier (kept as they wrote its extension). */
function relativeImport(fromFile: string, target: string): string {
  const path = relative(dirname(fromFile), target).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

function renderFile(
  options: GenerateFileOptions,
  baseDir: string,
  imports: ReadonlyMap<string, ImportedClass>,
  blocks: readonly string[],
  messages: readonly string[],
  handlers: readonly string[],
): string {
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const project = displayPath(options.configPath, baseDir);
  const command = `npx catga generate -p ${project}${options.explicitOut ? ` --out ${displayPath(options.outFile, baseDir)}` : ''}`;
  const lines = [
    `// Generated by catga generate (@catga/transformer ${options.version}) from ${project}. DO NOT EDIT: it is rewritten.`,
    `// Regenerate, in the directory of ${project}: ${command}`,
    '// The message contracts, validators and handler executors @catga/transformer compiles in, for toolchains that',
    '// cannot run TypeScript transformers (tsx, esbuild, Vite/Vitest, SWC, Bun, TypeScript 7). Import this file once,',
    '// at startup, before building a Catga instance; do not combine it with the ts-patch plugin on the same classes.',
    // Generated code: lint findings in a file nobody edits (regenerated on every build) would only be noise.
    '/* eslint-disable */',
    `import * as __catga from ${q(RUNTIME_MODULE)};`,
  ];
  const bySpecifier = new Map<string, ImportedClass[]>();
  for (const entry of imports.values()) bySpecifier.set(entry.specifier, [...(bySpecifier.get(entry.specifier) ?? []), entry]);
  for (const [specifier, entries] of bySpecifier) {
    const defaults = entries.filter((e) => e.exportName === 'default');
    const named = entries.filter((e) => e.exportName !== 'default').map((e) => (e.exportName === e.local ? e.local : `${e.exportName} as ${e.local}`));
    const clause = [...defaults.map((e) => e.local).slice(0, 1), ...(named.length > 0 ? [`{ ${named.join(', ')} }`] : [])].join(', ');
    lines.push(`import ${clause} from ${q(specifier)};`);
  }
  for (const block of blocks) lines.push('', block);
  lines.push(
    '',
    '/** Every message and handler class this file compiled. */',
    'export const catgaRegistry = {',
    `    messages: [${messages.join(', ')}],`,
    `    handlers: [${handlers.join(', ')}],`,
    '} as const;',
    '',
  );
  return lines.join('\n');
}

/** Writes `content` unless the file already holds it; `true` when written. */
export function writeIfChanged(file: string, content: string): boolean {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// The command.

export function transformerVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json sits next to dist/ and src/
  return (require('../../package.json') as { version: string }).version;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Prints the problems; returns whether one is an error. */
export function reportProblems(problems: readonly Problem[], io: CliIo): boolean {
  for (const problem of problems) (problem.severity === 'error' ? io.err : io.out)(formatProblem(problem, io.cwd));
  return problems.some((p) => p.severity === 'error');
}

/** Generates from one program and writes the file; the summary line; `false` on errors. */
export function generateAndWrite(ts: TypeScript, program: TS.Program, file: Omit<GenerateFileOptions, 'version'>, io: CliIo, startedAt: number): boolean {
  const generation = generateFile(ts, program, { ...file, version: transformerVersion() });
  const failed = reportProblems(generation.problems, io);
  const target = displayPath(file.outFile, io.cwd);
  const ms = Math.round(performance.now() - startedAt);
  if (failed || generation.content === undefined) {
    const errors = generation.problems.filter((p) => p.severity === 'error').length;
    io.err(`catga generate: ${plural(errors, 'error')}; ${target} not written (${ms} ms).`);
    return false;
  }
  const written = writeIfChanged(file.outFile, generation.content);
  io.out(`catga generate: ${plural(generation.messages, 'message')}, ${plural(generation.handlers, 'handler')} -> ${target}${written ? '' : ' (unchanged)'} (${ms} ms)`);
  return true;
}

/** `catga generate` once: exit code 0 (written or up to date) or 1 (errors; nothing written). */
export function runGenerate(options: GenerateOptions, io: CliIo): number {
  const startedAt = performance.now();
  const configPath = resolveConfigPath(options.project, io.cwd);
  const { ts } = loadTypeScript(dirname(configPath), io.err);
  const { parsed, problems } = parseConfig(ts, configPath);
  if (reportProblems(problems, io) || parsed === undefined) {
    io.err(`catga generate: ${displayPath(configPath, io.cwd)} has errors; nothing written.`);
    return 1;
  }
  const outFile = options.out === undefined ? defaultOutFile(parsed.options, dirname(configPath)) : resolve(io.cwd, options.out);
  const program = createProgram(ts, parsed);
  return generateAndWrite(ts, program, { outFile, configPath, explicitOut: options.out !== undefined }, io, startedAt) ? 0 : 1;
}
