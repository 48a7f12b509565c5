import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { catgaHandlerDecorator, implementedHandlerInterfaces, runtimeExportName } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { indentationOf, runtimeValueReference, startsLine, valueImportFix } from '../util/imports.js';

type MessageIds = 'missingDecorator' | 'addDecorator';

type ClassNode = TSESTree.ClassDeclaration | TSESTree.ClassExpression;
type Fix = (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix[];

/**
 * CATGA010: a class implementing a runtime handler interface (`CommandHandler<X>`, `QueryHandler<X>`,
 * `EventHandler<X>`) must carry `@CatgaHandler(...)`. The runtime reads the message class from that decorator:
 * `createCatga().handler(HandlerClass, …)` throws for an undecorated class, so the mistake surfaces only when the
 * app starts. Suggestion (never an autofix, decorators run at run time): add `@CatgaHandler(X)` and its import.
 */
export const requireHandlerDecorator = createRule<[], MessageIds>({
  name: 'require-handler-decorator',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require `@CatgaHandler` on classes implementing a Catga handler interface',
      catgaId: 'CATGA010',
      recommended: 'strict',
      requiresTypeChecking: false,
      level: 'warn',
    },
    hasSuggestions: true,
    schema: [],
    defaultOptions: [],
    messages: {
      missingDecorator:
        'Handler class {{name}} implements {{interfaceName}} but has no @CatgaHandler decorator; registering it with `.handler()` throws.',
      addDecorator: 'Add `{{decorator}}`.',
    },
  },
  create(context) {
    const sourceCode = context.sourceCode;

    function check(node: ClassNode): void {
      // Ambient and abstract classes are never registered themselves; their concrete subclasses are.
      if (node.declare || node.abstract) return;
      const handlerInterfaces = implementedHandlerInterfaces(node, sourceCode);
      const first = handlerInterfaces[0];
      if (first === undefined || catgaHandlerDecorator(node, sourceCode) !== undefined) return;
      const messageType = first.heritage.typeArguments?.params[0];
      // A generic base (`class Logged<C> implements CommandHandler<C>`) is decorated on its concrete subclasses.
      if (messageType !== undefined && isOwnTypeParameter(messageType, node)) return;

      // One class can carry one @CatgaHandler: with several handler interfaces, which message is meant is the
      // author's call, so no suggestion then.
      const suggestion = handlerInterfaces.length === 1 && messageType !== undefined ? suggestDecorator(node, messageType) : undefined;
      context.report({
        node: node.id ?? first.heritage,
        messageId: 'missingDecorator',
        data: {
          name: node.id?.name ?? '(anonymous)',
          interfaceName: runtimeExportName(first.heritage.expression, sourceCode)!,
        },
        suggest: suggestion === undefined ? null : [suggestion],
      });
    }

    /**
     * `@CatgaHandler(X)` where X is the interface's type argument written as a value, or `undefined` when X is not
     * a plain (qualified) name of something that exists at run time.
     */
    function suggestDecorator(node: ClassNode, messageType: TSESTree.TypeNode): TSESLint.SuggestionReportDescriptor<MessageIds> | undefined {
      if (messageType.type !== AST_NODE_TYPES.TSTypeReference || messageType.typeArguments !== undefined) return undefined;
      const messageFix = valueFixFor(messageType.typeName);
      if (messageFix === undefined) return undefined;
      const reference = runtimeValueReference('CatgaHandler', node, sourceCode);
      if (reference === undefined) return undefined;
      const decorator = `@${reference.text}(${sourceCode.getText(messageType.typeName)})`;
      return {
        messageId: 'addDecorator',
        data: { decorator },
        fix: (fixer) => [insertDecorator(fixer, node, decorator), ...messageFix(fixer), ...reference.fix(fixer)],
      };
    }

    /**
     * The message class must be a value where the decorator is evaluated. A name that only denotes a type (an
     * interface, a type alias, a type parameter) cannot be passed; a type-only import can, once it is made a value
     * import (the returned fix does that). No fix = no suggestion.
     */
    function valueFixFor(typeName: TSESTree.EntityName): Fix | undefined {
      let leftmost: TSESTree.EntityName = typeName;
      while (leftmost.type === AST_NODE_TYPES.TSQualifiedName) leftmost = leftmost.left;
      if (leftmost.type !== AST_NODE_TYPES.Identifier) return undefined;
      const variable = ASTUtils.findVariable(sourceCode.getScope(leftmost), leftmost);
      // Not declared in this file (a global, or an ambient name): assume it is a value.
      if (variable === null || variable.defs.length === 0) return () => [];
      if (variable.defs.some((d) => d.type !== 'Type' && d.type !== 'ImportBinding')) return () => [];
      const binding = variable.defs.find((d) => d.type === 'ImportBinding');
      return binding === undefined ? undefined : valueImportFix(binding.node as TSESTree.ImportClause, sourceCode);
    }

    /**
     * Inserts the decorator on its own line above the class (above `export`, the usual TypeScript layout, and above
     * any decorators it already has), with the class's indentation. When the existing decorators sit after `export`
     * (`export @Dec class`), it joins them there: decorators on both sides of `export` do not compile.
     */
    function insertDecorator(fixer: TSESLint.RuleFixer, node: ClassNode, decorator: string): TSESLint.RuleFix {
      const outer =
        node.parent.type === AST_NODE_TYPES.ExportNamedDeclaration || node.parent.type === AST_NODE_TYPES.ExportDefaultDeclaration
          ? node.parent
          : node;
      const target = node.decorators[0] ?? outer;
      const separator = startsLine(target, sourceCode) ? `\n${indentationOf(target, sourceCode)}` : ' ';
      return fixer.insertTextBefore(target, `${decorator}${separator}`);
    }

    return { ClassDeclaration: check, ClassExpression: check };
  },
});

/** Whether a type argument is just one of the class's own type parameters. */
function isOwnTypeParameter(type: TSESTree.TypeNode, node: ClassNode): boolean {
  return (
    type.type === AST_NODE_TYPES.TSTypeReference &&
    type.typeName.type === AST_NODE_TYPES.Identifier &&
    (node.typeParameters?.params.some((p) => p.name.name === (type.typeName as TSESTree.Identifier).name) ?? false)
  );
}
