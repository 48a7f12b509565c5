import ts from 'typescript';

/** The guesses the size estimate makes where a type says nothing about length. */
export interface SizeAssumptions {
  /** Bytes assumed for a `string` (and for a string key of an index signature or map). */
  readonly assumedStringBytes: number;
  /** Entries assumed for an array, a set, a map and an index signature (`Record<string, T>`). */
  readonly assumedArrayLength: number;
}

/** A size estimate: a number of bytes, or no bound at all (a recursive type). */
export type SizeEstimate =
  | { readonly bounded: true; readonly bytes: number }
  | {
      readonly bounded: false;
      /** Where the type reaches itself again, as a property path (`children[]`, `tree.next`); empty at the root. */
      readonly path: string;
    };

/** One top-level entry of a state type and what it weighs (key included). */
export interface EntrySize {
  /** Property name, or `[key]` for an index signature's entries. */
  readonly name: string;
  readonly estimate: SizeEstimate;
}

/** The estimate of a whole state type, plus its top-level entries (for "which properties are the big ones"). */
export interface StateSize {
  readonly estimate: SizeEstimate;
  /** Top-level entries in declaration order; for a union, those of its largest member. */
  readonly entries: readonly EntrySize[];
}

/**
 * Nesting depth past which a type counts as unbounded. Finite hand-written state types never get close; what does
 * get here is a generic that expands forever (`interface Chain<T> { next: Chain<T[]> }`), whose instantiations are
 * new types at every level and so escape the cycle check.
 */
const MAX_DEPTH = 20;

/** Bytes of an ISO-8601 timestamp (`2025-01-31T12:00:00.000Z`), which is how JSON writes a `Date`. */
const DATE_BYTES = 24;
/** A number is assumed to be this long serialised (msgpack's float64; a typical JSON number). */
const NUMBER_BYTES = 8;
/** `false`: the longer of the two booleans. */
const BOOLEAN_BYTES = 5;
/** `null`. */
const NULL_BYTES = 4;
/** Per object entry, on top of the key: two quotes and a colon (`"key":`). */
const ENTRY_OVERHEAD = 3;

// Internal result: `depthLimited` marks unbounded verdicts that came from the depth limit rather than a real cycle.
// Those depend on where the walk started, so they are not memoised (the same type seen higher up may be finite).
type Measured = SizeEstimate & { readonly depthLimited?: boolean };

const ZERO: Measured = { bounded: true, bytes: 0 };

function bytes(n: number): Measured {
  return { bounded: true, bytes: n };
}

function withSegment(measured: Measured, segment: string): Measured {
  if (measured.bounded) return measured;
  return { bounded: false, path: `${segment}${measured.path}`, depthLimited: measured.depthLimited };
}

function times(n: number, measured: Measured): Measured {
  return measured.bounded ? bytes(n * measured.bytes) : measured;
}

function sum(parts: readonly Measured[]): Measured {
  let total = 0;
  for (const part of parts) {
    if (!part.bounded) return part;
    total += part.bytes;
  }
  return bytes(total);
}

function largest(parts: readonly Measured[]): Measured {
  let max = 0;
  for (const part of parts) {
    if (!part.bounded) return part;
    max = Math.max(max, part.bytes);
  }
  return bytes(max);
}

function strip(measured: Measured): SizeEstimate {
  return measured.bounded ? { bounded: true, bytes: measured.bytes } : { bounded: false, path: measured.path.replace(/^\./, '') };
}

type LibraryTypeName = 'Date' | 'Map' | 'ReadonlyMap' | 'Set' | 'ReadonlySet';
const LIBRARY_TYPE_NAMES: ReadonlySet<string> = new Set<LibraryTypeName>(['Date', 'Map', 'ReadonlyMap', 'Set', 'ReadonlySet']);

const PRIMITIVE_FLAGS =
  ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null;

/**
 * Estimates how many bytes a value of a type takes serialised (JSON-ish: what a saga store writes on every step),
 * from the type alone. A heuristic, not a measurement: strings and collections have no length in a type, so
 * {@link SizeAssumptions} fill in. The walk is bounded (depth limit, cycle check on the current path) and memoised
 * per type, so shared sub-types are measured once. One instance per type checker and assumptions.
 */
export class TypeSizeEstimator {
  private readonly memo = new Map<ts.Type, Measured>();
  private readonly onPath = new Set<ts.Type>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
    private readonly assumptions: SizeAssumptions,
  ) {}

  /** The estimate of a state type plus its top-level entries. */
  measureState(type: ts.Type): StateSize {
    const estimate = this.measure(type, 0);
    return { estimate: strip(estimate), entries: this.topLevelEntries(type) };
  }

  private topLevelEntries(type: ts.Type): EntrySize[] {
    // For a union the report names the properties of the member that sets the estimate.
    let target = type;
    if (type.isUnion()) {
      let best: { type: ts.Type; size: number } | undefined;
      for (const member of type.types) {
        const measured = this.measure(member, 0);
        const size = measured.bounded ? measured.bytes : Number.POSITIVE_INFINITY;
        if (best === undefined || size > best.size) best = { type: member, size };
      }
      if (best === undefined) return [];
      target = best.type;
    }
    if (!this.isPlainObject(target)) return [];
    this.onPath.add(target);
    try {
      return this.objectEntries(target, 1).map(({ name, measured }) => ({ name, estimate: strip(measured) }));
    } finally {
      this.onPath.delete(target);
    }
  }

  private measure(type: ts.Type, depth: number): Measured {
    const cached = this.memo.get(type);
    if (cached !== undefined) return cached;
    if (this.onPath.has(type)) return { bounded: false, path: '' };
    if (depth > MAX_DEPTH) return { bounded: false, path: '', depthLimited: true };
    this.onPath.add(type);
    let measured: Measured;
    try {
      measured = this.compute(type, depth);
    } finally {
      this.onPath.delete(type);
    }
    // A cycle verdict is memoised too: a type that reaches a type on the path reaches itself through it.
    if (measured.bounded || measured.depthLimited !== true) this.memo.set(type, measured);
    return measured;
  }

  private compute(type: ts.Type, depth: number): Measured {
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) return ZERO; // nothing to go on
    if (flags & (ts.TypeFlags.Never | ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return ZERO; // JSON drops them
    if (flags & ts.TypeFlags.ESSymbolLike) return ZERO; // not serialisable
    if (flags & ts.TypeFlags.Null) return bytes(NULL_BYTES);
    if (type.isStringLiteral()) return bytes(type.value.length);
    if (type.isNumberLiteral()) return bytes(String(type.value).length);
    if (flags & ts.TypeFlags.BigIntLiteral) {
      const { negative, base10Value } = (type as ts.BigIntLiteralType).value;
      return bytes(base10Value.length + (negative ? 1 : 0));
    }
    if (flags & ts.TypeFlags.BooleanLiteral) return bytes(this.checker.typeToString(type).length); // `true` or `false`
    if (flags & ts.TypeFlags.Boolean) return bytes(BOOLEAN_BYTES);
    if (flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) {
      return bytes(this.assumptions.assumedStringBytes);
    }
    if (flags & (ts.TypeFlags.Number | ts.TypeFlags.BigInt)) return bytes(NUMBER_BYTES);
    if (flags & ts.TypeFlags.TypeParameter) {
      const constraint = this.checker.getBaseConstraintOfType(type);
      return constraint === undefined || constraint === type ? ZERO : this.measure(constraint, depth + 1);
    }
    // Unions, enums included (a union of their members' literal types): the largest member.
    if (type.isUnion()) return largest(type.types.map((member) => this.measure(member, depth + 1)));
    if (flags & ts.TypeFlags.Enum) return bytes(NUMBER_BYTES);
    if (type.isIntersection()) {
      // Branded primitives (`string & { __brand: 'OrderId' }`) serialise as the primitive.
      const primitives = type.types.filter((member) => member.flags & PRIMITIVE_FLAGS);
      if (primitives.length > 0) return largest(primitives.map((member) => this.measure(member, depth + 1)));
      return this.measureObject(type, depth);
    }
    if (flags & ts.TypeFlags.Object) return this.measureObject(type, depth);
    return ZERO;
  }

  private measureObject(type: ts.Type, depth: number): Measured {
    const { assumedArrayLength } = this.assumptions;
    if (this.checker.isTupleType(type)) {
      const reference = type as ts.TypeReference;
      const elementFlags = (reference.target as ts.TupleType).elementFlags;
      const parts = this.checker.getTypeArguments(reference).map((element, index) => {
        const flag = elementFlags[index] ?? ts.ElementFlags.Required;
        const measured = withSegment(this.measure(element, depth + 1), `[${index}]`);
        // `...T[]` inside a tuple: as long as any array.
        return flag & ts.ElementFlags.Rest ? times(assumedArrayLength, measured) : measured;
      });
      return sum(parts);
    }
    if (this.checker.isArrayType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
      return element === undefined ? ZERO : times(assumedArrayLength, withSegment(this.measure(element, depth + 1), '[]'));
    }
    const libName = this.defaultLibraryName(type);
    if (libName === 'Date') return bytes(DATE_BYTES);
    if (libName === 'Set' || libName === 'ReadonlySet') {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
      return element === undefined ? ZERO : times(assumedArrayLength, withSegment(this.measure(element, depth + 1), '[]'));
    }
    if (libName === 'Map' || libName === 'ReadonlyMap') {
      const [key, value] = this.checker.getTypeArguments(type as ts.TypeReference);
      if (key === undefined || value === undefined) return ZERO;
      const entry = sum([
        this.measure(key, depth + 1),
        bytes(ENTRY_OVERHEAD),
        withSegment(this.measure(value, depth + 1), '[value]'),
      ]);
      return times(assumedArrayLength, entry);
    }
    // Functions and promises are not data: JSON drops them.
    if (type.getProperties().length === 0 && type.getCallSignatures().length > 0) return ZERO;
    return sum(this.objectEntries(type, depth).map((entry) => entry.measured));
  }

  /** Each serialised entry of an object type: its data properties and, per index signature, the assumed entries. */
  private objectEntries(type: ts.Type, depth: number): Array<{ name: string; measured: Measured }> {
    const entries: Array<{ name: string; measured: Measured }> = [];
    for (const property of this.checker.getPropertiesOfType(type)) {
      if (!this.isDataProperty(property)) continue;
      const name = property.getName();
      const value = withSegment(this.measure(this.checker.getTypeOfSymbol(property), depth + 1), `.${name}`);
      entries.push({ name, measured: sum([bytes(name.length + ENTRY_OVERHEAD), value]) });
    }
    for (const info of this.checker.getIndexInfosOfType(type)) {
      const entry = sum([
        this.measure(info.keyType, depth + 1),
        bytes(ENTRY_OVERHEAD),
        withSegment(this.measure(info.type, depth + 1), '[key]'),
      ]);
      entries.push({ name: '[key]', measured: times(this.assumptions.assumedArrayLength, entry) });
    }
    return entries;
  }

  /** What `JSON.stringify` writes: fields, not methods, accessors (they live on the prototype) or symbol keys. */
  private isDataProperty(property: ts.Symbol): boolean {
    if (property.flags & (ts.SymbolFlags.Method | ts.SymbolFlags.GetAccessor | ts.SymbolFlags.SetAccessor)) return false;
    if ((property.escapedName as string).startsWith('__@')) return false;
    const type = this.checker.getTypeOfSymbol(property);
    return !(type.getCallSignatures().length > 0 && type.getProperties().length === 0);
  }

  private isPlainObject(type: ts.Type): boolean {
    return (
      (type.flags & ts.TypeFlags.Object) !== 0 &&
      !this.checker.isArrayType(type) &&
      !this.checker.isTupleType(type) &&
      this.defaultLibraryName(type) === undefined
    );
  }

  /**
   * Which of the library types with a known serialised form (`Date`, `Map`, `Set`, …) a type is, if any: by
   * declaration in TypeScript's default library, so a user class called `Date` is walked like any other.
   */
  private defaultLibraryName(type: ts.Type): LibraryTypeName | undefined {
    const symbol = type.getSymbol();
    if (symbol === undefined || !LIBRARY_TYPE_NAMES.has(symbol.getName())) return undefined;
    const fromLib = (symbol.getDeclarations() ?? []).some((d) => this.program.isSourceFileDefaultLibrary(d.getSourceFile()));
    return fromLib ? (symbol.getName() as LibraryTypeName) : undefined;
  }
}
