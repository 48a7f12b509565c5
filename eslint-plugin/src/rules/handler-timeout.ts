import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { isCatgaHandlerClass, runtimeExportName } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { addPropertyFix, lookUpOption, numericLiteral } from '../util/imports.js';

type MessageIds = 'timeoutTooLong' | 'missingTimeout' | 'useMaxTimeout' | 'addTimeout';

/** Options of `catga/handler-timeout`. */
export interface HandlerTimeoutOptions {
  /** Largest accepted timeout, in ms (default 30,000). */
  readonly maxTimeoutMs?: number;
  /** Also report `@CatgaCommand`/`@CatgaQuery` without `timeoutMs` when this file configures no instance-wide timeout. */
  readonly requireTimeout?: boolean;
}

const MESSAGE_DECORATORS = new Set(['CatgaCommand', 'CatgaQuery', 'CatgaEvent']);
// Events are excluded from requireTimeout: an event's timeout applies per handler and fire-and-forget handlers
// do not hold a caller.
const REQUEST_DECORATORS = new Set(['CatgaCommand', 'CatgaQuery']);

/**
 * CATGA011: timeouts above `maxTimeoutMs`, wherever a Catga handler's time limit is set:
 * - `timeoutMs` in `@CatgaCommand/@CatgaQuery/@CatgaEvent({ … })` (runtime decorators, resolved through imports);
 * - `.withTimeout({ timeoutMs })` on a Catga builder (a chain rooted at the runtime's `createCatga()` or
 *   `new CatgaBuilder()`, through `const` variables, or a variable/parameter annotated `CatgaBuilder`);
 * - `AbortSignal.timeout(n)` inside a Catga handler class.
 * Values resolve statically (`5 * 60_000`, `const` chains); unresolvable ones are not reported. With
 * `requireTimeout`, a command or query without `timeoutMs` is reported unless this file sets an instance-wide
 * timeout. Suggestions only: a different timeout changes behaviour.
 */
export const handlerTimeout = createRule<[HandlerTimeoutOptions], MessageIds>({
  name: 'handler-timeout',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Disallow Catga handler timeouts above a maximum',
      catgaId: 'CATGA011',
      recommended: 'recommended',
      requiresTypeChecking: false,
      level: 'warn',
    },
    hasSuggestions: true,
    schema: [
      {
        type: 'object',
        properties: {
          maxTimeoutMs: { type: 'integer', minimum: 1, description: 'Largest accepted timeout, in ms.' },
          requireTimeout: {
            type: 'boolean',
            description: 'Report commands and queries without `timeoutMs` when the file configures no instance-wide timeout.',
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ maxTimeoutMs: 30_000, requireTimeout: false }],
    messages: {
      timeoutTooLong:
        'Timeout of {{value}} ms is above the maximum of {{max}} ms: a stuck handler holds its caller and resources that long.',
      missingTimeout:
        '@{{decorator}} on {{name}} sets no `timeoutMs`, and this file configures no instance-wide timeout (`.withTimeout()`).',
      useMaxTimeout: 'Lower the timeout to {{max}} ms.',
      addTimeout: 'Add `timeoutMs: {{max}}`.',
    },
  },
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    const max = options.maxTimeoutMs ?? 30_000;
    const maxText = numericLiteral(max);
    // requireTimeout is decided at the end of the file: a `.withTimeout()` further down still counts.
    const withoutTimeout: Array<{ decorator: TSESTree.Decorator; name: string; call: TSESTree.CallExpression }> = [];
    let instanceTimeoutSeen = false;

    /** Reports `value` if it resolves to a number above the maximum; `replace` is the node the suggestion rewrites. */
    function checkValue(value: TSESTree.Node, replace: TSESTree.Node = value): void {
      const resolved = ASTUtils.getStaticValue(value, sourceCode.getScope(value));
      if (resolved === null || typeof resolved.value !== 'number' || !(resolved.value > max)) return;
      // `{ timeoutMs }` (shorthand) is rewritten as a whole property; anything else is replaced in place.
      const replacement = replace === value ? maxText : `timeoutMs: ${maxText}`;
      context.report({
        node: value,
        messageId: 'timeoutTooLong',
        data: { value: numericLiteral(resolved.value), max: maxText },
        suggest: [{ messageId: 'useMaxTimeout', data: { max: maxText }, fix: (fixer) => fixer.replaceText(replace, replacement) }],
      });
    }

    /** Checks the `timeoutMs` entry of an options object literal; returns whether the literal may set a timeout. */
    function checkTimeoutOption(object: TSESTree.ObjectExpression): boolean {
      const found = lookUpOption(object, 'timeoutMs', sourceCode.getScope(object));
      if (found.kind === 'property') {
        const property = found.property;
        checkValue(property.value, property.shorthand ? property : property.value);
      }
      return found.kind !== 'absent';
    }

    function checkClass(node: TSESTree.ClassDeclaration | TSESTree.ClassExpression): void {
      for (const decorator of node.decorators) {
        const call = decorator.expression;
        if (call.type !== AST_NODE_TYPES.CallExpression) continue;
        const name = runtimeExportName(call.callee, sourceCode);
        if (name === undefined || !MESSAGE_DECORATORS.has(name)) continue;
        const argument = unwrapped(call.arguments[0]);
        let hasTimeout: boolean;
        if (argument === undefined) hasTimeout = false;
        else if (argument.type === AST_NODE_TYPES.ObjectExpression) hasTimeout = checkTimeoutOption(argument);
        // Options passed as a variable or call: not analysed, so never reported as missing.
        else hasTimeout = true;
        if (!hasTimeout && options.requireTimeout === true && REQUEST_DECORATORS.has(name)) {
          withoutTimeout.push({ decorator, name: node.id?.name ?? '(anonymous)', call });
        }
      }
    }

    function checkCall(node: TSESTree.CallExpression): void {
      const callee = node.callee;
      if (callee.type !== AST_NODE_TYPES.MemberExpression || callee.computed || callee.property.type !== AST_NODE_TYPES.Identifier) return;
      const argument = node.arguments[0];
      if (callee.property.name === 'withTimeout') {
        if (argument === undefined || !isCatgaBuilder(callee.object, sourceCode, new Set())) return;
        if (!(argument.type === AST_NODE_TYPES.Literal && argument.value === false)) instanceTimeoutSeen = true;
        const options = unwrapped(argument);
        if (options?.type === AST_NODE_TYPES.ObjectExpression) checkTimeoutOption(options);
        return;
      }
      if (
        callee.property.name === 'timeout' &&
        callee.object.type === AST_NODE_TYPES.Identifier &&
        callee.object.name === 'AbortSignal' &&
        argument !== undefined &&
        argument.type !== AST_NODE_TYPES.SpreadElement &&
        isGlobal(callee.object, sourceCode) &&
        insideHandlerClass(node, sourceCode)
      ) {
        checkValue(argument);
      }
    }

    return {
      ClassDeclaration: checkClass,
      ClassExpression: checkClass,
      CallExpression: checkCall,
      'Program:exit'() {
        if (instanceTimeoutSeen) return;
        for (const { decorator, name, call } of withoutTimeout) {
          const argument = unwrapped(call.arguments[0]);
          const fix: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix | TSESLint.RuleFix[] =
            argument?.type === AST_NODE_TYPES.ObjectExpression
              ? addPropertyFix(argument, `timeoutMs: ${maxText}`, sourceCode)
              : (fixer) => fixer.insertTextAfter(sourceCode.getTokenAfter(call.callee, { filter: (t) => t.value === '(' })!, `{ timeoutMs: ${maxText} }`);
          context.report({
            node: decorator,
            messageId: 'missingTimeout',
            data: { decorator: runtimeExportName(call.callee, sourceCode)!, name },
            suggest: [{ messageId: 'addTimeout', data: { max: maxText }, fix }],
          });
        }
      },
    };
  },
});

/** An argument without `as const` / `satisfies T` / `!` around it. */
function unwrapped(node: TSESTree.CallExpressionArgument | undefined): TSESTree.CallExpressionArgument | undefined {
  let current = node;
  while (
    current?.type === AST_NODE_TYPES.TSAsExpression ||
    current?.type === AST_NODE_TYPES.TSSatisfiesExpression ||
    current?.type === AST_NODE_TYPES.TSNonNullExpression
  ) {
    current = current.expression;
  }
  return current;
}

/** Whether an identifier refers to the global of that name (not a local or imported binding). */
function isGlobal(identifier: TSESTree.Identifier, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const variable = ASTUtils.findVariable(sourceCode.getScope(identifier), identifier);
  return variable === null || variable.defs.length === 0;
}

/** Whether the nearest class around `node` is a Catga handler class. */
function insideHandlerClass(node: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  // `Program.parent` is `null` at run time (ESLint sets it), whatever the types say.
  for (let current: TSESTree.Node | null | undefined = node.parent; current != null; current = current.parent) {
    if (current.type === AST_NODE_TYPES.ClassDeclaration || current.type === AST_NODE_TYPES.ClassExpression) {
      return isCatgaHandlerClass(current, sourceCode);
    }
  }
  return false;
}

/**
 * Whether `expression` is a Catga builder, by where it comes from: a method chain rooted at the runtime's
 * `createCatga(…)` or `new CatgaBuilder(…)` (builder methods return the builder), a `const` initialised so, or a
 * variable or parameter annotated with the runtime's `CatgaBuilder` type. Other `withTimeout` methods (HTTP
 * clients, promise utilities) are not Catga's and are left alone.
 */
function isCatgaBuilder(expression: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>, seen: Set<TSESTree.Node>): boolean {
  if (seen.has(expression)) return false;
  seen.add(expression);
  switch (expression.type) {
    case AST_NODE_TYPES.TSAsExpression:
    case AST_NODE_TYPES.TSNonNullExpression:
    case AST_NODE_TYPES.TSSatisfiesExpression:
      return isCatgaBuilder(expression.expression, sourceCode, seen);
    case AST_NODE_TYPES.NewExpression:
      return runtimeExportName(expression.callee, sourceCode) === 'CatgaBuilder';
    case AST_NODE_TYPES.CallExpression:
      if (runtimeExportName(expression.callee, sourceCode) === 'createCatga') return true;
      return expression.callee.type === AST_NODE_TYPES.MemberExpression && isCatgaBuilder(expression.callee.object, sourceCode, seen);
    case AST_NODE_TYPES.Identifier: {
      const variable = ASTUtils.findVariable(sourceCode.getScope(expression), expression);
      const definition = variable?.defs[0];
      if (variable === null || definition === undefined) return false;
      const name = definition.name;
      if (name.type === AST_NODE_TYPES.Identifier && name.typeAnnotation?.typeAnnotation.type === AST_NODE_TYPES.TSTypeReference) {
        return runtimeExportName(name.typeAnnotation.typeAnnotation.typeName, sourceCode) === 'CatgaBuilder';
      }
      // An initialiser tells what the variable holds only if nothing assigns it later.
      const declarator = definition.node;
      if (
        definition.type === 'Variable' &&
        declarator.type === AST_NODE_TYPES.VariableDeclarator &&
        declarator.init !== null &&
        variable.references.every((reference) => !reference.isWrite() || reference.init === true)
      ) {
        return isCatgaBuilder(declarator.init, sourceCode, seen);
      }
      return false;
    }
    default:
      return false;
  }
}
