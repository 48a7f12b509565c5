import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ESLintUtils } from '@typescript-eslint/utils';
import ts from 'typescript';
import { enclosingHandlerMethod } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { type FunctionNode, isFunction } from '../util/functions.js';
import { isAnyOrUnknown, isArrayOrTupleType, isThenableArrayType, isThenableType, unionParts } from '../util/types.js';

type MessageIds =
  | 'floating'
  | 'floatingArray'
  | 'forEachAsync'
  | 'addAwait'
  | 'addVoid'
  | 'awaitAll'
  | 'voidAll'
  | 'usePromiseAll';

/** Options of `catga/no-floating-promise-in-handler`. */
export interface NoFloatingPromiseInHandlerOptions {
  /** Callees whose promises may float: a full dotted name (`this.audit.record`) or the last name alone (`record`). */
  allowForKnownSafeCalls?: string[];
}

type Options = [NoFloatingPromiseInHandlerOptions];


/** The innermost function around `node`: whether `await` may be added depends on it, not on `handle()`. */
function enclosingFunction(node: TSESTree.Node): FunctionNode | undefined {
  for (let current = node.parent; current !== undefined; current = current.parent) if (isFunction(current)) return current;
  return undefined;
}

/** `a.b.c` for a callee made of identifiers, `this` and non-computed members; `undefined` for anything else. */
function dottedName(node: TSESTree.Node): string | undefined {
  if (node.type === AST_NODE_TYPES.Identifier) return node.name;
  if (node.type === AST_NODE_TYPES.ThisExpression) return 'this';
  if (node.type === AST_NODE_TYPES.MemberExpression && !node.computed && node.property.type === AST_NODE_TYPES.Identifier) {
    const object = dottedName(node.object);
    return object === undefined ? undefined : `${object}.${node.property.name}`;
  }
  return undefined;
}

/** The name of the method a call invokes (`catch` in `p.catch(h)`), if written as a plain member access. */
function calledMethodName(call: TSESTree.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type !== AST_NODE_TYPES.MemberExpression) return undefined;
  if (!callee.computed && callee.property.type === AST_NODE_TYPES.Identifier) return callee.property.name;
  if (callee.property.type === AST_NODE_TYPES.Literal && typeof callee.property.value === 'string') return callee.property.value;
  return undefined;
}

/** Operands that need parentheses after a unary `await`/`void`. */
const LOW_PRECEDENCE = new Set<AST_NODE_TYPES>([
  AST_NODE_TYPES.ArrowFunctionExpression,
  AST_NODE_TYPES.AssignmentExpression,
  AST_NODE_TYPES.BinaryExpression,
  AST_NODE_TYPES.ConditionalExpression,
  AST_NODE_TYPES.LogicalExpression,
  AST_NODE_TYPES.SequenceExpression,
  AST_NODE_TYPES.TSAsExpression,
  AST_NODE_TYPES.TSSatisfiesExpression,
  AST_NODE_TYPES.YieldExpression,
]);

/**
 * CATGA007. Node has no `ConfigureAwait`; what matters in a handler is await discipline. A promise a handler starts
 * and drops (`context.publish(...)` without `await`, `forEach(async …)`) fails outside the handler's result: the
 * runtime reports success, the rejection surfaces as an unhandled rejection (or is lost), and the work may outlive
 * the message's cancellation signal. Suggestions only: adding `await` changes sequencing and error propagation.
 */
export const noFloatingPromiseInHandler = createRule<Options, MessageIds>({
  name: 'no-floating-promise-in-handler',
  meta: {
    type: 'problem',
    docs: {
      description: 'Await, return or explicitly ignore every promise a handler starts',
      catgaId: 'CATGA007',
      recommended: 'recommended',
      requiresTypeChecking: true,
      level: 'warn',
    },
    hasSuggestions: true,
    messages: {
      floating:
        "The promise from `{{call}}` is not awaited, returned, `void`-ed or given a rejection handler: its failure escapes the handler's result, and the handler may finish before the work does.",
      floatingArray:
        "`{{call}}` makes an array of promises that nothing awaits: their failures escape the handler's result. Wrap it in `await Promise.all(…)`.",
      forEachAsync:
        '`{{call}}` ignores the promises its async callback returns: the handler does not wait for them and their failures escape. Use `await Promise.all(….map(…))` or a `for…of` loop with `await`.',
      addAwait: 'Add `await`.',
      addVoid: 'Add `void` to ignore the promise explicitly (fire-and-forget).',
      awaitAll: 'Wrap in `await Promise.all(…)`.',
      voidAll: 'Wrap in `void Promise.all(…)` to ignore the promises explicitly.',
      usePromiseAll: 'Replace with `await Promise.all(….map(…))`.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          allowForKnownSafeCalls: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description:
              'Callees whose promises may float: a full dotted name (`this.audit.record`) or the last name alone (`record`).',
          },
        },
      },
    ],
    defaultOptions: [{ allowForKnownSafeCalls: [] }],
  },
  create(context, [{ allowForKnownSafeCalls = [] }]) {
    const sourceCode = context.sourceCode;
    const services = ESLintUtils.getParserServices(context);
    const checker = services.program.getTypeChecker();
    const safeCalls = new Set(allowForKnownSafeCalls);

    const typeOf = (node: TSESTree.Node): { type: ts.Type; tsNode: ts.Node } => {
      const tsNode = services.esTreeNodeToTSNodeMap.get(node);
      return { type: checker.getTypeAtLocation(tsNode), tsNode };
    };

    function isKnownSafe(call: TSESTree.CallExpression): boolean {
      const name = dottedName(call.callee);
      if (name === undefined) return false;
      return safeCalls.has(name) || safeCalls.has(name.slice(name.lastIndexOf('.') + 1));
    }

    /** A `catch`/`then` rejection handler that really handles: callable, not `undefined`/`null`. */
    function isRejectionHandler(argument: TSESTree.CallExpressionArgument | undefined): boolean {
      if (argument === undefined || argument.type === AST_NODE_TYPES.SpreadElement) return false;
      const { type } = typeOf(argument);
      return isAnyOrUnknown(type) || unionParts(type).every((part) => part.getCallSignatures().length > 0);
    }

    /**
     * The part of a statement's value that is an unhandled promise (or array of promises), if any. Walks the
     * operators whose operands become the statement's value (`a, b`, `c ? a : b`, `a || b`).
     */
    function floatingPart(node: TSESTree.Expression): { node: TSESTree.Expression; array: boolean } | undefined {
      const inner = node.type === AST_NODE_TYPES.ChainExpression ? node.expression : node;
      switch (inner.type) {
        case AST_NODE_TYPES.AwaitExpression:
        case AST_NODE_TYPES.AssignmentExpression:
          return undefined;
        case AST_NODE_TYPES.UnaryExpression:
          if (inner.operator === 'void') return undefined;
          break;
        case AST_NODE_TYPES.SequenceExpression:
          for (const expression of inner.expressions) {
            const found = floatingPart(expression);
            if (found !== undefined) return found;
          }
          return undefined;
        case AST_NODE_TYPES.ConditionalExpression:
          return floatingPart(inner.consequent) ?? floatingPart(inner.alternate);
        case AST_NODE_TYPES.LogicalExpression:
          return floatingPart(inner.left) ?? floatingPart(inner.right);
        default:
          break;
      }
      const { type, tsNode } = typeOf(node);
      if (isThenableArrayType(checker, tsNode, type)) return { node, array: true };
      if (!isThenableType(checker, tsNode, type)) return undefined;
      if (inner.type === AST_NODE_TYPES.CallExpression) {
        if (isKnownSafe(inner)) return undefined;
        const method = calledMethodName(inner);
        if (method === 'catch' && isRejectionHandler(inner.arguments[0])) return undefined;
        if (method === 'then' && isRejectionHandler(inner.arguments[1])) return undefined;
        // `p.catch(h).finally(f)` is handled; `p.finally(f)` rejects when `p` does.
        if (method === 'finally' && inner.callee.type === AST_NODE_TYPES.MemberExpression) {
          return floatingPart(inner.callee.object) === undefined ? undefined : { node, array: false };
        }
      }
      return { node, array: false };
    }

    /** How a promise-valued expression is named in messages: `context.send(…)`, `new Promise(…)`, `pending`. */
    function describe(node: TSESTree.Expression): string {
      const inner = node.type === AST_NODE_TYPES.ChainExpression ? node.expression : node;
      const shorten = (text: string): string => {
        const flat = text.replace(/\s+/g, ' ');
        return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
      };
      if (inner.type === AST_NODE_TYPES.CallExpression || inner.type === AST_NODE_TYPES.NewExpression) {
        // Up to the argument list's `(`: keeps `new `, `?.` and the parentheses of `(async () => {…})()`.
        const open = sourceCode.getTokenAfter(inner.typeArguments ?? inner.callee, { filter: (token) => token.value === '(' });
        const head = open === null ? sourceCode.getText(inner.callee) : sourceCode.text.slice(inner.range[0], open.range[0]);
        return `${shorten(head)}(${inner.arguments.length > 0 ? '…' : ''})`;
      }
      return shorten(sourceCode.getText(inner));
    }

    /** Puts `prefix` before `node`, parenthesising it when the prefix would otherwise bind to a part of it. */
    function prefixFix(node: TSESTree.Expression, prefix: string): TSESLint.ReportFixFunction {
      return (fixer) =>
        LOW_PRECEDENCE.has(node.type)
          ? [fixer.insertTextBefore(node, `${prefix} (`), fixer.insertTextAfter(node, ')')]
          : fixer.insertTextBefore(node, `${prefix} `);
    }

    function wrapFix(node: TSESTree.Expression, before: string): TSESLint.ReportFixFunction {
      const parenthesise = node.type === AST_NODE_TYPES.SequenceExpression;
      return (fixer) => [
        fixer.insertTextBefore(node, parenthesise ? `${before}(` : before),
        fixer.insertTextAfter(node, parenthesise ? '))' : ')'),
      ];
    }

    /** Whether `Promise` here is the global one (a local `Promise` would make `Promise.all` mean something else). */
    function globalPromiseInScope(node: TSESTree.Node): boolean {
      for (let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(node); scope !== null; scope = scope.upper) {
        const variable = scope.set.get('Promise');
        if (variable !== undefined) return variable.defs.length === 0;
      }
      return true;
    }

    /** Whether `argument` is (or evaluates to) a function whose calls return promises. */
    function isAsyncCallback(argument: TSESTree.CallExpressionArgument): boolean {
      if (argument.type === AST_NODE_TYPES.ArrowFunctionExpression || argument.type === AST_NODE_TYPES.FunctionExpression) {
        if (argument.async) return true;
      }
      if (argument.type === AST_NODE_TYPES.SpreadElement) return false;
      const { type, tsNode } = typeOf(argument);
      const signatures = unionParts(type).flatMap((part) => part.getCallSignatures());
      return (
        signatures.length > 0 &&
        signatures.every((signature) => isThenableType(checker, tsNode, checker.getReturnTypeOfSignature(signature)))
      );
    }

    return {
      ExpressionStatement(statement) {
        if (statement.directive !== undefined) return;
        if (enclosingHandlerMethod(statement, sourceCode) === undefined) return;
        const found = floatingPart(statement.expression);
        if (found === undefined) return;
        const expression = statement.expression;
        const canAwait = enclosingFunction(statement)?.async === true;
        const suggest: Array<TSESLint.SuggestionReportDescriptor<MessageIds>> = [];
        if (found.array) {
          if (globalPromiseInScope(statement)) {
            if (canAwait) suggest.push({ messageId: 'awaitAll', fix: wrapFix(expression, 'await Promise.all(') });
            suggest.push({ messageId: 'voidAll', fix: wrapFix(expression, 'void Promise.all(') });
          }
        } else {
          if (canAwait) suggest.push({ messageId: 'addAwait', fix: prefixFix(expression, 'await') });
          suggest.push({ messageId: 'addVoid', fix: prefixFix(expression, 'void') });
        }
        context.report({
          node: expression,
          messageId: found.array ? 'floatingArray' : 'floating',
          data: { call: describe(found.node) },
          suggest: suggest.length > 0 ? suggest : undefined,
        });
      },

      CallExpression(call) {
        if (calledMethodName(call) !== 'forEach' || call.callee.type !== AST_NODE_TYPES.MemberExpression) return;
        const callback = call.arguments[0];
        if (callback === undefined || enclosingHandlerMethod(call, sourceCode) === undefined) return;
        if (!isAsyncCallback(callback)) return;
        // forEach returns nothing: the callback's promises are dropped. A `forEach` that returns something
        // (a custom collection's) might hand them back, so it is left alone.
        const { type } = typeOf(call);
        if ((type.flags & ts.TypeFlags.Void) === 0) return;

        const callee = call.callee;
        const canRewrite =
          enclosingFunction(call)?.async === true &&
          call.parent.type === AST_NODE_TYPES.ExpressionStatement &&
          !call.optional &&
          !callee.optional &&
          !callee.computed &&
          isArrayOrTupleType(checker, typeOf(callee.object).type) &&
          globalPromiseInScope(call);
        const text = sourceCode.text;
        context.report({
          node: callback,
          messageId: 'forEachAsync',
          data: { call: describe(call) },
          suggest: canRewrite
            ? [
                {
                  messageId: 'usePromiseAll',
                  fix: (fixer) =>
                    fixer.replaceText(
                      call,
                      `await Promise.all(${text.slice(call.range[0], callee.property.range[0])}map${text.slice(callee.property.range[1], call.range[1])})`,
                    ),
                },
              ]
            : undefined,
        });
      },
    };
  },
});
