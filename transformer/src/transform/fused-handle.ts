import type * as TS from 'typescript';
import { holdsStatements, mayBeThenable } from '../analysis/fusion.js';
import type { AnalysisContext } from '../context.js';

/** The runtime's key of the fused method (`FUSED_HANDLE` in @catga/runtime). */
const FUSED_KEY = 'FUSED_HANDLE';

/** Every identifier written in a node. */
function identifiersIn(ts: typeof TS, node: TS.Node): Set<string> {
  const names = new Set<string>();
  const walk = (child: TS.Node): void => {
    if (ts.isIdentifier(child) || ts.isPrivateIdentifier(child)) names.add(child.text);
    ts.forEachChild(child, walk);
  };
  walk(node);
  return names;
}

/**
 * The fused copy of a handler's handle(): the same body in an async method of the same class that returns the
 * `CatgaResult` itself, so a send costs the handler's own async frame and nothing more (no wrapper awaiting it,
 * no `.then(ok)`):
 *
 * ```js
 * async [__catga.FUSED_HANDLE](command, context, call) {
 *     try {
 *         ...handle()'s statements, each `return x` as `return call.ok(x)` (`call.ok(await x)` when x may be a
 *         promise)...
 *         return call.ok(undefined);
 *     } catch (thrown) {
 *         return call.fail(thrown, context);
 *     }
 * }
 * ```
 *
 * `call` is the runtime's, one per handler: `ok` wraps the value and `fail` maps what was thrown to a failure; both
 * also count the call as finished, so the runtime knows what is in flight without a reaction on the promise.
 *
 * `visitNested` is the file's visitor: expressions and nested functions go through it, so call sites inside the
 * copy are compiled like those in handle(). Statements are the user's own nodes: source maps point at handle().
 */
export function fusedHandleMethod(
  ctx: AnalysisContext,
  context: TS.TransformationContext,
  handle: TS.MethodDeclaration,
  visitNested: (node: TS.Node) => TS.Node,
  runtime: () => TS.Identifier,
): TS.MethodDeclaration {
  const { ts, checker } = ctx;
  const f = ts.factory;
  const [messageParameter, contextParameter] = handle.parameters;
  // Plain names, unless handle() already uses one (as a local, or a module binding the new parameter would shadow).
  const used = identifiersIn(ts, handle);
  const fresh = (base: string): TS.Identifier => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return f.createIdentifier(name);
  };
  const nameOf = (parameter: TS.ParameterDeclaration | undefined, fallback: string): TS.Identifier =>
    parameter !== undefined && ts.isIdentifier(parameter.name) ? f.createIdentifier(parameter.name.text) : fresh(fallback);
  const messageName = nameOf(messageParameter, 'message');
  const contextName = nameOf(contextParameter, 'context');
  const callName = fresh('call');
  const thrownName = fresh('thrown');

  const callOf = (method: 'ok' | 'fail', args: TS.Expression[]): TS.CallExpression => f.createCallExpression(f.createPropertyAccessExpression(callName, method), undefined, args);
  const success = (value: TS.Expression): TS.CallExpression => callOf('ok', [value]);
  const rewrite = (node: TS.Node): TS.Node => {
    if (ts.isReturnStatement(node)) {
      const original = node.expression;
      let value: TS.Expression = original === undefined ? f.createIdentifier('undefined') : (visitNested(original) as TS.Expression);
      if (original !== undefined && mayBeThenable(ctx, checker.getTypeAtLocation(original))) value = f.createAwaitExpression(value);
      return ts.setTextRange(f.createReturnStatement(success(value)), node);
    }
    return holdsStatements(ts, node) ? ts.visitEachChild(node, rewrite, context) : visitNested(node);
  };
  const statements = handle.body!.statements.map((statement) => rewrite(statement) as TS.Statement);
  const last = handle.body!.statements[handle.body!.statements.length - 1];
  if (last === undefined || !(ts.isReturnStatement(last) || ts.isThrowStatement(last))) {
    statements.push(f.createReturnStatement(success(f.createIdentifier('undefined'))));
  }
  const body = f.createBlock(
    [
      f.createTryStatement(
        f.createBlock(statements, true),
        f.createCatchClause(thrownName, f.createBlock([f.createReturnStatement(callOf('fail', [thrownName, contextName]))], true)),
        undefined,
      ),
    ],
    true,
  );
  const parameter = (name: TS.Identifier): TS.ParameterDeclaration => f.createParameterDeclaration(undefined, undefined, name);
  const method = f.createMethodDeclaration(
    [f.createModifier(ts.SyntaxKind.AsyncKeyword)],
    undefined,
    f.createComputedPropertyName(f.createPropertyAccessExpression(runtime(), FUSED_KEY)),
    undefined,
    undefined,
    [parameter(messageName), parameter(contextName), parameter(callName)],
    undefined,
    body,
  );
  ts.setSourceMapRange(method, { pos: handle.getStart(), end: handle.getEnd() });
  ts.addSyntheticLeadingComment(
    method,
    ts.SyntaxKind.MultiLineCommentTrivia,
    ' handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame ',
    true,
  );
  return method;
}
