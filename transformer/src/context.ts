import type * as TS from 'typescript';

/** The `typescript` module the host compiler runs: ts-patch, ts-jest and the CLI each hand theirs in. */
export type TypeScript = typeof TS;

/** Options of the transformer, from the plugin entry in tsconfig (`{ "transform": "@catga/transformer", ... }`). */
export interface CatgaTransformerOptions {
  /**
   * Report CATGA001 for a command or query with no handler in the program. Default true; set false in a project
   * that only declares messages whose handlers live in another project.
   */
  readonly requireHandlers?: boolean;
  /** Rewrite `bus.send(new X())` / `bus.publish(new E())` call sites to the compiled path. Default true. */
  readonly rewriteCallSites?: boolean;
  /**
   * Generate each handler's pipeline: the runtime's hooked built-in behaviours (tracing, metrics, logging,
   * validation, circuit breaker, dead letter, timeout) written out around the handler call, about a quarter off a
   * send with the production preset. Default true; false keeps the runtime's shared hooked run and emits about
   * 10 KB less per handler.
   */
  readonly compilePipelines?: boolean;
}

/** Everything the analysis needs, created once per program. */
export interface AnalysisContext {
  readonly ts: TypeScript;
  readonly program: TS.Program;
  readonly checker: TS.TypeChecker;
  readonly options: Required<CatgaTransformerOptions>;
  /** Directory `source` paths in generated code are relative to (the tsconfig's directory). */
  readonly baseDir: string;
}
