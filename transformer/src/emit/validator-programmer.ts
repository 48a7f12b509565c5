import type { FieldConstraints, FieldModel, FieldType } from '../analysis/model.js';

// Writes a message's validator as straight-line JavaScript: one check per field, every issue collected, no
// reflection and no schema interpretation at run time.

const q = JSON.stringify;

/** How the expected type reads in an issue message. */
export function describeFieldType(type: FieldType): string {
  switch (type.kind) {
    case 'literal':
      return q(type.value);
    case 'array':
      return 'an array';
    case 'tuple':
      return `a tuple of ${type.elements.length}`;
    case 'object':
      return 'an object';
    case 'record':
      return 'an object';
    case 'union':
      return [...new Set(type.options.map(describeFieldType))].join(' | ');
    case 'date':
      return 'a valid Date';
    case 'bytes':
      return 'a Uint8Array';
    case 'null':
    case 'undefined':
      return type.kind;
    default:
      return `a ${type.kind}`;
  }
}

/** A JS boolean expression that is true when `value` has the shape's outer type (nested members checked apart). */
function test(value: string, type: FieldType): string {
  switch (type.kind) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return `typeof ${value} === "${type.kind}"`;
    case 'null':
      return `${value} === null`;
    case 'undefined':
      return `${value} === undefined`;
    case 'literal':
      return `${value} === ${q(type.value)}`;
    case 'date':
      return `(${value} instanceof Date && !Number.isNaN(${value}.getTime()))`;
    case 'bytes':
      return `${value} instanceof Uint8Array`;
    case 'array':
      return `Array.isArray(${value})`;
    case 'tuple':
      return `(Array.isArray(${value}) && ${value}.length === ${type.elements.length})`;
    case 'object':
    case 'record':
      return `(typeof ${value} === "object" && ${value} !== null && !Array.isArray(${value}))`;
    case 'union':
      return `(${type.options.map((option) => test(value, option)).join(' || ')})`;
    case 'unknown':
      return 'true';
  }
}

/** Parenthesises a test unless it is already one term. */
function negatable(expression: string): string {
  return /^\(.*\)$/.test(expression) || /^[\w$.[\]]+$/.test(expression) ? expression : `(${expression})`;
}

class Writer {
  readonly lines: string[] = [];
  private counter = 0;

  /** A writer of its own lines that shares the parent's variable names (`i0`, `k1`, ...). */
  constructor(private readonly parent?: Writer) {}

  line(indent: number, text: string): void {
    this.lines.push(`${'    '.repeat(indent)}${text}`);
  }

  name(prefix: string): string {
    if (this.parent !== undefined) return this.parent.name(prefix);
    return `${prefix}${this.counter++}`;
  }
}

function issue(path: string, rule: string, message: string): string {
  return `issues.push({ field: ${path}, rule: "${rule}", message: ${q(message)} });`;
}

function constraintChecks(w: Writer, indent: number, value: string, path: string, type: FieldType, c: FieldConstraints): void {
  const hasLength = type.kind === 'string' || type.kind === 'array';
  if (hasLength && c.minLength !== undefined) w.line(indent, `if (${value}.length < ${c.minLength}) ${issue(path, 'minLength', `must have at least ${c.minLength} ${type.kind === 'string' ? 'characters' : 'items'}`)}`);
  if (hasLength && c.maxLength !== undefined) w.line(indent, `if (${value}.length > ${c.maxLength}) ${issue(path, 'maxLength', `must have at most ${c.maxLength} ${type.kind === 'string' ? 'characters' : 'items'}`)}`);
  if (type.kind === 'array' && c.minItems !== undefined) w.line(indent, `if (${value}.length < ${c.minItems}) ${issue(path, 'minItems', `must have at least ${c.minItems} items`)}`);
  if (type.kind === 'array' && c.maxItems !== undefined) w.line(indent, `if (${value}.length > ${c.maxItems}) ${issue(path, 'maxItems', `must have at most ${c.maxItems} items`)}`);
  if (type.kind === 'number') {
    if (c.integer === true) w.line(indent, `if (!Number.isInteger(${value})) ${issue(path, 'integer', 'must be an integer')}`);
    if (c.minimum !== undefined) w.line(indent, `if (${value} < ${c.minimum}) ${issue(path, 'minimum', `must be >= ${c.minimum}`)}`);
    if (c.maximum !== undefined) w.line(indent, `if (${value} > ${c.maximum}) ${issue(path, 'maximum', `must be <= ${c.maximum}`)}`);
  }
  if (type.kind === 'string' && c.pattern !== undefined) {
    w.line(indent, `if (!/${c.pattern.replace(/\//g, '\\/')}/.test(${value})) ${issue(path, 'pattern', `must match /${c.pattern}/`)}`);
  }
}

/** Checks `value` (a JS expression) against `type`; `path` is a JS expression of the field path. */
function check(w: Writer, indent: number, value: string, path: string, type: FieldType, constraints: FieldConstraints): void {
  if (type.kind === 'unknown') return;
  w.line(indent, `if (!${negatable(test(value, type))}) ${issue(path, 'type', `must be ${describeFieldType(type)}`)}`);
  // Nested checks and constraints go in an `else` of the type check, written only when there are any.
  const inner = new Writer(w);
  constraintChecks(inner, indent + 1, value, path, type, constraints);
  if (type.kind === 'array' && type.element.kind !== 'unknown') {
    const i = w.name('i');
    const body = new Writer(w);
    check(body, indent + 2, `${value}[${i}]`, `${path} + "[" + ${i} + "]"`, type.element, {});
    if (body.lines.length > 0) inner.lines.push(`${'    '.repeat(indent + 1)}for (let ${i} = 0; ${i} < ${value}.length; ${i}++) {`, ...body.lines, `${'    '.repeat(indent + 1)}}`);
  } else if (type.kind === 'tuple') {
    type.elements.forEach((element, index) => check(inner, indent + 1, `${value}[${index}]`, `${path} + "[${index}]"`, element, {}));
  } else if (type.kind === 'object') {
    for (const field of type.fields) fieldCheck(inner, indent + 1, value, path, field);
  } else if (type.kind === 'record' && type.value.kind !== 'unknown') {
    const k = w.name('k');
    const body = new Writer(w);
    check(body, indent + 2, `${value}[${k}]`, `${path} + "." + ${k}`, type.value, {});
    if (body.lines.length > 0) inner.lines.push(`${'    '.repeat(indent + 1)}for (const ${k} of Object.keys(${value})) {`, ...body.lines, `${'    '.repeat(indent + 1)}}`);
  }
  if (inner.lines.length === 0) return;
  w.line(indent, 'else {');
  w.lines.push(...inner.lines);
  w.line(indent, '}');
}

function fieldCheck(w: Writer, indent: number, owner: string, ownerPath: string | undefined, field: FieldModel): void {
  const value = /^[A-Za-z_$][\w$]*$/.test(field.name) ? `${owner}.${field.name}` : `${owner}[${q(field.name)}]`;
  const path = ownerPath === undefined ? q(field.name) : `${ownerPath} + ${q(`.${field.name}`)}`;
  // Optional fields may be absent; the check applies to the value when there is one.
  const type: FieldType = field.optional && field.type.kind === 'union' ? { kind: 'union', options: field.type.options.filter((o) => o.kind !== 'undefined') } : field.type;
  const effective = type.kind === 'union' && type.options.length === 1 ? type.options[0]! : type;
  if (field.optional) {
    w.line(indent, `if (${value} !== undefined) {`);
    check(w, indent + 1, value, path, effective, field.constraints);
    w.line(indent, '}');
  } else {
    check(w, indent, value, path, effective, field.constraints);
  }
}

/**
 * The validator function of a message class, as JavaScript (or TypeScript when `typed`): returns the issues, or
 * `undefined` when there are none. `undefined` when no field needs a check.
 */
export function writeValidator(functionName: string, fields: readonly FieldModel[], typed: boolean): string | undefined {
  const w = new Writer();
  for (const field of fields) fieldCheck(w, 1, 'm', undefined, field);
  if (w.lines.length === 0) return undefined;
  const signature = typed ? `function ${functionName}(m: any): __catga.ValidationIssue[] | undefined {` : `function ${functionName}(m) {`;
  return [signature, `    const issues${typed ? ': __catga.ValidationIssue[]' : ''} = [];`, ...w.lines, '    return issues.length === 0 ? undefined : issues;', '}'].join('\n');
}
