import type * as TS from 'typescript';
import type { AnalysisContext } from '../context.js';
import { runtimeNameOf } from './runtime-symbols.js';

/** The Catga decorators, by the runtime export they resolve to. */
export const MESSAGE_DECORATORS = { CatgaCommand: 'command', CatgaQuery: 'query', CatgaEvent: 'event' } as const;
export type CatgaDecoratorName = keyof typeof MESSAGE_DECORATORS | 'CatgaHandler';

/** A `@Catga…(...)` decorator on a class, identified by symbol (a renamed import still counts). */
export interface CatgaDecorator {
  readonly name: CatgaDecoratorName;
  readonly node: TS.Decorator;
  readonly args: readonly TS.Expression[];
}

/** The Catga decorators of a class. */
export function catgaDecoratorsOf(ctx: AnalysisContext, node: TS.ClassDeclaration): CatgaDecorator[] {
  const { ts, checker } = ctx;
  const found: CatgaDecorator[] = [];
  for (const decorator of (ts.canHaveDecorators(node) ? ts.getDecorators(node) : undefined) ?? []) {
    const call = decorator.expression;
    const callee = ts.isCallExpression(call) ? call.expression : call;
    const nameNode = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    const name = runtimeNameOf(ts, checker, checker.getSymbolAtLocation(nameNode));
    if (name === 'CatgaHandler' || (name !== undefined && name in MESSAGE_DECORATORS)) {
      found.push({ name: name as CatgaDecoratorName, node: decorator, args: ts.isCallExpression(call) ? call.arguments : [] });
    }
  }
  return found;
}

/** A value read from a literal expression; `undefined` parts could not be read at compile time. */
export type LiteralValue = string | number | boolean | null | LiteralValue[] | { [key: string]: LiteralValue } | undefined;

const UNREADABLE = Symbol('unreadable');

/**
 * Reads a decorator options literal. Top-level properties whose value is not a literal (a constant, a call) are left
 * out, so the keys that can be checked still are; a nested object with such a value is unreadable as a whole;
 * `UNREADABLE` when the expression is not a literal at all.
 */
export function readLiteral(ts: typeof TS, node: TS.Expression): LiteralValue | typeof UNREADABLE {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return readLiteral(ts, node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return -Number(node.operand.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map((element) => readLiteral(ts, element));
    return items.includes(UNREADABLE) ? UNREADABLE : (items as LiteralValue[]);
  }
  if (ts.isObjectLiteralExpression(node)) {
    const value: Record<string, LiteralValue> = {};
    for (const property of node.properties) {
      if (ts.isSpreadAssignment(property)) return UNREADABLE;
      if (!ts.isPropertyAssignment(property)) continue;
      const key = ts.isIdentifier(property.name) || ts.isStringLiteral(property.name) ? property.name.text : undefined;
      if (key === undefined) continue;
      const read = readLiteral(ts, property.initializer);
      if (read !== UNREADABLE) value[key] = read;
      // A nested object with a part unknown at compile time (`retry: { attempts: ATTEMPTS }`) is left to the
      // decorator's run-time check: checking the readable rest would report its required keys as missing.
      else if (ts.isObjectLiteralExpression(node.parent) || ts.isPropertyAssignment(node.parent)) return UNREADABLE;
    }
    return value;
  }
  return UNREADABLE;
}

export function isReadable(value: LiteralValue | typeof UNREADABLE): value is LiteralValue {
  return value !== UNREADABLE;
}
