import type * as TS from 'typescript';

/**
 * The compile errors of the transformer. CATGA005-015 belong to the ESLint plugin; the codes here fail the build.
 * docs/transformer.md has a section per code with its fix.
 */
export const CatgaCode = {
  /** A command or query with no handler in the program. */
  noHandler: 'CATGA001',
  /** Two handlers for one command or query. */
  duplicateHandler: 'CATGA002',
  /** `handle()` returns something the message's result type does not accept. */
  wrongResultType: 'CATGA003',
  /** `@CatgaHandler` on a class whose `handle` is missing or malformed. */
  invalidHandler: 'CATGA004',
  /** A message field that cannot cross a transport (function, symbol, class instance with methods, Map, ...). */
  unserializableField: 'CATGA016',
  /** Invalid decorator options (negative timeout, unknown option, ...). */
  invalidOptions: 'CATGA017',
  /** The compiler options keep the transformer from doing its job (no program, isolated modules, ...). */
  configuration: 'CATGA018',
} as const;

export type CatgaCodeValue = (typeof CatgaCode)[keyof typeof CatgaCode];

/** One problem found by the analysis, attached to the node it is about. */
export interface Finding {
  readonly code: CatgaCodeValue;
  readonly message: string;
  readonly node: TS.Node;
  readonly severity: 'error' | 'warning';
}

/** The numeric code TypeScript prints (`TS990001` for CATGA001): a range no TypeScript diagnostic uses. */
export function numericCode(code: CatgaCodeValue): number {
  return 990_000 + Number(code.slice('CATGA'.length));
}

/** A finding as a TypeScript diagnostic, on the node's span, with the CATGA code leading the message. */
export function toDiagnostic(ts: typeof TS, finding: Finding): TS.Diagnostic {
  const file = finding.node.getSourceFile();
  const start = finding.node.getStart(file);
  return {
    file,
    start,
    length: finding.node.getEnd() - start,
    messageText: `${finding.code}: ${finding.message}`,
    category: finding.severity === 'error' ? ts.DiagnosticCategory.Error : ts.DiagnosticCategory.Warning,
    code: numericCode(finding.code),
    source: 'catga',
  };
}
