import type * as TS from 'typescript';
import { messageKindOfType } from '../analysis/message-analysis.js';
import { isRuntimeDeclaration } from '../analysis/runtime-symbols.js';
import type { AnalysisContext } from '../context.js';

const BUSES = new Set(['Catga', 'HandlerContext', 'MessageBus', 'PipelineContext']);
const COMPILED = { send: 'sendCompiled', publish: 'publishCompiled' } as const;

/**
 * `bus.send(message, options?)` / `bus.publish(event, options?)` where `bus` is a Catga instance or a handler
 * context (by the resolved signature, not by name) and the argument's type is a message class of the right kind, rewritten to `__catga.sendCompiled(bus, message, options?)`. The
 * receiver and arguments are the user's own nodes, so source maps and bindings stay intact.
 */
export function rewriteCallSite(ctx: AnalysisContext, call: TS.CallExpression, visited: TS.CallExpression, runtime: () => TS.Identifier): TS.Expression | undefined {
  const { ts, checker } = ctx;
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || call.arguments.length < 1 || call.arguments.length > 2) return undefined;
  if (call.arguments.some(ts.isSpreadElement) || callee.questionDotToken !== undefined) return undefined;
  const method = callee.name.text;
  if (method !== 'send' && method !== 'publish') return undefined;
  const declaration = checker.getResolvedSignature(call)?.declaration;
  if (declaration === undefined || !isRuntimeDeclaration(declaration)) return undefined;
  const owner = declaration.parent;
  const ownerName = owner !== undefined && (ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner)) ? owner.name?.text : undefined;
  if (ownerName === undefined || !BUSES.has(ownerName)) return undefined;
  // Only when the argument is statically a message of the right kind (not `any`): the compiled path skips the
  // run-time kind check, and must give the same result as `send` would.
  const kind = messageKindOfType(ctx, checker.getTypeAtLocation(call.arguments[0]!))?.kind;
  if (kind === undefined || (method === 'publish') !== (kind === 'event')) return undefined;
  // Types are read on the original call (the checker knows it); the new call is built from the visited parts, which
  // carry any rewrite of nested call sites.
  const visitedCallee = visited.expression;
  const receiver = ts.isPropertyAccessExpression(visitedCallee) ? visitedCallee.expression : callee.expression;
  const rewritten = ts.factory.createCallExpression(
    ts.factory.createPropertyAccessExpression(runtime(), COMPILED[method]),
    undefined,
    [receiver, ...visited.arguments],
  );
  ts.setOriginalNode(rewritten, call);
  ts.setTextRange(rewritten, call);
  return rewritten;
}
