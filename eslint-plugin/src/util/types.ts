import { isTypeArrayTypeOrUnionOfArrayTypes } from '@typescript-eslint/type-utils';
import ts from 'typescript';

/** The members of a union type, or the type itself. */
export function unionParts(type: ts.Type): readonly ts.Type[] {
  return type.isUnion() ? type.types : [type];
}

/** Whether `type` is `any` or `unknown`: a value the checker cannot say anything about. */
export function isAnyOrUnknown(type: ts.Type): boolean {
  return (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
}

/**
 * Whether `type` (or one member of its union) is thenable: it has a `then` method whose first parameter is callable.
 * The same test as `ts-api-utils`' `isThenableType`, which typescript-eslint's promise rules use; written out here
 * because `ts-api-utils` is not a declared dependency of this package (it is only installed through type-utils).
 * Structural on purpose: a `PromiseLike`, a custom thenable and a `Promise` subclass all count, as they do for `await`.
 */
export function isThenableType(checker: ts.TypeChecker, node: ts.Node, type: ts.Type): boolean {
  for (const part of unionParts(checker.getApparentType(type))) {
    const then = part.getProperty('then');
    if (then === undefined) continue;
    const thenType = checker.getTypeOfSymbolAtLocation(then, node);
    for (const thenPart of unionParts(thenType)) {
      for (const signature of thenPart.getCallSignatures()) {
        const first = signature.parameters[0];
        if (first !== undefined && isCallableParameter(checker, first, node)) return true;
      }
    }
  }
  return false;
}

function isCallableParameter(checker: ts.TypeChecker, parameter: ts.Symbol, node: ts.Node): boolean {
  let type: ts.Type | undefined = checker.getApparentType(checker.getTypeOfSymbolAtLocation(parameter, node));
  const declaration = parameter.valueDeclaration;
  if (declaration !== undefined && ts.isParameter(declaration) && declaration.dotDotDotToken !== undefined) {
    type = type.getNumberIndexType();
    if (type === undefined) return false;
  }
  return unionParts(type).some((part) => part.getCallSignatures().length > 0);
}

/**
 * Whether `type` is an array, a `ReadonlyArray` or a tuple, or a union made only of those. Objects that merely have
 * array-like methods (a `Bag` class with its own `filter`) are not: their methods may do anything.
 */
export function isArrayOrTupleType(checker: ts.TypeChecker, type: ts.Type): boolean {
  return unionParts(type).every((part) => checker.isTupleType(part) || isTypeArrayTypeOrUnionOfArrayTypes(part, checker));
}

/** Whether `type` is a tuple, or a union made only of tuples. */
export function isTupleOnlyType(checker: ts.TypeChecker, type: ts.Type): boolean {
  return unionParts(type).every((part) => checker.isTupleType(part));
}

/** Whether `type` is an array or tuple (or a union of them) with a thenable element type: an array of promises. */
export function isThenableArrayType(checker: ts.TypeChecker, node: ts.Node, type: ts.Type): boolean {
  if (!isArrayOrTupleType(checker, type)) return false;
  return unionParts(type).some((part) =>
    checker.getTypeArguments(part as ts.TypeReference).some((element) => isThenableType(checker, node, element)),
  );
}

/** Whether `type` includes `undefined` (or is `any`/`unknown`, which may hold it). */
export function includesUndefined(type: ts.Type): boolean {
  return unionParts(type).some((part) => (part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0);
}
