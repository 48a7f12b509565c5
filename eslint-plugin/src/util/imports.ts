import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { RUNTIME_PACKAGE } from './catga-names.js';

/**
 * Fix helpers shared by the rules' suggestions: referring to a `@catga/runtime` export (adding its import when
 * needed), making a type-only import usable as a value, and reading or extending an options object literal
 * (`@CatgaCommand({ … })`).
 */

type Fix = (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix[];

/** How to write a value reference to a runtime export at some place, and the fixes that make that text valid there. */
export interface RuntimeValueReference {
  /** The expression to write: a local name (`CatgaHandler`, or its alias) or `ns.CatgaHandler`. */
  readonly text: string;
  /** Fixes to apply together with the text: none, an added import specifier, a new import line, … */
  readonly fix: Fix;
}

const noFix: Fix = () => [];

/** The runtime's import declarations of this file. */
function runtimeImports(sourceCode: Readonly<TSESLint.SourceCode>): TSESTree.ImportDeclaration[] {
  return sourceCode.ast.body.filter(
    (statement): statement is TSESTree.ImportDeclaration =>
      statement.type === AST_NODE_TYPES.ImportDeclaration && statement.source.value === RUNTIME_PACKAGE,
  );
}

/** Whether `name`, looked up from `at`, is exactly the binding that `specifier` declares (not shadowed, not another). */
function bindsAt(name: string, specifier: TSESTree.ImportClause, at: TSESTree.Node, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const variable = ASTUtils.findVariable(sourceCode.getScope(at), name);
  return variable?.defs.some((definition) => definition.node === specifier) ?? false;
}

/**
 * A fix that turns a type-only import of `specifier` into a value import, or `undefined` when that cannot be done
 * without touching other names: `import { type X }` loses its `type`; `import type { X }` loses its `type` only
 * when X is its sole specifier (dropping it would also turn its other names into value imports).
 * Returns a no-op fix when the import is already a value import.
 */
export function valueImportFix(specifier: TSESTree.ImportClause, sourceCode: Readonly<TSESLint.SourceCode>): Fix | undefined {
  const declaration = specifier.parent;
  if (declaration.type !== AST_NODE_TYPES.ImportDeclaration) return undefined;
  if (declaration.importKind === 'type') {
    if (declaration.specifiers.length !== 1) return undefined;
    const typeKeyword = sourceCode.getFirstToken(declaration, { skip: 1 });
    if (typeKeyword?.value !== 'type') return undefined;
    const next = sourceCode.getTokenAfter(typeKeyword)!;
    return (fixer) => [fixer.removeRange([typeKeyword.range[0], next.range[0]])];
  }
  if (specifier.type === AST_NODE_TYPES.ImportSpecifier && specifier.importKind === 'type') {
    const typeKeyword = sourceCode.getFirstToken(specifier)!;
    const next = sourceCode.getTokenAfter(typeKeyword)!;
    return (fixer) => [fixer.removeRange([typeKeyword.range[0], next.range[0]])];
  }
  return noFix;
}

/**
 * How to refer, as a value, to the runtime export `exportName` at node `at`, reusing what the file already imports:
 * 1. a named import of it (renamed or not) → its local name;
 * 2. a value namespace import (`import * as rt`) → `rt.<exportName>`;
 * 3. otherwise `exportName` itself, added to an existing `import { … } from '@catga/runtime'` or on a new import
 *    line after the last import.
 * `undefined` when none of these is safe, e.g. the name is already taken by something else where `at` is.
 */
export function runtimeValueReference(
  exportName: string,
  at: TSESTree.Node,
  sourceCode: Readonly<TSESLint.SourceCode>,
): RuntimeValueReference | undefined {
  const declarations = runtimeImports(sourceCode);

  for (const declaration of declarations) {
    for (const specifier of declaration.specifiers) {
      if (specifier.type !== AST_NODE_TYPES.ImportSpecifier) continue;
      const imported = specifier.imported.type === AST_NODE_TYPES.Identifier ? specifier.imported.name : specifier.imported.value;
      if (imported !== exportName || !bindsAt(specifier.local.name, specifier, at, sourceCode)) continue;
      // Imported as a type only (`import { type CatgaHandler }`): usable once the `type` goes.
      const fix = valueImportFix(specifier, sourceCode);
      if (fix !== undefined) return { text: specifier.local.name, fix };
    }
  }

  for (const declaration of declarations) {
    if (declaration.importKind === 'type') continue;
    const namespace = declaration.specifiers.find((s) => s.type === AST_NODE_TYPES.ImportNamespaceSpecifier);
    if (namespace !== undefined && bindsAt(namespace.local.name, namespace, at, sourceCode)) {
      return { text: `${namespace.local.name}.${exportName}`, fix: noFix };
    }
  }

  // A new binding named `exportName` must not collide with (or be shadowed by) anything visible at `at`.
  if (ASTUtils.findVariable(sourceCode.getScope(at), exportName) !== null) return undefined;

  const named = declarations.find(
    (declaration) => declaration.importKind !== 'type' && declaration.specifiers.some((s) => s.type === AST_NODE_TYPES.ImportSpecifier),
  );
  if (named !== undefined) return { text: exportName, fix: (fixer) => [appendSpecifier(fixer, named, exportName, sourceCode)] };
  return { text: exportName, fix: (fixer) => [newImportLine(fixer, exportName, declarations[0], sourceCode)] };
}

/** Adds `name` after the last specifier of `import { … }`, following its layout (one line or one per line, trailing comma). */
function appendSpecifier(
  fixer: TSESLint.RuleFixer,
  declaration: TSESTree.ImportDeclaration,
  name: string,
  sourceCode: Readonly<TSESLint.SourceCode>,
): TSESLint.RuleFix {
  const last = declaration.specifiers.at(-1)!;
  return insertAfterLastItem(fixer, last, name, sourceCode);
}

/** Inserts a new `import { name } from '@catga/runtime'` after the file's last import (or at its top). */
function newImportLine(
  fixer: TSESLint.RuleFixer,
  name: string,
  sibling: TSESTree.ImportDeclaration | undefined,
  sourceCode: Readonly<TSESLint.SourceCode>,
): TSESLint.RuleFix {
  const imports = sourceCode.ast.body.filter((s): s is TSESTree.ImportDeclaration => s.type === AST_NODE_TYPES.ImportDeclaration);
  const lastImport = imports.at(-1);
  // Follow the file's style: the quote of a runtime (else any) import, and whether imports end with a semicolon.
  const quote = (sibling ?? lastImport)?.source.raw[0] ?? "'";
  const semicolon = lastImport === undefined || sourceCode.getLastToken(lastImport)?.value === ';' ? ';' : '';
  const line = `import { ${name} } from ${quote}${RUNTIME_PACKAGE}${quote}${semicolon}`;
  if (lastImport !== undefined) return fixer.insertTextAfter(lastImport, `\n${line}`);
  const first = sourceCode.ast.body[0];
  return first === undefined ? fixer.insertTextBeforeRange([0, 0], `${line}\n`) : fixer.insertTextBefore(first, `${line}\n`);
}

/**
 * Inserts `text` as a new item after `last`, the last item of a comma-separated list closed by `}` (import
 * specifiers, object properties): on the same line (`a, text`) or on its own line with `last`'s indentation when
 * the list has one item per line; a trailing comma is kept.
 */
function insertAfterLastItem(
  fixer: TSESLint.RuleFixer,
  last: TSESTree.Node,
  text: string,
  sourceCode: Readonly<TSESLint.SourceCode>,
): TSESLint.RuleFix {
  const after = sourceCode.getTokenAfter(last)!;
  const trailingComma = after.value === ',';
  const closing = trailingComma ? sourceCode.getTokenAfter(after)! : after;
  if (closing.loc.start.line !== last.loc.end.line) {
    const indent = indentationOf(last, sourceCode);
    return trailingComma
      ? fixer.insertTextAfter(after, `\n${indent}${text},`)
      : fixer.insertTextAfter(last, `,\n${indent}${text}`);
  }
  return trailingComma ? fixer.insertTextAfter(after, ` ${text},`) : fixer.insertTextAfter(last, `, ${text}`);
}

/** The whitespace that starts the line `node` starts on. */
export function indentationOf(node: TSESTree.Node | TSESTree.Token, sourceCode: Readonly<TSESLint.SourceCode>): string {
  return /^\s*/.exec(sourceCode.lines[node.loc.start.line - 1]!)![0];
}

/** Whether only whitespace precedes `node` on its line. */
export function startsLine(node: TSESTree.Node | TSESTree.Token, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  return sourceCode.lines[node.loc.start.line - 1]!.slice(0, node.loc.start.column).trim() === '';
}

/** The name of a non-computed property key (`a`, `'a'`), if it is static. */
function keyName(property: TSESTree.Property): string | undefined {
  if (property.computed) return undefined;
  if (property.key.type === AST_NODE_TYPES.Identifier) return property.key.name;
  return property.key.type === AST_NODE_TYPES.Literal && typeof property.key.value === 'string' ? property.key.value : undefined;
}

/** What an options object literal says about one option. */
export type OptionLookup =
  /** Nothing sets it. */
  | { readonly kind: 'absent' }
  /** Set by this property of the literal (the last one, as at run time). */
  | { readonly kind: 'property'; readonly property: TSESTree.Property }
  /** Set by a spread whose value is statically known. */
  | { readonly kind: 'spread'; readonly value: unknown }
  /** A spread whose value is unknown may set it. */
  | { readonly kind: 'unknown' };

/**
 * Finds the option `name` in an object literal as JavaScript would: later entries win, spreads count when their
 * value resolves statically (`...DEFAULTS` of a `const` object), and an unresolvable spread may set anything.
 */
export function lookUpOption(object: TSESTree.ObjectExpression, name: string, scope: TSESLint.Scope.Scope): OptionLookup {
  let found: OptionLookup = { kind: 'absent' };
  for (const entry of object.properties) {
    if (entry.type === AST_NODE_TYPES.Property) {
      if (keyName(entry) === name) found = { kind: 'property', property: entry };
      else if (entry.computed) found = { kind: 'unknown' };
      continue;
    }
    const spread = ASTUtils.getStaticValue(entry.argument, scope);
    if (spread === null) found = { kind: 'unknown' };
    else if (spread.value !== null && typeof spread.value === 'object' && name in spread.value) {
      found = { kind: 'spread', value: (spread.value as Record<string, unknown>)[name] };
    }
  }
  return found;
}

/**
 * A fix that adds the property `text` (e.g. `idempotent: true`) to an object literal, after its last entry and
 * following its layout; `{}` becomes `{ text }`.
 */
export function addPropertyFix(object: TSESTree.ObjectExpression, text: string, sourceCode: Readonly<TSESLint.SourceCode>): Fix {
  const last = object.properties.at(-1);
  if (last === undefined) return (fixer) => [fixer.replaceText(object, `{ ${text} }`)];
  return (fixer) => [insertAfterLastItem(fixer, last, text, sourceCode)];
}

/** `30000` → `30_000`: a numeric literal with `_` between groups of three digits (integers of 1,000 and up). */
export function numericLiteral(value: number): string {
  if (!Number.isSafeInteger(value) || Math.abs(value) < 1000) return String(value);
  return String(value).replace(/\B(?=(\d{3})+$)/g, '_');
}
