import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as TS from 'typescript';
import type { TypeScript } from '../context.js';
import { type CliIo, defaultOutFile, diagnosticProblem, displayPath, generateAndWrite, type GenerateOptions, loadTypeScript, reportProblems, resolveConfigPath } from './generate.js';

/** A running `catga generate --watch`. */
export interface GenerateWatch {
  close(): void;
}

// TypeScript's watch statuses worth repeating (the others, such as "Found 0 errors", describe a build we don't run).
const FILE_CHANGE_DETECTED = 6032;

/**
 * `catga generate --watch`: a TypeScript watch program over the tsconfig (so it follows edits, added and removed
 * files, tsconfig changes) that regenerates the file after every new program. Errors are printed and never end it.
 * The generated file itself is not watched, so writing it never triggers another round.
 */
export function watchGenerate(options: GenerateOptions, io: CliIo): GenerateWatch {
  const configPath = resolveConfigPath(options.project, io.cwd);
  const { ts } = loadTypeScript(dirname(configPath), io.err);
  const explicitOut = options.out === undefined ? undefined : resolve(io.cwd, options.out);
  const ignored = new Set<string>(explicitOut === undefined ? [] : [explicitOut]);
  const isIgnored = (fileName: string): boolean => ignored.has(resolve(fileName));
  let startedAt = performance.now();

  const system: TS.System = {
    ...ts.sys,
    watchFile: (path, callback, interval, watchOptions) =>
      ts.sys.watchFile!(path, (fileName, kind, modified) => (isIgnored(fileName) ? undefined : callback(fileName, kind, modified)), interval, watchOptions),
    watchDirectory: (path, callback, recursive, watchOptions) =>
      ts.sys.watchDirectory!(path, (fileName) => (isIgnored(fileName) ? undefined : callback(fileName)), recursive, watchOptions),
  };
  const reportDiagnostic = (diagnostic: TS.Diagnostic): void => void reportProblems([diagnosticProblem(ts, diagnostic)], io);
  const reportStatus = (diagnostic: TS.Diagnostic): void => {
    if (diagnostic.code === FILE_CHANGE_DETECTED) {
      startedAt = performance.now();
      io.out('catga generate: change detected, regenerating...');
    }
  };
  const host = ts.createWatchCompilerHost(configPath, {}, system, ts.createSemanticDiagnosticsBuilderProgram, reportDiagnostic, reportStatus);
  setParseAllJsDoc(ts, host);
  host.afterProgramCreate = (builder) => {
    const program = builder.getProgram();
    const outFile = explicitOut ?? defaultOutFile(program.getCompilerOptions(), dirname(configPath));
    ignored.add(outFile);
    try {
      generateAndWrite(ts, program, { outFile, configPath, explicitOut: explicitOut !== undefined }, io, startedAt);
    } catch (error) {
      io.err(`catga generate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    io.out(`catga generate: watching ${displayPath(configPath, io.cwd)} for changes.`);
  };
  io.out(`catga generate: starting in watch mode (${displayPath(configPath, io.cwd)}).`);
  const watch = ts.createWatchProgram(host);
  return { close: () => watch.close() };
}

/** The validators read JSDoc tags (`@minLength 1`): ask for every comment to be parsed, where TypeScript lets us. */
function setParseAllJsDoc(ts: TypeScript, host: object): void {
  if (ts.JSDocParsingMode !== undefined) (host as { jsDocParsingMode?: TS.JSDocParsingMode }).jsDocParsingMode = ts.JSDocParsingMode.ParseAll;
}
