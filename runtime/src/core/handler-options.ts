/** Options of `@CatgaHandler`. */
export interface HandlerOptions {
  /** Name used in logs, errors and traces (default: the class name). */
  readonly name?: string;
}
