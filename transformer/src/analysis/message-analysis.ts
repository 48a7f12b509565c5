import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type * as TS from 'typescript';
import type { AnalysisContext } from '../context.js';
import { type CatgaDecorator, isReadable, MESSAGE_DECORATORS, readLiteral } from './decorators.js';
import { CatgaCode, type Finding } from './diagnostics.js';
import { FieldTypeReader, type SerializationProblem } from './field-types.js';
import type { ClassRef, FieldModel, FieldType, MessageKind, MessageModel } from './model.js';
import { isRuntimeDeclaration, runtimeNameOf } from './runtime-symbols.js';

// The runtime's own option checks: a bad decorator option fails the build with the message the decorator throws.
const runtime = createRequire(__filename)('@catga/runtime') as {
  validateMessageOptions(kind: MessageKind, options: unknown, field: string): void;
};

const SUBJECT_PREFIX: Readonly<Record<MessageKind, string>> = { command: 'cmd', query: 'qry', event: 'evt' };
const BASES: Readonly<Record<string, MessageKind>> = { Command: 'command', Query: 'query', Event: 'event' };

/** The kind of a message class from its runtime base (`Command`, `Query`, `Event`), or `undefined`. */
export function messageKindOfType(ctx: AnalysisContext, type: TS.Type): { kind: MessageKind; base: TS.TypeReference | undefined } | undefined {
  const { checker } = ctx;
  const seen = new Set<TS.Type>();
  const visit = (current: TS.Type, reference: TS.TypeReference | undefined): { kind: MessageKind; base: TS.TypeReference | undefined } | undefined => {
    if (seen.has(current)) return undefined;
    seen.add(current);
    const target = (current as TS.TypeReference).target ?? current;
    const name = runtimeNameOf(ctx.ts, checker, target.getSymbol());
    if (name !== undefined && BASES[name] !== undefined) return { kind: BASES[name], base: reference ?? (current as TS.TypeReference) };
    if (!target.isClassOrInterface()) return undefined;
    for (const base of checker.getBaseTypes(target)) {
      const found = visit(base, base as TS.TypeReference);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(type, undefined);
}

/** The `R` of `Command<R>` / `Query<R>` a message class extends. */
export function resultTypeOf(ctx: AnalysisContext, base: TS.TypeReference | undefined): TS.Type | undefined {
  if (base === undefined) return undefined;
  const args = ctx.checker.getTypeArguments(base);
  return args[0];
}

/**
 * The result type of a message type as instantiated (`Box<number>` gives `number[]` for `Query<T[]>`): read from the
 * runtime's `resultType` brand, which holds `[R]`.
 */
export function instantiatedResultOf(ctx: AnalysisContext, messageType: TS.Type): TS.Type | undefined {
  const { checker } = ctx;
  const brand = checker.getPropertiesOfType(messageType).find((p) => p.name.startsWith('__@resultType') && (p.declarations ?? []).some(isRuntimeDeclaration));
  if (brand === undefined) return undefined;
  const tuple = checker.getNonNullableType(checker.getTypeOfSymbol(brand));
  return checker.isTupleType(tuple) ? checker.getTypeArguments(tuple as TS.TypeReference)[0] : undefined;
}

export function sourceOf(ctx: AnalysisContext, node: TS.Node): string {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
  return `${relative(ctx.baseDir, file.fileName).split('\\').join('/')}:${line + 1}`;
}

export function classRef(ctx: AnalysisContext, node: TS.ClassDeclaration): ClassRef {
  const { ts } = ctx;
  const exported = (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0 && (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Default) === 0;
  return { name: node.name?.text ?? 'default', fileName: node.getSourceFile().fileName, declaration: node, exported };
}

/** Whether every value of a field type is a string or a number: what a shard key may be. */
function isShardKeyType(type: FieldType): boolean {
  if (type.kind === 'string' || type.kind === 'number') return true;
  if (type.kind === 'literal') return typeof type.value === 'string' || typeof type.value === 'number';
  return type.kind === 'union' && type.options.every(isShardKeyType);
}

/**
 * What is wrong with a command's `shardKey` given its fields (the runtime can only check that it looks like a field
 * name; a wrong one fails every send of the command with VALIDATION_FAILED), or `undefined` when it is fine.
 */
function shardKeyProblem(fields: readonly FieldModel[], shardKey: string): string | undefined {
  const field = fields.find((candidate) => candidate.name === shardKey);
  if (field === undefined) {
    const names = fields.map((candidate) => candidate.name);
    return `"${shardKey}" is not a field of the command (its fields: ${names.length === 0 ? 'none' : names.join(', ')})`;
  }
  if (field.optional) return `field "${shardKey}" is optional; a shard key must always have a value (a command without one is refused with VALIDATION_FAILED)`;
  if (!isShardKeyType(field.type)) return `field "${shardKey}" is ${field.typeText}; a shard key must be a string or a number`;
  return undefined;
}

/** The value node of property `name` in an object literal, to point a finding at it. */
function optionValueNode(ts: typeof TS, options: TS.Node, name: string): TS.Node | undefined {
  if (!ts.isObjectLiteralExpression(options)) return undefined;
  for (const property of options.properties) {
    if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) && property.name.text === name) return property.initializer;
  }
  return undefined;
}

function describeProblem(field: string, problem: SerializationProblem): string {
  return problem.path === field ? `is ${problem.reason}` : `holds ${problem.reason} at ${problem.path}`;
}

/** Analyses a `@CatgaCommand` / `@CatgaQuery` / `@CatgaEvent` class. */
export function analyzeMessage(ctx: AnalysisContext, node: TS.ClassDeclaration, decorator: CatgaDecorator, findings: Finding[]): MessageModel | undefined {
  const { ts, checker } = ctx;
  const declaredKind = MESSAGE_DECORATORS[decorator.name as keyof typeof MESSAGE_DECORATORS];
  const className = node.name?.text;
  const symbol = node.name === undefined ? undefined : checker.getSymbolAtLocation(node.name);
  if (className === undefined || symbol === undefined) return undefined;
  const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
  const found = messageKindOfType(ctx, instanceType);
  if (found?.kind !== declaredKind) {
    const base = { command: 'Command<R>', query: 'Query<R>', event: 'Event' }[declaredKind];
    findings.push({
      code: CatgaCode.invalidOptions,
      node: decorator.node,
      severity: 'error',
      message: `@${decorator.name} needs a class extending ${base} from @catga/runtime; ${className} ${found === undefined ? 'extends no message base' : `is a ${found.kind}`}.`,
    });
    return undefined;
  }

  // Options: read what is literal, check it with the runtime's own rules.
  let typeName = className;
  let subject: string | undefined;
  let shardKey: string | undefined;
  const optionsNode = decorator.args[0];
  if (optionsNode !== undefined) {
    const options = readLiteral(ts, optionsNode);
    if (isReadable(options) && options !== null && typeof options === 'object' && !Array.isArray(options)) {
      try {
        runtime.validateMessageOptions(declaredKind, options, `@${decorator.name}(${className})`);
        if (typeof options['shardKey'] === 'string') shardKey = options['shardKey'];
      } catch (error) {
        findings.push({ code: CatgaCode.invalidOptions, node: optionsNode, severity: 'error', message: (error as Error).message });
      }
      if (typeof options['name'] === 'string') typeName = options['name'];
      if (typeof options['subject'] === 'string') subject = options['subject'];
    }
  }

  // Fields: the class's data properties, not the runtime's contract members and not methods or accessors.
  const fields: FieldModel[] = [];
  for (const property of checker.getPropertiesOfType(instanceType)) {
    if (!(property.flags & ts.SymbolFlags.Property) || property.name.startsWith('__@')) continue;
    if ((property.declarations ?? []).some(isRuntimeDeclaration)) continue;
    const problems: SerializationProblem[] = [];
    const field = new FieldTypeReader(ctx, problems).field(property, '');
    fields.push(field);
    for (const problem of problems) {
      findings.push({
        code: CatgaCode.unserializableField,
        node: property.valueDeclaration ?? node,
        severity: 'error',
        message: `Field "${property.name}" of ${declaredKind} ${className} ${describeProblem(property.name, problem)}, which cannot be serialised: messages cross transports as data. Keep plain data (strings, numbers, booleans, arrays, plain objects, Date, Uint8Array) in messages.`,
      });
    }
  }

  if (shardKey !== undefined && optionsNode !== undefined) {
    const problem = shardKeyProblem(fields, shardKey);
    if (problem !== undefined) {
      findings.push({
        code: CatgaCode.invalidOptions,
        node: optionValueNode(ts, optionsNode, 'shardKey') ?? optionsNode,
        severity: 'error',
        message: `Invalid Catga configuration at "@${decorator.name}(${className}).shardKey": ${problem}`,
      });
    }
  }

  const result = declaredKind === 'event' ? undefined : resultTypeOf(ctx, found.base);
  return {
    ref: classRef(ctx, node),
    kind: declaredKind,
    typeName,
    subject: `${SUBJECT_PREFIX[declaredKind]}.${subject ?? typeName}`,
    result: declaredKind === 'event' ? undefined : result === undefined ? 'void' : checker.typeToString(result, node, ts.TypeFormatFlags.NoTruncation),
    fields,
    source: sourceOf(ctx, node),
  };
}
