import type * as TS from 'typescript';
import type { AnalysisContext } from '../context.js';
import type { FieldConstraints, FieldModel, FieldType } from './model.js';

/** Why a field cannot cross a transport; `path` is relative to the field (`lines[].sku`). */
export interface SerializationProblem {
  readonly path: string;
  readonly reason: string;
}

// Built-ins codecs carry as data, and the ones they do not.
const BYTES = new Set(['Uint8Array', 'Buffer']);
const NOT_DATA: Readonly<Record<string, string>> = {
  Map: 'a Map (the JSON codec loses it; use a plain object or an array of pairs)',
  Set: 'a Set (the JSON codec loses it; use an array)',
  WeakMap: 'a WeakMap',
  WeakSet: 'a WeakSet',
  Promise: 'a Promise',
  RegExp: 'a RegExp (send its source as a string)',
  Error: 'an Error (send its message as a string)',
  ArrayBuffer: 'an ArrayBuffer (use Uint8Array)',
};

function isLibrary(ctx: AnalysisContext, symbol: TS.Symbol): boolean {
  return (symbol.declarations ?? []).some((d) => {
    const file = d.getSourceFile();
    return ctx.program.isSourceFileDefaultLibrary(file) || /[\\/]node_modules[\\/](typescript|@types[\\/]node)[\\/]/.test(file.fileName);
  });
}

/** Reads the JSDoc constraints of a field declaration. Unknown tags are ignored. */
export function constraintsOf(ctx: AnalysisContext, declaration: TS.Declaration | undefined): FieldConstraints {
  if (declaration === undefined) return {};
  const constraints: Record<string, number | string | boolean> = {};
  for (const tag of ctx.ts.getJSDocTags(declaration)) {
    const name = tag.tagName.text;
    const text = (typeof tag.comment === 'string' ? tag.comment : ctx.ts.getTextOfJSDocComment(tag.comment) ?? '').trim();
    if (name === 'integer') constraints['integer'] = true;
    else if (name === 'pattern' && text !== '') constraints['pattern'] = text.replace(/^\/(.*)\/$/, '$1');
    else if (['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems'].includes(name) && text !== '' && Number.isFinite(Number(text))) {
      constraints[name] = Number(text);
    }
  }
  return constraints as FieldConstraints;
}

/** Describes the type of a field; problems collect whatever cannot be serialised. */
export class FieldTypeReader {
  private readonly inProgress = new Set<TS.Type>();

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly problems: SerializationProblem[],
  ) {}

  read(type: TS.Type, path: string): FieldType {
    const { ts } = this.ctx;
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never | ts.TypeFlags.TypeParameter)) return { kind: 'unknown' };
    if (f & ts.TypeFlags.StringLiteral) return { kind: 'literal', value: (type as TS.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { kind: 'literal', value: (type as TS.NumberLiteralType).value };
    if (f & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', value: this.ctx.checker.typeToString(type) === 'true' };
    if (f & ts.TypeFlags.StringLike) return { kind: 'string' };
    if (f & ts.TypeFlags.NumberLike) return { kind: 'number' };
    if (f & ts.TypeFlags.BooleanLike) return { kind: 'boolean' };
    if (f & ts.TypeFlags.BigIntLike) return this.problem(path, 'a bigint (the JSON codec cannot carry it; send it as a string)');
    if (f & ts.TypeFlags.Null) return { kind: 'null' };
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return { kind: 'undefined' };
    if (f & ts.TypeFlags.ESSymbolLike) return this.problem(path, 'a symbol');
    if (type.isUnion()) return this.union(type.types.map((member) => this.read(member, path)));
    if (type.isIntersection()) {
      // A branded primitive (`string & { __brand: 'Sku' }`) is the primitive on the wire.
      const primitive = type.types.find((member) => member.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike));
      if (primitive !== undefined) return this.read(primitive, path);
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) return this.object(type, path);
    return { kind: 'unknown' };
  }

  private union(options: FieldType[]): FieldType {
    const hasTrue = options.some((o) => o.kind === 'literal' && o.value === true);
    const hasFalse = options.some((o) => o.kind === 'literal' && o.value === false);
    let merged = options;
    if (hasTrue && hasFalse) {
      merged = options.filter((o) => !(o.kind === 'literal' && typeof o.value === 'boolean'));
      merged.push({ kind: 'boolean' });
    }
    if (merged.some((o) => o.kind === 'unknown')) return { kind: 'unknown' };
    return merged.length === 1 ? merged[0]! : { kind: 'union', options: merged };
  }

  private object(type: TS.Type, path: string): FieldType {
    const { ts, checker } = this.ctx;
    if (checker.isArrayType(type)) {
      return { kind: 'array', element: this.read(checker.getTypeArguments(type as TS.TypeReference)[0]!, `${path}[]`) };
    }
    if (checker.isTupleType(type)) {
      return { kind: 'tuple', elements: checker.getTypeArguments(type as TS.TypeReference).map((t, i) => this.read(t, `${path}[${i}]`)) };
    }
    const symbol = type.getSymbol() ?? type.aliasSymbol;
    if (symbol !== undefined && isLibrary(this.ctx, symbol)) {
      if (symbol.name === 'Date') return { kind: 'date' };
      if (BYTES.has(symbol.name)) return { kind: 'bytes' };
      const reason = NOT_DATA[symbol.name];
      if (reason !== undefined) return this.problem(path, reason);
    }
    if (type.getCallSignatures().length > 0) return this.problem(path, 'a function');
    if (type.getConstructSignatures().length > 0) return this.problem(path, 'a class (constructor)');
    if (this.inProgress.has(type)) return { kind: 'object', fields: [], open: true };
    this.inProgress.add(type);
    try {
      const properties = checker.getPropertiesOfType(type);
      const methods = properties.filter((p) => p.flags & ts.SymbolFlags.Method);
      if (methods.length > 0) {
        const owner = symbol !== undefined && symbol.flags & ts.SymbolFlags.Class ? `an instance of ${symbol.name} with methods` : 'an object with methods';
        return this.problem(path, `${owner} (${methods.map((m) => `${m.name}()`).join(', ')}); methods do not survive a transport`);
      }
      const stringIndex = checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & ts.TypeFlags.String);
      if (properties.length === 0 && stringIndex !== undefined) return { kind: 'record', value: this.read(stringIndex.type, `${path}[key]`) };
      const fields: FieldModel[] = properties.map((property) => this.field(property, path));
      return { kind: 'object', fields, open: stringIndex !== undefined };
    } finally {
      this.inProgress.delete(type);
    }
  }

  /** One property of a message or of a nested object. */
  field(property: TS.Symbol, parentPath: string): FieldModel {
    const { ts, checker } = this.ctx;
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const type = checker.getTypeOfSymbol(property);
    const path = parentPath === '' ? property.name : `${parentPath}.${property.name}`;
    return {
      name: property.name,
      optional: (property.flags & ts.SymbolFlags.Optional) !== 0,
      type: this.read(type, path),
      typeText: checker.typeToString(type, declaration, ts.TypeFormatFlags.NoTruncation),
      constraints: constraintsOf(this.ctx, declaration),
    };
  }

  private problem(path: string, reason: string): FieldType {
    this.problems.push({ path, reason });
    return { kind: 'unknown' };
  }
}
