import ts from 'typescript';
import { isRuntimeSymbol, resolveAlias } from './runtime-symbols.js';

/** The event classes some handler of a Program subscribes to, as resolved symbols. */
export type HandledEvents = ReadonlySet<ts.Symbol>;

/**
 * One index per Program. Keyed by the Program object: a new Program (another file version after a fix, another
 * project, the next RuleTester case) gets a fresh index, and the old one goes with its Program instead of living on
 * in a module-level cache that editors would never invalidate.
 */
const indexByProgram = new WeakMap<ts.Program, HandledEvents>();

/**
 * Every event class that has a handler somewhere in `program`: the message class of `@CatgaHandler(E)` (for
 * `@CatgaHandler()` without it, the transformer form, the type of `handle`'s first parameter), the type argument of
 * `implements EventHandler<E>` (union types count each member), only when the decorator or interface resolves to the
 * runtime's export; and the events of sagas — `E` in `.startedBy(E, …)` and `.waitFor(name, { event: E, … })` called
 * on the runtime's `SagaDefinition` (what `saga(…)` returns), for which `withSagas` registers a handler. Built on
 * first use, then cached for the Program.
 */
export function handledEvents(program: ts.Program): HandledEvents {
  const cached = indexByProgram.get(program);
  if (cached !== undefined) return cached;
  const index = buildIndex(program);
  indexByProgram.set(program, index);
  return index;
}

/** The declared type of the first parameter of a class's `handle` method, if written. */
function handledParameter(node: ts.ClassLikeDeclaration): ts.TypeNode | undefined {
  for (const member of node.members) {
    if (ts.isMethodDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === 'handle') {
      return member.parameters[0]?.type;
    }
  }
  return undefined;
}

/** Methods of the runtime's `SagaDefinition` that name an event the saga host subscribes to. */
const SAGA_EVENT_METHODS: ReadonlySet<string> = new Set(['startedBy', 'waitFor']);

/** The expression naming the event class of `definition.startedBy(E, …)` or `definition.waitFor(name, { event: E })`. */
function sagaEventArgument(call: ts.CallExpression, method: string): ts.Expression | undefined {
  if (method === 'startedBy') return call.arguments[0];
  const options = call.arguments[1];
  if (options === undefined || !ts.isObjectLiteralExpression(options)) return undefined;
  for (const property of options.properties) {
    if (property.name === undefined || !ts.isIdentifier(property.name) || property.name.text !== 'event') continue;
    if (ts.isPropertyAssignment(property)) return property.initializer;
    if (ts.isShorthandPropertyAssignment(property)) return property.name;
  }
  return undefined;
}

function buildIndex(program: ts.Program): HandledEvents {
  const checker = program.getTypeChecker();
  const handled = new Set<ts.Symbol>();
  const add = (symbol: ts.Symbol | undefined): void => {
    if (symbol !== undefined) handled.add(resolveAlias(symbol, checker));
  };

  /** Adds the class of a type node, or of each member of a union (`EventHandler<A | B>`). */
  const addTypeOf = (node: ts.TypeNode | undefined): void => {
    if (node === undefined) return;
    const type = checker.getTypeFromTypeNode(node);
    for (const member of type.isUnion() ? type.types : [type]) add(member.getSymbol());
  };

  const visitClass = (node: ts.ClassLikeDeclaration): void => {
    for (const decorator of ts.getDecorators(node) ?? []) {
      const call = decorator.expression;
      if (!ts.isCallExpression(call)) continue;
      if (!isRuntimeSymbol(checker.getSymbolAtLocation(call.expression), 'CatgaHandler', checker)) continue;
      const [message] = call.arguments;
      if (message !== undefined && !ts.isObjectLiteralExpression(message)) {
        add(checker.getSymbolAtLocation(message));
      } else {
        // `@CatgaHandler()` / `@CatgaHandler({ … })`: @catga/transformer takes the message class from the type of
        // `handle`'s first parameter, so that is the event handled.
        addTypeOf(handledParameter(node));
      }
    }
    for (const clause of node.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ImplementsKeyword) continue;
      for (const heritage of clause.types) {
        const [argument] = heritage.typeArguments ?? [];
        if (argument === undefined) continue;
        if (!isRuntimeSymbol(checker.getSymbolAtLocation(heritage.expression), 'EventHandler', checker)) continue;
        addTypeOf(argument);
      }
    }
  };

  /** The class an expression names: `E`, `ns.E`, or a constant holding the class (through its type `typeof E`). */
  const classNamedBy = (expression: ts.Expression): ts.Symbol | undefined => {
    const symbol = ts.isShorthandPropertyAssignment(expression.parent)
      ? checker.getShorthandAssignmentValueSymbol(expression.parent)
      : checker.getSymbolAtLocation(expression);
    const resolved = symbol === undefined ? undefined : resolveAlias(symbol, checker);
    if (resolved !== undefined && resolved.flags & ts.SymbolFlags.Class) return resolved;
    const fromType = checker.getTypeAtLocation(expression).getSymbol();
    return fromType !== undefined && fromType.flags & ts.SymbolFlags.Class ? fromType : undefined;
  };

  /**
   * `definition.startedBy(E, …)` / `definition.waitFor(name, { event: E, … })` where `definition` is the runtime's
   * `SagaDefinition` (by type: a chain from `saga(…)`, or a variable or function result typed so). Any other
   * `waitFor` (a test helper's, a library's) subscribes to nothing.
   */
  const visitCall = (node: ts.CallExpression): void => {
    const callee = node.expression;
    if (!ts.isPropertyAccessExpression(callee) || !SAGA_EVENT_METHODS.has(callee.name.text)) return;
    const receiver = checker.getNonNullableType(checker.getTypeAtLocation(callee.expression));
    if (!isRuntimeSymbol(receiver.getSymbol(), 'SagaDefinition', checker)) return;
    const argument = sagaEventArgument(node, callee.name.text);
    if (argument !== undefined) add(classNamedBy(argument));
  };

  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) visitClass(node);
    else if (ts.isCallExpression(node)) visitCall(node);
    ts.forEachChild(node, visit);
  };

  for (const sourceFile of program.getSourceFiles()) {
    // Handlers live in the project's own sources: declaration files, libraries and the TS lib hold none worth the walk.
    if (
      sourceFile.isDeclarationFile ||
      program.isSourceFileFromExternalLibrary(sourceFile) ||
      program.isSourceFileDefaultLibrary(sourceFile)
    ) {
      continue;
    }
    // Cheap text pre-filter before any checker call: a file that says none of these names declares no handler or saga.
    const text = sourceFile.text;
    if (!text.includes('CatgaHandler') && !text.includes('EventHandler') && !text.includes('startedBy') && !text.includes('waitFor')) continue;
    visit(sourceFile);
  }
  return handled;
}
