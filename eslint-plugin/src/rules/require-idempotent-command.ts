import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { runtimeExportName } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { addPropertyFix, lookUpOption } from '../util/imports.js';

type MessageIds = 'missingIdempotency' | 'addIdempotent';

/** Options of `catga/require-idempotent-command`. */
export interface RequireIdempotentCommandOptions {
  /**
   * A regular expression (a string, compiled with the `u` flag): commands whose class name matches it are critical
   * too, e.g. `'^(Create|Delete|Pay|Charge|Refund|Transfer)'`. Default: none, only `critical: true` counts.
   */
  readonly criticalPattern?: string;
}

/**
 * CATGA013: a critical `@CatgaCommand` — `critical: true` in its options, or a class name matching `criticalPattern`
 * — must declare `idempotent: true` or `idempotent: { key, ttlMs }`. Retries, transport redelivery and client
 * re-sends all deliver a command again; without idempotency a payment or a stock move runs twice.
 * `idempotent: false` counts as missing. Options the rule cannot read (a variable passed as the options, an unknown
 * spread) are not reported. Suggestion: add `idempotent: true` (keyed by message id; a domain key is the author's
 * call).
 */
export const requireIdempotentCommand = createRule<[RequireIdempotentCommandOptions], MessageIds>({
  name: 'require-idempotent-command',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require critical Catga commands to be idempotent',
      catgaId: 'CATGA013',
      recommended: 'recommended',
      requiresTypeChecking: false,
      level: 'warn',
    },
    hasSuggestions: true,
    schema: [
      {
        type: 'object',
        properties: {
          criticalPattern: {
            type: 'string',
            description: 'Regular expression; commands whose class name matches it are critical too.',
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{}],
    messages: {
      missingIdempotency:
        'Critical command {{name}} ({{reason}}) is not idempotent: a retry or redelivery runs it twice. Declare `idempotent: true` or `idempotent: { key }`.',
      addIdempotent: 'Add `idempotent: true` (duplicates recognised by message id).',
    },
  },
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    const criticalPattern = options.criticalPattern === undefined ? undefined : new RegExp(options.criticalPattern, 'u');

    function checkClass(node: TSESTree.ClassDeclaration | TSESTree.ClassExpression): void {
      for (const decorator of node.decorators) {
        const call = decorator.expression;
        if (call.type !== AST_NODE_TYPES.CallExpression || runtimeExportName(call.callee, sourceCode) !== 'CatgaCommand') continue;
        const argument = call.arguments[0];
        if (argument !== undefined && argument.type !== AST_NODE_TYPES.ObjectExpression) continue;
        const scope = sourceCode.getScope(call);

        const critical = argument === undefined ? undefined : staticOption(argument, 'critical', scope);
        const nameIsCritical = criticalPattern !== undefined && node.id !== null && criticalPattern.test(node.id.name);
        if (critical !== true && !nameIsCritical) continue;

        const idempotent = argument === undefined ? ({ kind: 'absent' } as const) : lookUpOption(argument, 'idempotent', scope);
        if (!isMissing(idempotent, scope)) continue;

        context.report({
          node: decorator,
          messageId: 'missingIdempotency',
          data: {
            name: node.id?.name ?? '(anonymous)',
            reason: critical === true ? '`critical: true`' : `name matches /${criticalPattern!.source}/`,
          },
          suggest: [{ messageId: 'addIdempotent', fix: addIdempotentFix(call, argument, idempotent) }],
        });
      }
    }

    /** `idempotent: true`: replaces an explicit `idempotent: false`, else adds the property (or the whole object). */
    function addIdempotentFix(
      call: TSESTree.CallExpression,
      argument: TSESTree.ObjectExpression | undefined,
      idempotent: ReturnType<typeof lookUpOption>,
    ): (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix | TSESLint.RuleFix[] {
      if (argument === undefined) {
        const openParen = sourceCode.getTokenAfter(call.callee, { filter: (token) => token.value === '(' })!;
        return (fixer) => fixer.insertTextAfter(openParen, '{ idempotent: true }');
      }
      if (idempotent.kind === 'property') {
        // Replaced in place: a second `idempotent` key would not compile (TS1117). `{ idempotent }` is rewritten whole.
        const { property } = idempotent;
        return property.shorthand
          ? (fixer) => fixer.replaceText(property, 'idempotent: true')
          : (fixer) => fixer.replaceText(property.value, 'true');
      }
      return addPropertyFix(argument, 'idempotent: true', sourceCode);
    }

    return { ClassDeclaration: checkClass, ClassExpression: checkClass };
  },
});

/** The static value of an option, `undefined` when absent or unknown. */
function staticOption(object: TSESTree.ObjectExpression, name: string, scope: TSESLint.Scope.Scope): unknown {
  const found = lookUpOption(object, name, scope);
  if (found.kind === 'spread') return found.value;
  if (found.kind !== 'property') return undefined;
  return ASTUtils.getStaticValue(found.property.value, scope)?.value;
}

/**
 * Whether `idempotent` is known to be off: absent, or statically `false`/`undefined`/`null`. An object literal
 * (even `{}`: keyed by message id) or `true` is on; an unresolvable value is given the benefit of the doubt.
 */
function isMissing(found: ReturnType<typeof lookUpOption>, scope: TSESLint.Scope.Scope): boolean {
  switch (found.kind) {
    case 'absent':
      return true;
    case 'unknown':
      return false;
    case 'spread':
      return !isOn(found.value);
    case 'property': {
      const value = found.property.value;
      if (value.type === AST_NODE_TYPES.ObjectExpression) return false;
      const resolved = ASTUtils.getStaticValue(value, scope);
      return resolved !== null && !isOn(resolved.value);
    }
  }
}

function isOn(value: unknown): boolean {
  return value === true || (typeof value === 'object' && value !== null);
}
