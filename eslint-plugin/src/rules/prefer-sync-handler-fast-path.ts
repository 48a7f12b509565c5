import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ESLintUtils } from '@typescript-eslint/utils';
import { isSymbolFromDefaultLibrary } from '@typescript-eslint/type-utils';
import { isCatgaHandlerClass } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { isFunction } from '../util/functions.js';
import { isAnyOrUnknown, isThenableType } from '../util/types.js';

type MessageIds = 'asyncWithoutAwait' | 'removeAsync';


/**
 * Calls `visit` on every node of `root`'s body that belongs to `root` itself: nested functions are skipped (their
 * `await` and `return` are theirs), but the computed keys of nested methods and properties are not, since those are
 * evaluated by the enclosing function.
 */
function walkOwnBody(root: TSESTree.Node, visitorKeys: TSESLint.SourceCode.VisitorKeys, visit: (node: TSESTree.Node) => boolean): boolean {
  const stack: TSESTree.Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node !== root && isFunction(node)) continue;
    if (visit(node)) return true;
    for (const key of visitorKeys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) stack.push(item);
      } else if (isNode(child)) {
        stack.push(child);
      }
    }
  }
  return false;
}

function isNode(value: unknown): value is TSESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * CATGA006. The runtime calls `handle()` and awaits its result only when it is thenable (its fast path), so an
 * `async handle()` that never awaits pays for a promise and a microtask hop for nothing. Reported as a suggestion
 * only: code that calls `handler.handle(x).then(...)` directly (tests, other handlers) would break, and a throw
 * becomes synchronous for such callers (the runtime itself catches both).
 */
export const preferSyncHandlerFastPath = createRule<[], MessageIds>({
  name: 'prefer-sync-handler-fast-path',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Return synchronously from handlers that never await',
      catgaId: 'CATGA006',
      recommended: 'strict',
      requiresTypeChecking: true,
      level: 'warn',
    },
    hasSuggestions: true,
    messages: {
      asyncWithoutAwait:
        "{{handler}}.handle() is async but never awaits: drop 'async' and return the value directly. The runtime takes its synchronous fast path for non-promise results and skips a promise allocation and a microtask hop.",
      removeAsync: "Remove 'async' (and unwrap a Promise<T> return type).",
    },
    schema: [],
    defaultOptions: [],
  },
  create(context) {
    const sourceCode = context.sourceCode;
    const services = ESLintUtils.getParserServices(context);
    const checker = services.program.getTypeChecker();

    /** Whether the method body returns something that is (or may be) a promise: then `async` is not useless. */
    function returnsThenable(body: TSESTree.BlockStatement): boolean {
      return walkOwnBody(body, sourceCode.visitorKeys, (node) => {
        if (node.type !== AST_NODE_TYPES.ReturnStatement || node.argument === null) return false;
        const tsNode = services.esTreeNodeToTSNodeMap.get(node.argument);
        const type = checker.getTypeAtLocation(tsNode);
        // `any`/`unknown` may hold a promise: stay silent rather than suggest a change we cannot justify.
        return isAnyOrUnknown(type) || isThenableType(checker, tsNode, type);
      });
    }

    /**
     * Whether the body drops a promise on the floor (`ctx.publish(…);`). Then the method is missing an `await`
     * (catga/no-floating-promise-in-handler), not using `async` needlessly: removing `async` would cement the bug.
     */
    function floatsPromise(body: TSESTree.BlockStatement): boolean {
      return walkOwnBody(body, sourceCode.visitorKeys, (node) => {
        if (node.type !== AST_NODE_TYPES.ExpressionStatement) return false;
        const tsNode = services.esTreeNodeToTSNodeMap.get(node.expression);
        return isThenableType(checker, tsNode, checker.getTypeAtLocation(tsNode));
      });
    }

    function awaits(body: TSESTree.BlockStatement): boolean {
      return walkOwnBody(
        body,
        sourceCode.visitorKeys,
        (node) =>
          node.type === AST_NODE_TYPES.AwaitExpression ||
          (node.type === AST_NODE_TYPES.ForOfStatement && node.await) ||
          (node.type === AST_NODE_TYPES.VariableDeclaration && node.kind === 'await using'),
      );
    }

    /** `T` of a `Promise<T>` return annotation, when `Promise` is the global one; `undefined` otherwise. */
    function promiseTypeArgument(annotation: TSESTree.TypeNode): TSESTree.TypeNode | undefined {
      if (
        annotation.type !== AST_NODE_TYPES.TSTypeReference ||
        annotation.typeName.type !== AST_NODE_TYPES.Identifier ||
        annotation.typeName.name !== 'Promise' ||
        annotation.typeArguments?.params.length !== 1
      ) {
        return undefined;
      }
      const symbol = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(annotation)).getSymbol();
      return isSymbolFromDefaultLibrary(services.program, symbol) ? annotation.typeArguments.params[0] : undefined;
    }

    return {
      MethodDefinition(method) {
        const fn = method.value;
        if (
          method.kind !== 'method' ||
          // The runtime calls the instance method; a static `handle` is someone else's API.
          method.static ||
          method.computed ||
          method.key.type !== AST_NODE_TYPES.Identifier ||
          method.key.name !== 'handle' ||
          fn.type !== AST_NODE_TYPES.FunctionExpression ||
          !fn.async ||
          // `async *handle()` is an async generator: dropping `async` changes what it is.
          fn.generator
        ) {
          return;
        }
        const classNode = method.parent.parent;
        if (classNode.type !== AST_NODE_TYPES.ClassDeclaration && classNode.type !== AST_NODE_TYPES.ClassExpression) return;
        if (!isCatgaHandlerClass(classNode, sourceCode)) return;
        if (awaits(fn.body) || returnsThenable(fn.body) || floatsPromise(fn.body)) return;

        const asyncToken = sourceCode.getTokenBefore(method.key, { filter: (token) => token.value === 'async' });
        if (asyncToken === null) return;
        const afterAsync = sourceCode.getTokenAfter(asyncToken)!;
        const annotation = fn.returnType?.typeAnnotation;
        const unwrapped = annotation === undefined ? undefined : promiseTypeArgument(annotation);
        // A return annotation that is not literally `Promise<T>` (an alias of it, say) cannot be unwrapped
        // textually; removing `async` alone would not compile, so no suggestion then.
        const canSuggest = annotation === undefined || unwrapped !== undefined;

        context.report({
          loc: { start: asyncToken.loc.start, end: method.key.loc.end },
          messageId: 'asyncWithoutAwait',
          data: { handler: classNode.id?.name ?? '(anonymous class)' },
          suggest: canSuggest
            ? [
                {
                  messageId: 'removeAsync',
                  fix: (fixer) => {
                    const fixes = [fixer.removeRange([asyncToken.range[0], afterAsync.range[0]])];
                    if (annotation !== undefined && unwrapped !== undefined) {
                      fixes.push(fixer.replaceText(annotation, sourceCode.getText(unwrapped)));
                    }
                    return fixes;
                  },
                },
              ]
            : undefined,
        });
      },
    };
  },
});
