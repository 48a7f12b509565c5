import type * as TS from 'typescript';
import type { AnalysisContext } from '../context.js';

// Whether a handler's handle() can be fused with its result: compiled once more, inside the same class, as a method
// that returns the CatgaResult itself (see transform/fused-handle.ts). The copy must behave exactly like handle(),
// so anything that could make the two differ keeps the handler on the plain executor.

/** Statements that hold other statements; a `return` inside them still returns from handle(). */
export function holdsStatements(ts: typeof TS, node: TS.Node): boolean {
  return (
    ts.isBlock(node) ||
    ts.isIfStatement(node) ||
    ts.isDoStatement(node) ||
    ts.isWhileStatement(node) ||
    ts.isForStatement(node) ||
    ts.isForInStatement(node) ||
    ts.isForOfStatement(node) ||
    ts.isLabeledStatement(node) ||
    ts.isTryStatement(node) ||
    ts.isCatchClause(node) ||
    ts.isSwitchStatement(node) ||
    ts.isCaseBlock(node) ||
    ts.isCaseClause(node) ||
    ts.isDefaultClause(node)
  );
}

/** Whether values of this type are thenables (a `then` method). */
export function isThenable(ctx: AnalysisContext, type: TS.Type): boolean {
  const then = ctx.checker.getPropertyOfType(type, 'then');
  return then !== undefined && ctx.checker.getTypeOfSymbol(then).getCallSignatures().length > 0;
}

/** Whether a value of this type may be a promise (or any thenable): the fused copy then awaits it. */
export function mayBeThenable(ctx: AnalysisContext, type: TS.Type): boolean {
  const { ts } = ctx;
  const branches = type.isUnion() ? type.types : [type];
  // Unknown until instantiated (a type parameter, `T[K]`, a conditional type): assume it may be.
  return branches.some((branch) => (branch.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Instantiable)) !== 0 || isThenable(ctx, branch));
}

/** The `return` statements of the function body itself (not of functions or classes nested in it). */
export function ownReturns(ts: typeof TS, body: TS.Block): { statement: TS.ReturnStatement; insideTry: boolean }[] {
  const found: { statement: TS.ReturnStatement; insideTry: boolean }[] = [];
  const walk = (node: TS.Node, insideTry: boolean): void => {
    if (ts.isReturnStatement(node)) found.push({ statement: node, insideTry });
    else if (ts.isTryStatement(node)) {
      // In `try { return p }` the catch does not see p's rejection: an await would change that.
      walk(node.tryBlock, true);
      if (node.catchClause !== undefined) walk(node.catchClause, insideTry);
      if (node.finallyBlock !== undefined) walk(node.finallyBlock, insideTry);
    } else if (holdsStatements(ts, node)) ts.forEachChild(node, (child) => walk(child, insideTry));
  };
  walk(body, false);
  return found;
}

/**
 * Whether handle() itself has a `try … finally`. A finally that returns or throws after a `return` ran would end
 * the fused copy twice (once through `call.ok`, once more through `call.ok` or `call.fail`), and the runtime counts
 * each end as one call finished.
 */
function hasOwnFinally(ts: typeof TS, body: TS.Block): boolean {
  let found = false;
  const walk = (node: TS.Node): void => {
    if (found) return;
    if (ts.isTryStatement(node) && node.finallyBlock !== undefined) found = true;
    else if (holdsStatements(ts, node)) ts.forEachChild(node, walk);
  };
  walk(body);
  return found;
}

/** Whether `arguments` of handle() itself is read (arrow functions share it; other functions have their own). */
function readsArguments(ts: typeof TS, body: TS.Block): boolean {
  let found = false;
  const walk = (node: TS.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === 'arguments') found = true;
    else if ((ts.isFunctionLike(node) && !ts.isArrowFunction(node)) || ts.isClassLike(node)) return;
    else ts.forEachChild(node, walk);
  };
  walk(body);
  return found;
}

/**
 * The handle() method of this handler class when the transformer can fuse it, else `undefined`: declared in the
 * class itself (not inherited), one implementation with a body, not a generator, not decorated, at most two plain
 * parameters (no defaults, rest or destructuring), no use of `arguments`, no `try … finally` of its own (see
 * {@link hasOwnFinally}), and no `return` of a possible promise inside a `try` block (awaiting it there would let the
 * handler's own catch see a rejection it did not see before).
 */
export function fusibleHandle(ctx: AnalysisContext, node: TS.ClassDeclaration, handle: TS.Symbol): TS.MethodDeclaration | undefined {
  const { ts, checker } = ctx;
  const declarations = handle.declarations ?? [];
  if (declarations.length !== 1) return undefined;
  const method = declarations[0]!;
  if (!ts.isMethodDeclaration(method) || method.parent !== node || method.body === undefined || method.asteriskToken !== undefined) return undefined;
  const modifiers = ts.canHaveModifiers(method) ? (ts.getModifiers(method) ?? []) : [];
  if (modifiers.some((m) => m.kind === ts.SyntaxKind.StaticKeyword || m.kind === ts.SyntaxKind.AbstractKeyword)) return undefined;
  if (ts.canHaveDecorators(method) && (ts.getDecorators(method)?.length ?? 0) > 0) return undefined;
  if (method.parameters.length > 2) return undefined;
  for (const parameter of method.parameters) {
    if (!ts.isIdentifier(parameter.name) || parameter.name.text === 'this' || parameter.initializer !== undefined || parameter.dotDotDotToken !== undefined) return undefined;
  }
  if (readsArguments(ts, method.body) || hasOwnFinally(ts, method.body)) return undefined;
  for (const { statement, insideTry } of ownReturns(ts, method.body)) {
    if (insideTry && statement.expression !== undefined && mayBeThenable(ctx, checker.getTypeAtLocation(statement.expression))) return undefined;
  }
  return method;
}
