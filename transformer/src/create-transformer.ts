import { dirname } from 'node:path';
import type * as TS from 'typescript';
import type { Finding } from './analysis/diagnostics.js';
import type { AnalysisContext, CatgaTransformerOptions, TypeScript } from './context.js';
import { transformFile } from './transform/file-transformer.js';

const OPTION_KEYS = ['requireHandlers', 'rewriteCallSites', 'compilePipelines'] as const;

/** Reads the transformer's own options out of a plugin entry (which also holds `transform` and ts-patch keys). */
export function resolveOptions(raw: Partial<Record<string, unknown>> | undefined): Required<CatgaTransformerOptions> {
  const options = { requireHandlers: true, rewriteCallSites: true, compilePipelines: true };
  for (const key of OPTION_KEYS) {
    const value = raw?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new TypeError(`@catga/transformer: option "${key}" must be true or false, got ${JSON.stringify(value)}`);
    options[key] = value;
  }
  return options;
}

/** The analysis context of a program. */
export function analysisContext(ts: TypeScript, program: TS.Program, options: Required<CatgaTransformerOptions>): AnalysisContext {
  const compilerOptions = program.getCompilerOptions();
  const configFile = compilerOptions['configFilePath'];
  const baseDir = typeof configFile === 'string' ? dirname(configFile) : program.getCurrentDirectory();
  return { ts, program, checker: program.getTypeChecker(), options, baseDir };
}

/** A `before` transformer factory for one program; every entry point (ts-patch, ts-jest, tests) goes through it. */
export function createCatgaTransformer(
  ts: TypeScript,
  program: TS.Program,
  options: Required<CatgaTransformerOptions>,
  report: (finding: Finding) => void,
): TS.TransformerFactory<TS.SourceFile> {
  const ctx = analysisContext(ts, program, options);
  return (context) => (file) => transformFile(ctx, context, file, report);
}
