import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils, ESLintUtils } from '@typescript-eslint/utils';
import type ts from 'typescript';
import { RUNTIME_PACKAGE } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { handledEvents } from '../util/event-index.js';
import { extendsRuntimeClass, resolveAlias } from '../util/runtime-symbols.js';

type MessageIds = 'unhandledEvent' | 'addHandlerStub';

/** Options of `catga/no-unhandled-event`. */
export interface NoUnhandledEventOptions {
  /** Event class names handled outside this Program (another service over a broker); never reported. */
  knownHandled?: string[];
}

/** Calls whose argument is an event being published: `catga.publish(e)`, `context.publish(e)`, `publishBatch([…])`. */
const PUBLISH_METHODS: ReadonlySet<string> = new Set(['publish', 'publishBatch']);

interface Candidate {
  readonly symbol: ts.Symbol;
  readonly name: string;
}

interface DeclaredEvent extends Candidate {
  readonly node: TSESTree.ClassDeclaration & { id: TSESTree.Identifier };
}

interface PublishedEvent extends Candidate {
  readonly node: TSESTree.NewExpression;
}

/** The name of the function a call calls (`x.publish(…)`, `publish(…)`), when it is static. */
function calleeName(call: TSESTree.CallExpression): string | undefined {
  const callee = call.callee;
  if (callee.type === AST_NODE_TYPES.Identifier) return callee.name;
  if (callee.type === AST_NODE_TYPES.MemberExpression && !callee.computed && callee.property.type === AST_NODE_TYPES.Identifier) {
    return callee.property.name;
  }
  return undefined;
}

/** The `new E(…)` expressions a publish call publishes: its first argument, or the elements of `publishBatch([…])`. */
function publishedNews(call: TSESTree.CallExpression, method: string): TSESTree.NewExpression[] {
  const [first] = call.arguments;
  if (first === undefined) return [];
  const candidates = method === 'publishBatch' && first.type === AST_NODE_TYPES.ArrayExpression ? first.elements : [first];
  return candidates.filter((element): element is TSESTree.NewExpression => element?.type === AST_NODE_TYPES.NewExpression);
}

/** The runtime import declarations of the file. */
function runtimeImports(sourceCode: Readonly<TSESLint.SourceCode>): TSESTree.ImportDeclaration[] {
  return sourceCode.ast.body.filter(
    (statement): statement is TSESTree.ImportDeclaration =>
      statement.type === AST_NODE_TYPES.ImportDeclaration && statement.source.value === RUNTIME_PACKAGE,
  );
}

function importedName(specifier: TSESTree.ImportSpecifier): string {
  return specifier.imported.type === AST_NODE_TYPES.Identifier ? specifier.imported.name : specifier.imported.value;
}

/** Text and fixes that make `CatgaHandler` and `EventHandler` usable in a stub handler inserted at the top level. */
interface StubNames {
  readonly decorator: string;
  readonly handlerInterface: string;
  readonly fixes: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix[];
}

/**
 * How the stub can name the runtime's `CatgaHandler` (a value) and `EventHandler` (a type), reusing the file's imports:
 * an existing named import (renamed or not) or a namespace import; otherwise the names are added to the runtime's
 * named import (`EventHandler` into an `import type { … }` of the runtime if there is one, else as `type EventHandler`
 * when the file writes type-only imports) or to a new import line. `undefined` when that is not safe (the name is
 * already taken, or `CatgaHandler` is only imported as a type).
 */
function stubNames(sourceCode: Readonly<TSESLint.SourceCode>): StubNames | undefined {
  const declarations = runtimeImports(sourceCode);
  const local = (name: string, usableAsValue: boolean): string | undefined | null => {
    for (const declaration of declarations) {
      for (const specifier of declaration.specifiers) {
        if (specifier.type !== AST_NODE_TYPES.ImportSpecifier || importedName(specifier) !== name) continue;
        const typeOnly = declaration.importKind === 'type' || specifier.importKind === 'type';
        return usableAsValue && typeOnly ? null : specifier.local.name;
      }
    }
    return undefined;
  };
  const namespace = declarations
    .filter((declaration) => declaration.importKind !== 'type')
    .flatMap((declaration) => declaration.specifiers)
    .find((specifier) => specifier.type === AST_NODE_TYPES.ImportNamespaceSpecifier);

  const decorator = local('CatgaHandler', true);
  const handlerInterface = local('EventHandler', false);
  if (decorator === null) return undefined;
  if (namespace !== undefined) {
    return {
      decorator: decorator ?? `${namespace.local.name}.CatgaHandler`,
      handlerInterface: handlerInterface ?? `${namespace.local.name}.EventHandler`,
      fixes: () => [],
    };
  }

  const moduleScope = sourceCode.scopeManager?.globalScope?.childScopes[0] ?? sourceCode.scopeManager?.globalScope ?? null;
  const taken = (name: string): boolean => moduleScope !== null && ASTUtils.findVariable(moduleScope, name) !== null;
  if ((decorator === undefined && taken('CatgaHandler')) || (handlerInterface === undefined && taken('EventHandler'))) return undefined;

  const usesTypeImports = sourceCode.ast.body.some(
    (statement) =>
      statement.type === AST_NODE_TYPES.ImportDeclaration &&
      (statement.importKind === 'type' ||
        statement.specifiers.some((s) => s.type === AST_NODE_TYPES.ImportSpecifier && s.importKind === 'type')),
  );
  const named = declarations.find(
    (declaration) => declaration.importKind !== 'type' && declaration.specifiers.some((s) => s.type === AST_NODE_TYPES.ImportSpecifier),
  );
  const typeOnly = declarations.find(
    (declaration) => declaration.importKind === 'type' && declaration.specifiers.some((s) => s.type === AST_NODE_TYPES.ImportSpecifier),
  );

  // What goes into the value import, and what into the type-only one.
  const valueNames: string[] = [];
  const typeNames: string[] = [];
  if (decorator === undefined) valueNames.push('CatgaHandler');
  if (handlerInterface === undefined) {
    if (typeOnly !== undefined) typeNames.push('EventHandler');
    else valueNames.push(usesTypeImports ? 'type EventHandler' : 'EventHandler');
  }

  return {
    decorator: decorator ?? 'CatgaHandler',
    handlerInterface: handlerInterface ?? 'EventHandler',
    fixes: (fixer) => {
      const fixes: TSESLint.RuleFix[] = [];
      if (typeNames.length > 0 && typeOnly !== undefined) fixes.push(appendSpecifiers(fixer, typeOnly, typeNames, sourceCode));
      if (valueNames.length > 0) {
        fixes.push(
          named === undefined ? newImportLine(fixer, valueNames, declarations, sourceCode) : appendSpecifiers(fixer, named, valueNames, sourceCode),
        );
      }
      return fixes;
    },
  };
}

/** Appends names after the last specifier of `import { … }`: on the same line, or one per line if the list is. */
function appendSpecifiers(
  fixer: TSESLint.RuleFixer,
  declaration: TSESTree.ImportDeclaration,
  names: readonly string[],
  sourceCode: Readonly<TSESLint.SourceCode>,
): TSESLint.RuleFix {
  const last = declaration.specifiers.at(-1)!;
  const after = sourceCode.getTokenAfter(last)!;
  const trailingComma = after.value === ',';
  const closing = trailingComma ? sourceCode.getTokenAfter(after)! : after;
  if (closing.loc.start.line !== last.loc.end.line) {
    const indent = /^\s*/.exec(sourceCode.lines[last.loc.start.line - 1]!)![0];
    const lines = names.map((name) => `\n${indent}${name}`);
    return trailingComma
      ? fixer.insertTextAfter(after, lines.map((line) => `${line},`).join(''))
      : fixer.insertTextAfter(last, `,${lines.join(',')}`);
  }
  return trailingComma ? fixer.insertTextAfter(after, ` ${names.join(', ')},`) : fixer.insertTextAfter(last, `, ${names.join(', ')}`);
}

/** A new `import { … } from '@catga/runtime'` after the file's last import (or at its top). */
function newImportLine(
  fixer: TSESLint.RuleFixer,
  names: readonly string[],
  runtimeDeclarations: readonly TSESTree.ImportDeclaration[],
  sourceCode: Readonly<TSESLint.SourceCode>,
): TSESLint.RuleFix {
  const imports = sourceCode.ast.body.filter((s): s is TSESTree.ImportDeclaration => s.type === AST_NODE_TYPES.ImportDeclaration);
  const lastImport = imports.at(-1);
  const quote = (runtimeDeclarations[0] ?? lastImport)?.source.raw[0] ?? "'";
  const semicolon = lastImport === undefined || sourceCode.getLastToken(lastImport)?.value === ';' ? ';' : '';
  const line = `import { ${names.join(', ')} } from ${quote}${RUNTIME_PACKAGE}${quote}${semicolon}`;
  if (lastImport !== undefined) return fixer.insertTextAfter(lastImport, `\n${line}`);
  return fixer.insertTextBeforeRange([0, 0], `${line}\n`);
}

/** A name for the stub handler class that nothing in the module uses yet: `EHandler`, else `EHandler2`, … */
function freeHandlerName(eventName: string, sourceCode: Readonly<TSESLint.SourceCode>): string {
  const scope = sourceCode.scopeManager?.globalScope?.childScopes[0] ?? sourceCode.scopeManager?.globalScope ?? null;
  const base = `${eventName}Handler`;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}${n}`;
    if (scope === null || ASTUtils.findVariable(scope, candidate) === null) return candidate;
  }
}

/**
 * CATGA015, whole-program. An event that nothing handles is published into the void: usually a handler that was
 * never written, deleted, or subscribed to the wrong class. Handlers are handler classes and sagas (the events a saga
 * is `startedBy` or `waitFor`s, to which `withSagas` subscribes). The check needs every handler of the project, which a
 * single file cannot show, so it asks the TypeScript Program (see {@link handledEvents}); on a partial Program (the
 * default project of files outside any tsconfig) it would see too few handlers and stays silent instead.
 */
export const noUnhandledEvent = createRule<[NoUnhandledEventOptions], MessageIds>({
  name: 'no-unhandled-event',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require a handler for every event that is declared or published',
      catgaId: 'CATGA015',
      recommended: 'recommended',
      requiresTypeChecking: true,
      level: 'warn',
    },
    hasSuggestions: true,
    messages: {
      unhandledEvent:
        'Event {{name}} has no handler in this project: nothing is decorated with @CatgaHandler({{name}}) or implements EventHandler<{{name}}>, and no saga is started by it or waits for it, so publishing it reaches no one. Add a handler, or list {{name}} in knownHandled if another service handles it.',
      addHandlerStub: 'Add a stub handler {{handler}} for {{name}} after its declaration.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          knownHandled: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description: 'Event class names handled outside this project (e.g. by another service over a broker).',
          },
        },
      },
    ],
    defaultOptions: [{ knownHandled: [] }],
  },
  create(context, [options]) {
    const services = ESLintUtils.getParserServices(context);
    const program = services.program;
    // The default (inferred) project holds only this file and its imports: handlers elsewhere would be missed and
    // every event reported. Only a tsconfig's Program is the whole picture.
    if (program.getCompilerOptions().configFilePath === undefined) return {};
    const checker = program.getTypeChecker();
    const sourceCode = context.sourceCode;
    const knownHandled = new Set(options.knownHandled ?? []);
    const declared: DeclaredEvent[] = [];
    const published: PublishedEvent[] = [];

    /** The event class of an instance type, if it is a runtime `Event`. */
    function eventSymbol(type: ts.Type): ts.Symbol | undefined {
      const symbol = type.getSymbol();
      return symbol !== undefined && extendsRuntimeClass(type, 'Event', checker) ? resolveAlias(symbol, checker) : undefined;
    }

    function report(candidate: DeclaredEvent | PublishedEvent): void {
      if (candidate.node.type === AST_NODE_TYPES.NewExpression) {
        context.report({ node: candidate.node, messageId: 'unhandledEvent', data: { name: candidate.name } });
        return;
      }
      const classNode = candidate.node;
      const statement =
        classNode.parent.type === AST_NODE_TYPES.ExportNamedDeclaration || classNode.parent.type === AST_NODE_TYPES.ExportDefaultDeclaration
          ? classNode.parent
          : classNode;
      // A stub only fits next to a top-level declaration; one inside a function or namespace is left to the author.
      const names = statement.parent.type === AST_NODE_TYPES.Program ? stubNames(sourceCode) : undefined;
      const handler = freeHandlerName(candidate.name, sourceCode);
      context.report({
        node: classNode.id,
        messageId: 'unhandledEvent',
        data: { name: candidate.name },
        suggest:
          names === undefined
            ? []
            : [
                {
                  messageId: 'addHandlerStub',
                  data: { name: candidate.name, handler },
                  fix: (fixer) => {
                    const event = candidate.name;
                    const stub = [
                      `@${names.decorator}(${event})`,
                      `export class ${handler} implements ${names.handlerInterface}<${event}> {`,
                      `  handle(event: ${event}): void {`,
                      `    throw new Error('Not implemented: handle ${event}');`,
                      '  }',
                      '}',
                    ].join('\n');
                    return [...names.fixes(fixer), fixer.insertTextAfter(statement, `\n\n${stub}`)];
                  },
                },
              ],
      });
    }

    return {
      ClassDeclaration(node) {
        // Abstract event bases are never published themselves (delivery is by exact class), so need no handler.
        if (node.id === null || node.abstract || node.declare) return;
        const symbol = eventSymbol(services.getTypeAtLocation(node));
        if (symbol !== undefined) declared.push({ node: node as DeclaredEvent['node'], symbol, name: node.id.name });
      },
      CallExpression(node) {
        const method = calleeName(node);
        if (method === undefined || !PUBLISH_METHODS.has(method)) return;
        for (const created of publishedNews(node, method)) {
          const symbol = eventSymbol(services.getTypeAtLocation(created));
          if (symbol !== undefined) published.push({ node: created, symbol, name: symbol.getName() });
        }
      },
      'Program:exit'() {
        // Lazy: the Program-wide index is built only for files that declare or publish an event.
        if (declared.length === 0 && published.length === 0) return;
        const handled = handledEvents(program);
        const reported = new Set<ts.Symbol>();
        // Declarations first: an event declared here is reported there (with the stub), not where it is published.
        for (const candidate of [...declared, ...published]) {
          if (handled.has(candidate.symbol) || knownHandled.has(candidate.name) || reported.has(candidate.symbol)) continue;
          reported.add(candidate.symbol);
          report(candidate);
        }
      },
    };
  },
});
