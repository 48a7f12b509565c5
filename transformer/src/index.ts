/**
 * @catga/transformer: compiles `@CatgaCommand` / `@CatgaQuery` / `@CatgaEvent` classes into message contracts with
 * generated validators, `@CatgaHandler` classes into executors, and `send`/`publish` call sites into the compiled
 * path; reports CATGA001-004 and CATGA016-018 as compile errors. Use it as a ts-patch plugin:
 * `"plugins": [{ "transform": "@catga/transformer" }]`, and build with `tspc`.
 *
 * @packageDocumentation
 */
import type * as TS from 'typescript';
import { diagnosticReporter } from './transform/file-transformer.js';
import type { CatgaTransformerOptions, TypeScript } from './context.js';
import { createCatgaTransformer, resolveOptions } from './create-transformer.js';
import { CatgaCode } from './analysis/diagnostics.js';

/** What ts-patch hands a program transformer besides the program and the plugin entry. */
export interface TransformerExtras {
  readonly ts: TypeScript;
  addDiagnostic(diagnostic: TS.Diagnostic): number;
}

/**
 * The ts-patch entry (`type: "program"`, the default): called with the program, the plugin entry from tsconfig and
 * ts-patch's extras; returns the `before` transformer.
 */
export default function catgaTransformer(
  program: TS.Program | undefined,
  pluginEntry?: CatgaTransformerOptions & Record<string, unknown>,
  extras?: TransformerExtras,
): TS.TransformerFactory<TS.SourceFile> {
  if (program === undefined || typeof program.getTypeChecker !== 'function') {
    throw new Error(
      `${CatgaCode.configuration}: @catga/transformer needs the whole program (it reads types across files), but got none. ` +
        'This happens under "isolatedModules" in ts-jest (use @catga/transformer/ts-jest with type-checking on) or ' +
        'with transpile-only tools; for those, run `catga generate` instead.',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the host's typescript when ts-patch does not say
  const ts: TypeScript = extras?.ts ?? (require('typescript') as TypeScript);
  const report = extras === undefined ? () => 0 : diagnosticReporter(ts, (d) => extras.addDiagnostic(d));
  return createCatgaTransformer(ts, program, resolveOptions(pluginEntry), report);
}

export { analyzeProgram } from './analysis/analyze-program.js';
export { CatgaCode } from './analysis/diagnostics.js';
export type { Finding } from './analysis/diagnostics.js';
export type { CatgaTransformerOptions } from './context.js';
export type { FieldModel, FieldType, HandlerModel, MessageModel, ProgramModel } from './analysis/model.js';
export { createCatgaTransformer, resolveOptions } from './create-transformer.js';
