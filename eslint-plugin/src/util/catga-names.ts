import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';

/** The package whose exports the rules recognise. */
export const RUNTIME_PACKAGE = '@catga/runtime';

/** Handler interfaces exported by the runtime, by kind. */
export const HANDLER_INTERFACES: Readonly<Record<string, 'command' | 'query' | 'event'>> = {
  CommandHandler: 'command',
  QueryHandler: 'query',
  EventHandler: 'event',
};

/**
 * The name `node` has in `@catga/runtime`, if it refers to one of its exports: an identifier bound by an import from
 * the runtime (renamed imports included: `import { CatgaHandler as Handler }`), or `ns.Name` on a namespace import.
 * Resolution goes through ESLint's scope analysis, so a local variable that shadows an import is not mistaken for it.
 */
export function runtimeExportName(node: TSESTree.Node, sourceCode: TSESLint.SourceCode): string | undefined {
  if (node.type === AST_NODE_TYPES.Identifier) {
    const specifier = importSpecifierOf(node, sourceCode);
    if (specifier === undefined) return undefined;
    if (specifier.type === AST_NODE_TYPES.ImportSpecifier) {
      return specifier.imported.type === AST_NODE_TYPES.Identifier ? specifier.imported.name : specifier.imported.value;
    }
    return undefined;
  }
  if (node.type === AST_NODE_TYPES.MemberExpression && !node.computed && node.property.type === AST_NODE_TYPES.Identifier) {
    if (node.object.type !== AST_NODE_TYPES.Identifier) return undefined;
    const specifier = importSpecifierOf(node.object, sourceCode);
    return specifier?.type === AST_NODE_TYPES.ImportNamespaceSpecifier ? node.property.name : undefined;
  }
  if (node.type === AST_NODE_TYPES.TSQualifiedName && node.left.type === AST_NODE_TYPES.Identifier) {
    const specifier = importSpecifierOf(node.left, sourceCode);
    return specifier?.type === AST_NODE_TYPES.ImportNamespaceSpecifier ? node.right.name : undefined;
  }
  return undefined;
}

function importSpecifierOf(
  identifier: TSESTree.Identifier,
  sourceCode: TSESLint.SourceCode,
): TSESTree.ImportClause | undefined {
  let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(identifier);
  while (scope !== null) {
    const variable = scope.set.get(identifier.name);
    if (variable !== undefined) {
      const definition = variable.defs[0];
      if (definition?.type !== 'ImportBinding') return undefined;
      const declaration = definition.parent;
      return declaration.type === AST_NODE_TYPES.ImportDeclaration && declaration.source.value === RUNTIME_PACKAGE
        ? (definition.node as TSESTree.ImportClause)
        : undefined;
    }
    scope = scope.upper;
  }
  return undefined;
}

/** The `@CatgaHandler(...)` decorator of a class, if it has one. */
export function catgaHandlerDecorator(
  classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression,
  sourceCode: TSESLint.SourceCode,
): TSESTree.Decorator | undefined {
  return classNode.decorators.find((decorator) => {
    const callee = decorator.expression.type === AST_NODE_TYPES.CallExpression ? decorator.expression.callee : decorator.expression;
    return runtimeExportName(callee, sourceCode) === 'CatgaHandler';
  });
}

/** The runtime handler interfaces a class implements (`implements CommandHandler<X>`), with their kind. */
export function implementedHandlerInterfaces(
  classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression,
  sourceCode: TSESLint.SourceCode,
): Array<{ heritage: TSESTree.TSClassImplements; kind: 'command' | 'query' | 'event' }> {
  const found: Array<{ heritage: TSESTree.TSClassImplements; kind: 'command' | 'query' | 'event' }> = [];
  for (const heritage of classNode.implements) {
    const name = runtimeExportName(heritage.expression, sourceCode);
    const kind = name === undefined ? undefined : HANDLER_INTERFACES[name];
    if (kind !== undefined) found.push({ heritage, kind });
  }
  return found;
}

/** Whether a class is a Catga handler: decorated with `@CatgaHandler` or implementing a runtime handler interface. */
export function isCatgaHandlerClass(
  classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression,
  sourceCode: TSESLint.SourceCode,
): boolean {
  return catgaHandlerDecorator(classNode, sourceCode) !== undefined || implementedHandlerInterfaces(classNode, sourceCode).length > 0;
}

/**
 * The `handle` method of a Catga handler class that `node` is inside (the function body itself, not nested
 * callbacks' own bodies — those are still "inside the handler" for rules that care about what a handler calls).
 */
export function enclosingHandlerMethod(node: TSESTree.Node, sourceCode: TSESLint.SourceCode): TSESTree.MethodDefinition | undefined {
  // `!= null`: ESLint 10 sets Program.parent to null, not undefined.
  for (let current: TSESTree.Node | null | undefined = node.parent; current != null; current = current.parent) {
    if (
      current.type === AST_NODE_TYPES.MethodDefinition &&
      current.key.type === AST_NODE_TYPES.Identifier &&
      current.key.name === 'handle' &&
      (current.parent.parent.type === AST_NODE_TYPES.ClassDeclaration || current.parent.parent.type === AST_NODE_TYPES.ClassExpression) &&
      isCatgaHandlerClass(current.parent.parent, sourceCode)
    ) {
      return current;
    }
  }
  return undefined;
}
