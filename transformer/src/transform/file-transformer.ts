import type * as TS from 'typescript';
import { analyzeProgram, isOwnSource } from '../analysis/analyze-program.js';
import { CatgaCode, type Finding, toDiagnostic } from '../analysis/diagnostics.js';
import type { AnalysisContext } from '../context.js';
import { writeContract, writeHandler } from '../emit/contract-programmer.js';
import { ModuleRefs } from '../emit/module-refs.js';
import { writePipeline } from '../emit/pipeline-programmer.js';
import { rewriteCallSite } from './call-sites.js';
import { fusedHandleMethod } from './fused-handle.js';

const reported = new WeakSet<object>();

/** The runtime namespace generated code calls (`__catga.defineContract(...)`). */
export const RUNTIME_NAMESPACE = '__catga';
const RUNTIME_MODULE = '@catga/runtime';

/**
 * Generated code as a statement. The text is printed as it is; it refers only to the runtime namespace, to the
 * namespace imports this transformer adds and to classes declared in the same file, so no binding needs rewriting.
 */
function codeStatement(ts: typeof TS, text: string, origin: TS.Node): TS.Statement {
  const statement = ts.factory.createExpressionStatement(ts.factory.createIdentifier(text.replace(/;$/, '')));
  // Source maps point the generated lines at the class they describe.
  ts.setSourceMapRange(statement, { pos: origin.getStart(), end: origin.getEnd() });
  return statement;
}

function namespaceImport(ts: typeof TS, name: string, specifier: string): TS.ImportDeclaration {
  const f = ts.factory;
  return f.createImportDeclaration(undefined, f.createImportClause(false, undefined, f.createNamespaceImport(f.createIdentifier(name))), f.createStringLiteral(specifier));
}

/**
 * Transforms one source file: reports the program's findings (once per program), appends the generated contract or
 * executor after each Catga class, adds the fused copy of handle() to handler classes, rewrites `send`/`publish`
 * call sites, and adds the imports the generated code uses.
 */
export function transformFile(ctx: AnalysisContext, context: TS.TransformationContext, file: TS.SourceFile, report: (finding: Finding) => void): TS.SourceFile {
  const { ts, program, checker } = ctx;
  if (!isOwnSource(program, file)) return file;
  const model = analyzeProgram(ctx);
  // Every finding of the program is reported with the first file emitted: incremental and watch builds emit only
  // changed files, and a whole-program finding (no handler left for a command) may sit in a file that did not change.
  if (!reported.has(model)) {
    reported.add(model);
    for (const finding of model.findings) report(finding);
  }

  const entry = model.byFile.get(file.fileName);
  const mayCall = ctx.options.rewriteCallSites && (file.text.includes('send(') || file.text.includes('publish('));
  if (entry === undefined && !mayCall) return file;
  const f = ts.factory;

  const refs = new ModuleRefs(ts, checker, file);
  let usesRuntime = false;
  const runtime = (): TS.Identifier => {
    usesRuntime = true;
    return ts.factory.createIdentifier(RUNTIME_NAMESPACE);
  };
  const visit = (node: TS.Node): TS.Node => {
    const visited = ts.visitEachChild(node, visit, context);
    if (mayCall && ts.isCallExpression(node) && ts.isCallExpression(visited)) {
      return rewriteCallSite(ctx, node, visited, runtime) ?? visited;
    }
    return visited;
  };

  const generatedAfter = new Map<TS.Node, string[]>();
  const add = (declaration: TS.ClassDeclaration, text: string): void => {
    const list = generatedAfter.get(declaration) ?? [];
    list.push(text);
    generatedAfter.set(declaration, list);
    usesRuntime = true;
  };
  const topLevel = new Set<TS.Node>(file.statements);
  // Handler classes that get the fused copy of their handle() (see transform/fused-handle.ts).
  const fusedHandles = new Map<TS.Node, TS.MethodDeclaration>();
  const notTopLevel = (declaration: TS.ClassDeclaration, what: string): void =>
    report({ code: CatgaCode.configuration, node: declaration.name ?? declaration, severity: 'warning', message: `${what} ${declaration.name?.text ?? ''} is not declared at the top level of its module, so the transformer generated nothing for it; it runs on the run-time path.` });
  for (const message of entry?.messages ?? []) {
    if (!topLevel.has(message.ref.declaration)) notTopLevel(message.ref.declaration, 'Message');
    else add(message.ref.declaration, writeContract(message, message.ref.name, false));
  }
  for (const handler of entry?.handlers ?? []) {
    const messageExpression = refs.expressionFor(handler.message);
    if (!topLevel.has(handler.ref.declaration)) notTopLevel(handler.ref.declaration, 'Handler');
    else if (messageExpression === undefined) {
      report({ code: CatgaCode.invalidHandler, node: handler.ref.declaration.name ?? handler.ref.declaration, severity: 'error', message: `${handler.ref.name} handles ${handler.message.name}, which its module does not export; export the message class so the handler's executor can refer to it.` });
    } else {
      if (handler.fusedHandle !== undefined) fusedHandles.set(handler.ref.declaration, handler.fusedHandle);
      if (ctx.options.compilePipelines) add(handler.ref.declaration, writePipeline(handler.ref.name, handler.message.name, false));
      add(handler.ref.declaration, writeHandler(handler, handler.ref.name, messageExpression, false, handler.fusedHandle !== undefined, ctx.options.compilePipelines));
    }
  }

  const visitNested = mayCall ? visit : (node: TS.Node): TS.Node => node;
  const statements: TS.Statement[] = [];
  for (const statement of file.statements) {
    let emitted = mayCall ? (ts.visitNode(statement, visit) as TS.Statement) : statement;
    const handle = fusedHandles.get(statement);
    if (handle !== undefined && ts.isClassDeclaration(emitted)) {
      const fused = fusedHandleMethod(ctx, context, handle, visitNested, runtime);
      emitted = f.updateClassDeclaration(emitted, emitted.modifiers, emitted.name, emitted.typeParameters, emitted.heritageClauses, [...emitted.members, fused]);
    }
    statements.push(emitted);
    for (const text of generatedAfter.get(statement) ?? []) statements.push(codeStatement(ts, text, statement));
  }
  if (!usesRuntime) return mayCall ? ts.factory.updateSourceFile(file, statements) : file;

  const imports = [namespaceImport(ts, RUNTIME_NAMESPACE, RUNTIME_MODULE), ...refs.imports().map(({ name, specifier }) => namespaceImport(ts, name, specifier))];
  // After the prologue ("use strict", "use client"): directives must stay first.
  const prologue = statements.findIndex((s) => !(ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression)));
  const at = prologue === -1 ? statements.length : prologue;
  return ts.factory.updateSourceFile(file, [...statements.slice(0, at), ...imports, ...statements.slice(at)]);
}

/** Reports findings as TypeScript diagnostics. */
export function diagnosticReporter(ts: typeof TS, add: (diagnostic: TS.Diagnostic) => void): (finding: Finding) => void {
  return (finding) => add(toDiagnostic(ts, finding));
}
