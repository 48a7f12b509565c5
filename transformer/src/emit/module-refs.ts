import { dirname, relative } from 'node:path';
import type * as TS from 'typescript';
import type { ClassRef } from '../analysis/model.js';

const OUTPUT_EXTENSION: Readonly<Record<string, string>> = { '.ts': '.js', '.tsx': '.js', '.mts': '.mjs', '.cts': '.cjs', '.d.ts': '.js' };

/** A relative module specifier from `fromFile` to `toFile`, naming the emitted JavaScript file. */
export function relativeSpecifier(fromFile: string, toFile: string): string {
  const extension = Object.keys(OUTPUT_EXTENSION).find((ext) => toFile.endsWith(ext) && !(ext === '.ts' && toFile.endsWith('.d.ts'))) ?? '';
  const stem = extension === '' ? toFile : toFile.slice(0, -extension.length);
  const path = relative(dirname(fromFile), stem).split('\\').join('/');
  return `${path.startsWith('.') ? path : `./${path}`}${OUTPUT_EXTENSION[extension] ?? ''}`;
}

/**
 * How generated code in one file refers to classes of other files: through namespace imports it adds itself
 * (`import * as __catga_m0 from "./place-order.js"`), reusing the module specifier the user wrote. Reusing the
 * user's import bindings is not safe: TypeScript elides imports used only as types, and the CommonJS transform does
 * not rewrite identifiers it did not bind.
 */
export class ModuleRefs {
  private readonly namespaces = new Map<string, string>();

  constructor(
    private readonly ts: typeof TS,
    private readonly checker: TS.TypeChecker,
    private readonly file: TS.SourceFile,
  ) {}

  /** A JS expression for the class, or `undefined` when this file cannot import it (not exported). */
  expressionFor(target: ClassRef): string | undefined {
    if (target.fileName === this.file.fileName) return target.name;
    const imported = this.importedSpecifier(target);
    if (imported !== undefined) return `${this.namespace(imported.specifier)}.${imported.exportName}`;
    if (!target.exported) return undefined;
    return `${this.namespace(relativeSpecifier(this.file.fileName, target.fileName))}.${target.name}`;
  }

  /** The import declarations to add, in a stable order. */
  imports(): { name: string; specifier: string }[] {
    return [...this.namespaces].map(([specifier, name]) => ({ name, specifier }));
  }

  private namespace(specifier: string): string {
    let name = this.namespaces.get(specifier);
    if (name === undefined) {
      name = `__catga_m${this.namespaces.size}`;
      this.namespaces.set(specifier, name);
    }
    return name;
  }

  /**
   * Whether the export an import binding names is a value at run time. The user's own import may be `import type`
   * (generated code imports the module itself), but `export type { X }` anywhere along the re-export chain means the
   * module object has no `X`: referring to it would load `undefined`.
   */
  private exportsValue(imported: TS.Symbol): boolean {
    const { ts, checker } = this;
    const typeOnly = (declaration: TS.Declaration): boolean =>
      (ts.isExportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)) ||
      (ts.isImportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)) ||
      (ts.isImportClause(declaration) && declaration.isTypeOnly);
    const seen = new Set<TS.Symbol>();
    for (let current = checker.getImmediateAliasedSymbol(imported); current !== undefined && !seen.has(current); current = checker.getImmediateAliasedSymbol(current)) {
      seen.add(current);
      if (!(current.flags & ts.SymbolFlags.Alias)) return true;
      if ((current.declarations ?? []).some(typeOnly)) return false;
    }
    return true;
  }

  /** Where the user's own imports bring the class in as a value, and under which exported name. */
  private importedSpecifier(target: ClassRef): { specifier: string; exportName: string } | undefined {
    const found = userImportOf(this.ts, this.checker, this.file, target);
    return found !== undefined && this.exportsValue(found.local) ? found : undefined;
  }
}

/** The import of `file` that brings `target` in: its module specifier, exported name and local alias symbol. */
export function userImportOf(
  ts: typeof TS,
  checker: TS.TypeChecker,
  file: TS.SourceFile,
  target: ClassRef,
): { specifier: string; exportName: string; local: TS.Symbol } | undefined {
  const targetSymbol = target.declaration.name === undefined ? undefined : checker.getSymbolAtLocation(target.declaration.name);
  if (targetSymbol === undefined) return undefined;
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const clause = statement.importClause;
    if (clause === undefined) continue;
    const candidates: { local: TS.Identifier; exportName: string }[] = [];
    if (clause.name !== undefined) candidates.push({ local: clause.name, exportName: 'default' });
    if (clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings)) {
      for (const element of clause.namedBindings.elements) candidates.push({ local: element.name, exportName: (element.propertyName ?? element.name).text });
    }
    for (const { local, exportName } of candidates) {
      const symbol = checker.getSymbolAtLocation(local);
      if (symbol !== undefined && checker.getAliasedSymbol(symbol) === targetSymbol) return { specifier: statement.moduleSpecifier.text, exportName, local: symbol };
    }
  }
  return undefined;
}
