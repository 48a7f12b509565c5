import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils, ESLintUtils } from '@typescript-eslint/utils';
import { getConstrainedTypeAtLocation } from '@typescript-eslint/type-utils';
import { enclosingHandlerMethod } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { isFunction } from '../util/functions.js';
import { type FixMode, getFixOrSuggest } from '../util/fix-or-suggest.js';
import { includesUndefined, isArrayOrTupleType, isTupleOnlyType } from '../util/types.js';

type MessageIds =
  | 'preferSome'
  | 'preferNotSome'
  | 'preferFind'
  | 'mapFilter'
  | 'includesInLoop'
  | 'useSome'
  | 'useNotSome'
  | 'useFind'
  | 'useFlatMap';

/** Options of `catga/prefer-efficient-array-ops`. */
export interface PreferEfficientArrayOpsOptions {
  /** Check every file's code, not only Catga handlers' `handle()` methods. */
  checkEverywhere?: boolean;
}

type Options = [PreferEfficientArrayOpsOptions];

/** A call `receiver.name(...)` written as a plain, non-optional member call. */
type MethodCall = TSESTree.CallExpression & { callee: TSESTree.MemberExpression & { property: TSESTree.Identifier } };


function isMethodCall(node: TSESTree.Node | undefined, name?: string): node is MethodCall {
  return (
    node?.type === AST_NODE_TYPES.CallExpression &&
    !node.optional &&
    node.callee.type === AST_NODE_TYPES.MemberExpression &&
    !node.callee.optional &&
    !node.callee.computed &&
    node.callee.property.type === AST_NODE_TYPES.Identifier &&
    (name === undefined || node.callee.property.name === name)
  );
}

function isNumber(node: TSESTree.Node, value: number): node is TSESTree.NumberLiteral {
  return node.type === AST_NODE_TYPES.Literal && node.value === value;
}

function isNode(value: unknown): value is TSESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Every node under `root`, `root` included. */
function* descendants(root: TSESTree.Node, visitorKeys: TSESLint.SourceCode.VisitorKeys): Generator<TSESTree.Node> {
  const stack: TSESTree.Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    yield node;
    for (const key of visitorKeys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) {
        for (const item of child) if (isNode(item)) stack.push(item);
      } else if (isNode(child)) {
        stack.push(child);
      }
    }
  }
}

/** Syntax that can have an effect: a callback containing any of it may behave differently if called fewer times. */
const EFFECTFUL = new Set<AST_NODE_TYPES>([
  AST_NODE_TYPES.AssignmentExpression,
  AST_NODE_TYPES.AwaitExpression,
  AST_NODE_TYPES.CallExpression,
  AST_NODE_TYPES.ImportExpression,
  AST_NODE_TYPES.NewExpression,
  AST_NODE_TYPES.TaggedTemplateExpression,
  AST_NODE_TYPES.ThrowStatement,
  AST_NODE_TYPES.UpdateExpression,
  AST_NODE_TYPES.YieldExpression,
]);

/** `len OP n` → whether it means "some match" or "no match", with the length on the left. */
const LENGTH_TESTS: Readonly<Record<string, { value: number; some: boolean }>> = {
  '>': { value: 0, some: true },
  '!==': { value: 0, some: true },
  '!=': { value: 0, some: true },
  '>=': { value: 1, some: true },
  '===': { value: 0, some: false },
  '==': { value: 0, some: false },
  '<': { value: 1, some: false },
  '<=': { value: 0, some: false },
};

/** The operator with its operands swapped (`0 < len` is `len > 0`). */
const MIRRORED: Readonly<Record<string, string>> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/** Array methods that call their callback once per element: a callback passed to one is a loop body. */
const ITERATING_METHODS = new Set([
  'every',
  'filter',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'flatMap',
  'forEach',
  'map',
  'reduce',
  'reduceRight',
  'some',
]);

/** Array methods that change the array they are called on. */
const MUTATING_METHODS = new Set(['copyWithin', 'fill', 'pop', 'push', 'reverse', 'shift', 'sort', 'splice', 'unshift']);

/**
 * CATGA009 (the .NET analyzer's "inefficient LINQ usage"). On arrays, tuples and read-only arrays only (proved by
 * the checker: a class with its own `filter()` is left alone), inside handlers by default:
 * `.filter(p).length > 0` → `.some(p)`, `.filter(p).length === 0` → `!….some(p)`, `.filter(p)[0]`/`.at(0)` →
 * `.find(p)`, `.map(f).filter(g)` (one pass instead of two), and `arr.includes(x)` in a loop (use a Set).
 *
 * `some`/`find` call the predicate fewer times than `filter`, so the rewrite is an autofix only when the predicate is
 * an inline function whose syntax rules out effects (no call, `new`, assignment, update, `await`, `yield`, `throw`)
 * or the global `Boolean`; any other predicate gets a suggestion. `[0]` → `find` also stays a suggestion when the
 * indexed type lacks `undefined` (no `noUncheckedIndexedAccess`): `find` adds `| undefined`, and `--fix` must not
 * break compilation.
 */
export const preferEfficientArrayOps = createRule<Options, MessageIds>({
  name: 'prefer-efficient-array-ops',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Prefer single-pass, short-circuiting array operations in handlers',
      catgaId: 'CATGA009',
      recommended: 'strict',
      requiresTypeChecking: true,
      level: 'warn',
    },
    fixable: 'code',
    hasSuggestions: true,
    messages: {
      preferSome:
        '`.filter(…).length {{comparison}}` builds an array only to test for a match: `.some(…)` stops at the first one and allocates nothing.',
      preferNotSome:
        '`.filter(…).length {{comparison}}` builds an array only to test for no match: `!….some(…)` stops at the first one and allocates nothing.',
      preferFind:
        '`.filter(…){{access}}` builds an array only to take its first element: `.find(…)` stops at the first match and allocates nothing.',
      mapFilter:
        '`.map(…).filter(…)` walks the data twice and builds an intermediate array: fuse them into one pass (a `for…of` loop, or `flatMap`).',
      includesInLoop:
        '`{{name}}.includes()` inside a loop scans `{{name}}` on every iteration: build a `Set` from it once, before the loop, and use `.has()`.',
      useSome: 'Replace with `.some(…)`.',
      useNotSome: 'Replace with `!….some(…)`.',
      useFind: 'Replace with `.find(…)`.',
      useFlatMap: 'Fuse into one `.flatMap(…)` pass.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          checkEverywhere: {
            type: 'boolean',
            description: "Check every file's code, not only Catga handlers' `handle()` methods.",
          },
        },
      },
    ],
    defaultOptions: [{ checkEverywhere: false }],
  },
  create(context, [{ checkEverywhere = false }]) {
    const sourceCode = context.sourceCode;
    const text = sourceCode.text;
    const services = ESLintUtils.getParserServices(context);
    const checker = services.program.getTypeChecker();

    const inScope = (node: TSESTree.Node): boolean => checkEverywhere || enclosingHandlerMethod(node, sourceCode) !== undefined;
    const isArray = (node: TSESTree.Node): boolean => isArrayOrTupleType(checker, getConstrainedTypeAtLocation(services, node));

    /** The global `Boolean` (not a local binding of that name): a predicate known to be pure. */
    function isGlobalBoolean(node: TSESTree.Identifier): boolean {
      if (node.name !== 'Boolean') return false;
      const variable = ASTUtils.findVariable(sourceCode.getScope(node), node);
      return variable === null || variable.defs.length === 0;
    }

    /** Whether calling `callback` fewer times cannot be observed, judged by its syntax alone. */
    function isEffectFree(callback: TSESTree.CallExpressionArgument): boolean {
      if (callback.type === AST_NODE_TYPES.Identifier) return isGlobalBoolean(callback);
      if (callback.type !== AST_NODE_TYPES.ArrowFunctionExpression && callback.type !== AST_NODE_TYPES.FunctionExpression) return false;
      if (callback.async || callback.generator) return false;
      for (const node of descendants(callback, sourceCode.visitorKeys)) {
        if (EFFECTFUL.has(node.type)) return false;
        if (node.type === AST_NODE_TYPES.UnaryExpression && node.operator === 'delete') return false;
      }
      return true;
    }

    /** Whether rewriting `replaced` would drop comments that sit outside `kept`. */
    function dropsComments(replaced: TSESTree.Node, kept: TSESTree.Node): boolean {
      return sourceCode.getCommentsInside(replaced).some((comment) => comment.range[0] < kept.range[0] || comment.range[1] > kept.range[1]);
    }

    /** `filter(args)` rewritten to `method(args)`, receiver and all, from the source text. */
    function renamed(call: MethodCall, method: string): string {
      return `${text.slice(call.range[0], call.callee.property.range[0])}${method}${text.slice(call.callee.property.range[1], call.range[1])}`;
    }

    /** Whether `node` is written to, or called as a method (its `this` would change if replaced). */
    function isWriteOrCallee(node: TSESTree.Node): boolean {
      const parent = node.parent;
      if (parent === undefined) return false;
      switch (parent.type) {
        case AST_NODE_TYPES.AssignmentExpression:
        case AST_NODE_TYPES.AssignmentPattern:
          return parent.left === node;
        case AST_NODE_TYPES.UpdateExpression:
        case AST_NODE_TYPES.ArrayPattern:
        case AST_NODE_TYPES.RestElement:
          return true;
        case AST_NODE_TYPES.UnaryExpression:
          return parent.operator === 'delete';
        case AST_NODE_TYPES.ForInStatement:
        case AST_NODE_TYPES.ForOfStatement:
          return parent.left === node;
        case AST_NODE_TYPES.Property:
          return parent.value === node && parent.parent.type === AST_NODE_TYPES.ObjectPattern;
        case AST_NODE_TYPES.CallExpression:
        case AST_NODE_TYPES.NewExpression:
          return parent.callee === node;
        case AST_NODE_TYPES.TaggedTemplateExpression:
          return parent.tag === node;
        default:
          return false;
      }
    }

    function checkFilter(call: MethodCall): void {
      const args = call.arguments;
      if (args.length === 0 || args.length > 2 || args.some((arg) => arg.type === AST_NODE_TYPES.SpreadElement)) return;
      const receiver = call.callee.object;
      // Scope first: it is syntax only, the type query costs more.
      if (!inScope(call) || !isArray(receiver)) return;
      const predicate = args[0]!;
      const exact = isEffectFree(predicate);
      const start = call.callee.property.loc.start;
      const parent = call.parent;

      // .filter(p).length compared with 0 or 1
      if (
        parent.type === AST_NODE_TYPES.MemberExpression &&
        parent.object === call &&
        !parent.optional &&
        !parent.computed &&
        parent.property.type === AST_NODE_TYPES.Identifier &&
        parent.property.name === 'length' &&
        parent.parent.type === AST_NODE_TYPES.BinaryExpression
      ) {
        const comparison = parent.parent;
        const lengthOnLeft = comparison.left === parent;
        const other = lengthOnLeft ? comparison.right : comparison.left;
        const operator = lengthOnLeft ? comparison.operator : (MIRRORED[comparison.operator] ?? comparison.operator);
        const test = LENGTH_TESTS[operator];
        if (test === undefined || !isNumber(other, test.value)) return;
        const mode: FixMode = exact && !dropsComments(comparison, call) ? 'fix' : 'suggest';
        context.report({
          loc: { start, end: comparison.loc.end },
          messageId: test.some ? 'preferSome' : 'preferNotSome',
          data: { comparison: `${operator} ${test.value}` },
          ...getFixOrSuggest<MessageIds>(mode, {
            messageId: test.some ? 'useSome' : 'useNotSome',
            fix: (fixer) => fixer.replaceText(comparison, `${test.some ? '' : '!'}${renamed(call, 'some')}`),
          }),
        });
        return;
      }

      // .filter(p)[0] and .filter(p).at(0)
      let firstElement: TSESTree.Node | undefined;
      let access = '';
      if (parent.type === AST_NODE_TYPES.MemberExpression && parent.object === call && !parent.optional) {
        if (parent.computed && isNumber(parent.property, 0)) {
          firstElement = parent;
          access = '[0]';
        } else if (
          !parent.computed &&
          parent.property.type === AST_NODE_TYPES.Identifier &&
          parent.property.name === 'at' &&
          parent.parent.type === AST_NODE_TYPES.CallExpression &&
          parent.parent.callee === parent &&
          !parent.parent.optional &&
          parent.parent.arguments.length === 1 &&
          isNumber(parent.parent.arguments[0]!, 0)
        ) {
          firstElement = parent.parent;
          access = '.at(0)';
        }
      }
      if (firstElement !== undefined && !isWriteOrCallee(firstElement)) {
        // `find` returns `T | undefined`; `[0]` without noUncheckedIndexedAccess is typed `T`. Same values at
        // runtime, but an autofix would make code like `const x: T = xs.filter(p)[0]` stop compiling.
        const sameType = includesUndefined(getConstrainedTypeAtLocation(services, firstElement));
        const replaced = firstElement;
        const mode: FixMode = exact && sameType && !dropsComments(replaced, call) ? 'fix' : 'suggest';
        context.report({
          loc: { start, end: replaced.loc.end },
          messageId: 'preferFind',
          data: { access },
          ...getFixOrSuggest<MessageIds>(mode, {
            messageId: 'useFind',
            fix: (fixer) => fixer.replaceText(replaced, renamed(call, 'find')),
          }),
        });
        return;
      }

      // .map(f).filter(g)
      if (isMethodCall(receiver, 'map') && isArray(receiver.callee.object)) {
        const flatMap = flatMapText(receiver, call);
        context.report({
          loc: { start: receiver.callee.property.loc.start, end: call.loc.end },
          messageId: 'mapFilter',
          ...getFixOrSuggest<MessageIds>(flatMap === undefined ? 'none' : 'suggest', {
            messageId: 'useFlatMap',
            fix: (fixer) => fixer.replaceTextRange([receiver.callee.property.range[0], call.range[1]], flatMap ?? ''),
          }),
        });
      }
    }

    /**
     * `flatMap(x => { const y = f; return g ? [y] : []; })` for `map(x => f).filter(y => g)`, when that is exactly
     * the same: both callbacks effect-free (so interleaving their calls is unobservable), one plain parameter each,
     * expression bodies, no type predicate on `g`, and no name captured by the merge. Holes behave alike: `map`
     * keeps them and `filter` skips them; `flatMap` skips them.
     */
    function flatMapText(map: MethodCall, filter: MethodCall): string | undefined {
      const [f, extraF] = map.arguments;
      const [g, extraG] = filter.arguments;
      if (extraF !== undefined || extraG !== undefined) return undefined;
      if (f?.type !== AST_NODE_TYPES.ArrowFunctionExpression || g?.type !== AST_NODE_TYPES.ArrowFunctionExpression) return undefined;
      if (!isEffectFree(f) || !isEffectFree(g)) return undefined;
      // A return type on `f` would now annotate the flatMap callback; one on `g` may be a type predicate.
      if (f.typeParameters !== undefined || f.returnType !== undefined || g.returnType !== undefined) return undefined;
      if (f.body.type === AST_NODE_TYPES.BlockStatement || g.body.type === AST_NODE_TYPES.BlockStatement) return undefined;
      const [x] = f.params;
      const [y] = g.params;
      if (f.params.length !== 1 || g.params.length !== 1) return undefined;
      if (x?.type !== AST_NODE_TYPES.Identifier || y?.type !== AST_NODE_TYPES.Identifier || y.typeAnnotation !== undefined) return undefined;
      if (x.name === y.name) return undefined;
      // Property names (`a.y`, `{ y: 1 }`) are not references; everything else named alike is, conservatively.
      const mentions = (root: TSESTree.Node, name: string): boolean =>
        [...descendants(root, sourceCode.visitorKeys)].some(
          (node) =>
            node.type === AST_NODE_TYPES.Identifier &&
            node.name === name &&
            !(node.parent.type === AST_NODE_TYPES.MemberExpression && node.parent.property === node && !node.parent.computed) &&
            !(node.parent.type === AST_NODE_TYPES.Property && node.parent.key === node && !node.parent.computed && !node.parent.shorthand),
        );
      // `g` would see `x` (the map parameter) instead of an outer `x`; `f` would hit `y` in its temporal dead zone.
      if (mentions(g.body, x.name) || mentions(f.body, y.name)) return undefined;
      if (sourceCode.getCommentsInside(map).length > 0 || sourceCode.getCommentsInside(filter).length > 0) return undefined;
      const arrow = sourceCode.getTokenBefore(f.body, { filter: (token) => token.value === '=>' })!;
      const head = text.slice(f.range[0], arrow.range[0]).trimEnd();
      const test = sourceCode.getText(g.body);
      const guarded = [
        AST_NODE_TYPES.ConditionalExpression,
        AST_NODE_TYPES.SequenceExpression,
        AST_NODE_TYPES.ArrowFunctionExpression,
        AST_NODE_TYPES.AssignmentExpression,
        AST_NODE_TYPES.YieldExpression,
      ].includes(g.body.type)
        ? `(${test})`
        : test;
      return `flatMap(${head} => { const ${y.name} = ${sourceCode.getText(f.body)}; return ${guarded} ? [${y.name}] : []; })`;
    }

    /**
     * The loop `node` runs in, if any, up to the nearest function: a loop statement's body or test, or a callback
     * passed to an iterating method of an array. A plain nested function is not a loop (it may run once).
     */
    function enclosingLoop(node: TSESTree.Node): TSESTree.Node | undefined {
      let child: TSESTree.Node = node;
      for (let current = node.parent; current !== undefined; child = current, current = current.parent) {
        switch (current.type) {
          case AST_NODE_TYPES.ForStatement:
            if (child === current.body || child === current.test || child === current.update) return current;
            break;
          case AST_NODE_TYPES.ForInStatement:
          case AST_NODE_TYPES.ForOfStatement:
            if (child === current.body) return current;
            break;
          case AST_NODE_TYPES.WhileStatement:
          case AST_NODE_TYPES.DoWhileStatement:
            return current;
          default:
            if (isFunction(current)) {
              const call = current.parent;
              const isIterationCallback =
                isMethodCall(call) &&
                call.arguments[0] === current &&
                ITERATING_METHODS.has(call.callee.property.name) &&
                isArray(call.callee.object);
              return isIterationCallback ? call : undefined;
            }
        }
      }
      return undefined;
    }

    /**
     * Whether the array bound to `variable` may change (or escape to code that could change it) inside `loop`:
     * reassigned, mutated through a mutating method or an element/length write, or passed anywhere other than
     * a read. Any doubt counts as a change, so a Set built before the loop is always equivalent when we report.
     */
    function changesIn(variable: TSESLint.Scope.Variable, loop: TSESTree.Node): boolean {
      const inside = (node: TSESTree.Node): boolean => node.range[0] >= loop.range[0] && node.range[1] <= loop.range[1];
      return variable.references.some((reference) => {
        const id = reference.identifier;
        if (!inside(id)) return false;
        if (reference.isWrite()) return true;
        const parent = id.parent;
        if (parent?.type === AST_NODE_TYPES.MemberExpression && parent.object === id) {
          if (isWriteOrCallee(parent)) {
            const method = !parent.computed && parent.property.type === AST_NODE_TYPES.Identifier ? parent.property.name : undefined;
            const isCall = parent.parent.type === AST_NODE_TYPES.CallExpression && parent.parent.callee === parent;
            return !isCall || method === undefined || MUTATING_METHODS.has(method);
          }
          return false;
        }
        // Reads that cannot hand the array to other code.
        return !(
          (parent?.type === AST_NODE_TYPES.ForOfStatement && parent.right === id) ||
          (parent?.type === AST_NODE_TYPES.SpreadElement && parent.parent.type === AST_NODE_TYPES.ArrayExpression) ||
          parent?.type === AST_NODE_TYPES.BinaryExpression ||
          (parent?.type === AST_NODE_TYPES.UnaryExpression && parent.operator !== 'delete')
        );
      });
    }

    function checkIncludes(call: MethodCall): void {
      const receiver = call.callee.object;
      if (receiver.type !== AST_NODE_TYPES.Identifier) return;
      // `includes(x, fromIndex)` has no Set equivalent.
      if (call.arguments.length !== 1 || call.arguments[0]!.type === AST_NODE_TYPES.SpreadElement) return;
      const loop = enclosingLoop(call);
      if (loop === undefined || !inScope(call)) return;
      const type = getConstrainedTypeAtLocation(services, receiver);
      // Tuples have a length fixed in their type, usually a handful: a linear scan beats hashing there.
      if (!isArrayOrTupleType(checker, type) || isTupleOnlyType(checker, type)) return;
      const variable = ASTUtils.findVariable(sourceCode.getScope(receiver), receiver);
      if (variable === null || variable.defs.length === 0) return;
      // An array declared inside the loop is a new one each time round: a Set would be rebuilt just as often.
      if (variable.defs.some((def) => def.name.range[0] >= loop.range[0] && def.name.range[1] <= loop.range[1])) return;
      if (changesIn(variable, loop)) return;
      context.report({
        loc: { start: call.callee.property.loc.start, end: call.loc.end },
        messageId: 'includesInLoop',
        data: { name: receiver.name },
      });
    }

    return {
      CallExpression(call) {
        if (isMethodCall(call, 'filter')) checkFilter(call);
        else if (isMethodCall(call, 'includes')) checkIncludes(call);
      },
    };
  },
});
