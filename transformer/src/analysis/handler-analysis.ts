import type * as TS from 'typescript';
import type { AnalysisContext } from '../context.js';
import type { CatgaDecorator } from './decorators.js';
import { CatgaCode, type Finding } from './diagnostics.js';
import { classRef, instantiatedResultOf, messageKindOfType, resultTypeOf, sourceOf } from './message-analysis.js';
import { fusibleHandle, isThenable } from './fusion.js';
import type { HandlerModel, HandlerReturn } from './model.js';

/** `promise` when every branch of the return type is a promise, `value` when none is. */
function returnsOf(ctx: AnalysisContext, type: TS.Type): HandlerReturn {
  const { ts } = ctx;
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return 'either';
  const branches = type.isUnion() ? type.types : [type];
  const thenables = branches.filter((branch) => isThenable(ctx, branch)).length;
  return thenables === branches.length ? 'promise' : thenables === 0 ? 'value' : 'either';
}

/**
 * The classes a `@CatgaHandler` class is meant to handle, read even when it is malformed: the decorator's message
 * argument and the first parameter of each `handle` signature. A message claimed by a handler that fails CATGA003 or
 * CATGA004 does not also get CATGA001 ("no handler"): the user wrote one, and the other finding says what is wrong.
 */
export function intendedMessagesOf(ctx: AnalysisContext, node: TS.ClassDeclaration, decorator: CatgaDecorator): TS.ClassDeclaration[] {
  const { ts, checker } = ctx;
  const found: TS.ClassDeclaration[] = [];
  const add = (symbol: TS.Symbol | undefined): void => {
    const declaration = symbol?.declarations?.find((d): d is TS.ClassDeclaration => ts.isClassDeclaration(d));
    if (declaration !== undefined) found.push(declaration);
  };
  const explicit = decorator.args[0];
  if (explicit !== undefined && !ts.isObjectLiteralExpression(explicit)) {
    add(checker.getTypeAtLocation(explicit).getConstructSignatures()[0]?.getReturnType().getSymbol());
  }
  const symbol = node.name === undefined ? undefined : checker.getSymbolAtLocation(node.name);
  const handle = symbol === undefined ? undefined : checker.getPropertyOfType(checker.getDeclaredTypeOfSymbol(symbol), 'handle');
  for (const signature of handle === undefined ? [] : checker.getTypeOfSymbol(handle).getCallSignatures()) {
    const [parameter] = signature.getParameters();
    if (parameter !== undefined) add(checker.getTypeOfSymbol(parameter).getSymbol());
  }
  return found;
}

/** Analyses a `@CatgaHandler` class: its `handle` signature, its message, and the result type it returns. */
export function analyzeHandler(ctx: AnalysisContext, node: TS.ClassDeclaration, decorator: CatgaDecorator, findings: Finding[]): HandlerModel | undefined {
  const { ts, checker } = ctx;
  const className = node.name?.text ?? '(anonymous)';
  const symbol = node.name === undefined ? undefined : checker.getSymbolAtLocation(node.name);
  if (symbol === undefined) return undefined;
  const invalid = (at: TS.Node, message: string): undefined => {
    findings.push({ code: CatgaCode.invalidHandler, node: at, severity: 'error', message });
    return undefined;
  };
  const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
  const handle = checker.getPropertyOfType(instanceType, 'handle');
  const at = node.name ?? node;
  if (handle === undefined) return invalid(at, `${className} has @CatgaHandler but no handle(message, context) method.`);
  const handleNode = handle.valueDeclaration ?? at;
  const signatures = checker.getTypeOfSymbol(handle).getCallSignatures();
  if (signatures.length !== 1) {
    return invalid(handleNode, `${className}.handle must be one method handle(message, context), not ${signatures.length === 0 ? 'a non-function' : 'an overloaded method'}.`);
  }
  const signature = signatures[0]!;
  const [messageParameter] = signature.getParameters();
  // An explicit @CatgaHandler(Message) names the message; a handle() that does not read it may then take nothing.
  const explicit = decorator.args[0] !== undefined && !ts.isObjectLiteralExpression(decorator.args[0]) ? decorator.args[0] : undefined;
  const namedType = explicit === undefined ? undefined : checker.getTypeAtLocation(explicit).getConstructSignatures()[0]?.getReturnType();
  if (messageParameter === undefined && namedType === undefined) {
    return invalid(handleNode, `${className}.handle takes no parameter; it must take the message it handles: handle(message: TheMessage, context).`);
  }
  const required = signature.getParameters().filter((p) => {
    const declaration = p.valueDeclaration;
    return declaration !== undefined && ts.isParameter(declaration) && declaration.initializer === undefined && declaration.questionToken === undefined && declaration.dotDotDotToken === undefined;
  }).length;
  if (signature.getParameters().length > 2 && required > 2) {
    return invalid(handleNode, `${className}.handle takes ${required} required parameters; it receives (message, context) only. Inject other dependencies through the constructor.`);
  }
  const messageType = messageParameter === undefined ? namedType! : checker.getTypeOfSymbol(messageParameter);
  const messageSymbol = messageType.getSymbol();
  const messageDeclaration = messageSymbol?.declarations?.find((d): d is TS.ClassDeclaration => ts.isClassDeclaration(d));
  const message = messageDeclaration === undefined ? undefined : messageKindOfType(ctx, messageType);
  const parameterNode = messageParameter?.valueDeclaration ?? explicit ?? handleNode;
  if (messageDeclaration === undefined || message === undefined) {
    return invalid(parameterNode, `${className}.handle's first parameter is ${checker.typeToString(messageType)}, not a message class; it must be a class extending Command, Query or Event.`);
  }

  // An explicit @CatgaHandler(Message) must agree with handle()'s parameter.
  const named = namedType?.getSymbol();
  if (explicit !== undefined && named !== undefined && named !== messageSymbol) {
    return invalid(explicit, `@CatgaHandler names ${named.name} but ${className}.handle takes ${messageSymbol!.name}.`);
  }

  const returnType = signature.getReturnType();
  const awaited = checker.getAwaitedType(returnType) ?? returnType;
  // The handled type as written (`Box<number>`), so a generic message's result is instantiated.
  const result = instantiatedResultOf(ctx, messageType) ?? resultTypeOf(ctx, message.base);
  if (message.kind !== 'event' && result !== undefined && !(result.flags & ts.TypeFlags.Void) && !checker.isTypeAssignableTo(awaited, result)) {
    const declaration = handle.valueDeclaration;
    const returnNode = declaration !== undefined && ts.isMethodDeclaration(declaration) ? (declaration.type ?? declaration.name) : handleNode;
    findings.push({
      code: CatgaCode.wrongResultType,
      node: returnNode,
      severity: 'error',
      message: `${className}.handle returns ${checker.typeToString(awaited)}, which is not assignable to the result type of ${message.kind} ${messageSymbol!.name}: ${checker.typeToString(result)}.`,
    });
    return undefined;
  }

  return {
    ref: classRef(ctx, node),
    message: classRef(ctx, messageDeclaration),
    messageKind: message.kind,
    returns: returnsOf(ctx, returnType),
    takesContext: signature.getParameters().length >= 2 || (signature.getDeclaration()?.parameters.some((p) => p.dotDotDotToken !== undefined) ?? true),
    fusedHandle: fusibleHandle(ctx, node, handle),
    source: sourceOf(ctx, node),
  };
}
