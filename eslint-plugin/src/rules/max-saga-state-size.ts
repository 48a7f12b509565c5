import type { TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ESLintUtils } from '@typescript-eslint/utils';
import { type TypeOrValueSpecifier, typeMatchesSomeSpecifier, typeOrValueSpecifiersSchema } from '@typescript-eslint/type-utils';
import ts from 'typescript';
import { RUNTIME_PACKAGE } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { isRuntimeSymbol } from '../util/runtime-symbols.js';
import { type EntrySize, TypeSizeEstimator } from '../util/type-size.js';

type MessageIds = 'tooLarge' | 'unbounded';

/** Options of `catga/max-saga-state-size`. */
export interface MaxSagaStateSizeOptions {
  /** Generic saga types whose first type argument is a saga state (`class S extends Saga<State>`). */
  sagaTypes?: TypeOrValueSpecifier[];
  /** State types named directly; checked where they are declared. */
  stateTypes?: TypeOrValueSpecifier[];
  /** Largest estimated serialised size allowed, in bytes. */
  maxBytes?: number;
  /** Bytes assumed for a `string`. */
  assumedStringBytes?: number;
  /** Entries assumed for arrays, sets, maps and index signatures. */
  assumedArrayLength?: number;
}

/**
 * Default of `sagaTypes`: the runtime's `Saga<TState>`, and until the runtime ships it, any generic called `Saga`
 * declared in the linted project's own files (a local `abstract class Saga<TState>` base, as examples and early
 * adopters write). `from: 'file'` without a path means "declared under the project's directory".
 */
export const DEFAULT_SAGA_TYPES: readonly TypeOrValueSpecifier[] = [
  { from: 'package', package: RUNTIME_PACKAGE, name: 'Saga' },
  { from: 'file', name: 'Saga' },
];

/** Longest type text quoted in a message before it is shortened. */
const MAX_TYPE_TEXT = 60;

/** How many of the largest top-level properties a report names. */
const BIGGEST_COUNT = 3;

/** `text` on one line, cut to {@link MAX_TYPE_TEXT} characters: messages quote types and paths, not whole declarations. */
function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > MAX_TYPE_TEXT ? `${line.slice(0, MAX_TYPE_TEXT - 1)}…` : line;
}

function describeBiggest(entries: readonly EntrySize[]): string {
  const sized = entries.flatMap((entry) => (entry.estimate.bounded ? [{ name: entry.name, bytes: entry.estimate.bytes }] : []));
  // Stable sort: equal sizes keep declaration order.
  const biggest = sized.sort((a, b) => b.bytes - a.bytes).slice(0, BIGGEST_COUNT);
  return biggest.length === 0 ? 'none' : biggest.map((entry) => `${entry.name} (${entry.bytes} B)`).join(', ');
}

/**
 * CATGA014. A saga's state is loaded and persisted on every step, and travels with every message that resumes it, so
 * its size is paid again and again. States are the type argument of `saga<State>(…)` (the runtime's saga builder), of
 * references to the `sagaTypes` (`extends Saga<State>`), and the `stateTypes` named directly. The size is estimated
 * from the type (see {@link TypeSizeEstimator}); a recursive state has no bound at all. Report only: what to move out
 * of the state is a design decision.
 */
export const maxSagaStateSize = createRule<[MaxSagaStateSizeOptions], MessageIds>({
  name: 'max-saga-state-size',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Keep saga state small',
      catgaId: 'CATGA014',
      recommended: 'recommended',
      requiresTypeChecking: true,
      level: 'warn',
    },
    messages: {
      tooLarge:
        'Saga state {{type}} is estimated at {{estimate}} bytes serialised, over the {{limit}}-byte limit (largest: {{biggest}}). Saga state is persisted on every step: keep ids and small flags in it and load the rest when a step needs it.',
      unbounded:
        'Saga state {{type}} has no size bound: it is recursive (at {{path}}). Saga state is persisted on every step: keep it flat and store ids instead of nested structures.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          sagaTypes: {
            ...typeOrValueSpecifiersSchema,
            description: 'Generic saga types (type or value specifiers) whose first type argument is a saga state.',
          },
          stateTypes: {
            ...typeOrValueSpecifiersSchema,
            description: 'State types (type or value specifiers) checked where they are declared.',
          },
          maxBytes: { type: 'integer', minimum: 1, description: 'Largest estimated serialised size allowed, in bytes.' },
          assumedStringBytes: { type: 'integer', minimum: 0, description: 'Bytes assumed for a string.' },
          assumedArrayLength: {
            type: 'integer',
            minimum: 0,
            description: 'Entries assumed for arrays, sets, maps and index signatures.',
          },
        },
      },
    ],
    defaultOptions: [
      {
        sagaTypes: [...DEFAULT_SAGA_TYPES],
        stateTypes: [],
        maxBytes: 1024,
        assumedStringBytes: 64,
        assumedArrayLength: 10,
      },
    ],
  },
  create(context, [options]) {
    const services = ESLintUtils.getParserServices(context);
    const program = services.program;
    const checker = program.getTypeChecker();
    const sagaTypes = options.sagaTypes ?? [];
    const stateTypes = options.stateTypes ?? [];
    const maxBytes = options.maxBytes ?? 1024;
    const estimator = new TypeSizeEstimator(checker, program, {
      assumedStringBytes: options.assumedStringBytes ?? 64,
      assumedArrayLength: options.assumedArrayLength ?? 10,
    });
    // One report per state type and file: `Saga<OrderState>` written on three variables is one problem.
    const checked = new Set<ts.Type>();

    function checkState(stateType: ts.Type, reportNode: TSESTree.Node): void {
      // A generic saga base (`class Base<S> extends Saga<S>`) has no state of its own: its instantiations are checked.
      if (stateType.flags & ts.TypeFlags.TypeParameter || checked.has(stateType)) return;
      checked.add(stateType);
      const { estimate, entries } = estimator.measureState(stateType);
      const type = shorten(context.sourceCode.getText(reportNode));
      if (!estimate.bounded) {
        context.report({ node: reportNode, messageId: 'unbounded', data: { type, path: shorten(estimate.path || type) } });
      } else if (estimate.bytes > maxBytes) {
        context.report({
          node: reportNode,
          messageId: 'tooLarge',
          data: { type, estimate: estimate.bytes, limit: maxBytes, biggest: describeBiggest(entries) },
        });
      }
    }

    /** `reference` is a use of a generic type (`Saga<X>`); if it is a saga type, its first argument is a state. */
    function checkSagaReference(referenceType: ts.Type, typeArguments: TSESTree.TSTypeParameterInstantiation | undefined): void {
      const stateNode = typeArguments?.params[0];
      if (stateNode === undefined || sagaTypes.length === 0) return;
      if (!typeMatchesSomeSpecifier(referenceType, sagaTypes, program)) return;
      checkState(services.getTypeAtLocation(stateNode), stateNode);
    }

    /** Heritage clauses (`extends Saga<X>`, `implements Saga<X>`): the type of the clause is the instantiated base. */
    function checkHeritage(expression: TSESTree.Node, typeArguments: TSESTree.TSTypeParameterInstantiation | undefined): void {
      if (typeArguments === undefined) return;
      const clause = services.esTreeNodeToTSNodeMap.get(expression).parent;
      if (!ts.isExpressionWithTypeArguments(clause)) return;
      checkSagaReference(checker.getTypeAtLocation(clause), typeArguments);
    }

    /**
     * `saga<State>('Name')`, the runtime's saga builder: its type argument is the state of the saga it defines.
     * Matched by symbol (renamed, namespace and re-exported imports of `@catga/runtime`'s `saga` count; a local
     * function called `saga` does not). Without a written type argument there is no state type to check.
     */
    function checkSagaCall(node: TSESTree.CallExpression): void {
      const stateNode = node.typeArguments?.params[0];
      if (stateNode === undefined) return;
      const callee = services.esTreeNodeToTSNodeMap.get(node.callee);
      if (!isRuntimeSymbol(checker.getSymbolAtLocation(callee), 'saga', checker)) return;
      checkState(services.getTypeAtLocation(stateNode), stateNode);
    }

    function checkDeclaredState(declaration: TSESTree.Node, id: TSESTree.Identifier): void {
      if (stateTypes.length === 0) return;
      const type = services.getTypeAtLocation(declaration);
      if (typeMatchesSomeSpecifier(type, stateTypes, program)) checkState(type, id);
    }

    return {
      CallExpression: checkSagaCall,
      TSTypeReference(node) {
        if (node.typeArguments === undefined) return;
        checkSagaReference(services.getTypeAtLocation(node), node.typeArguments);
      },
      'ClassDeclaration, ClassExpression'(node: TSESTree.ClassDeclaration | TSESTree.ClassExpression) {
        if (node.superClass !== null) checkHeritage(node.superClass, node.superTypeArguments);
        if (node.id !== null && node.type === AST_NODE_TYPES.ClassDeclaration) checkDeclaredState(node, node.id);
      },
      'TSClassImplements, TSInterfaceHeritage'(node: TSESTree.TSClassImplements | TSESTree.TSInterfaceHeritage) {
        checkHeritage(node.expression, node.typeArguments);
      },
      'TSInterfaceDeclaration, TSTypeAliasDeclaration'(node: TSESTree.TSInterfaceDeclaration | TSESTree.TSTypeAliasDeclaration) {
        checkDeclaredState(node, node.id);
      },
    };
  },
});
