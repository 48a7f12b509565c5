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
 * `@CatgaHandler()` without it, the transformer form, the type of `handle`'s first parameter) and the type argument of
 * `implements EventHandler<E>` (union types count each member), only when the decorator or interface resolves to the
 * runtime's export. Built on first use, then cached for the Program.
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

  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) visitClass(node);
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
    // Cheap text pre-filter before any checker call: a file that never says either name cannot declare a handler.
    if (!sourceFile.text.includes('CatgaHandler') && !sourceFile.text.includes('EventHandler')) continue;
    visit(sourceFile);
  }
  return handled;
}
