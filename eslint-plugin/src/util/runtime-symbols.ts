import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { RUNTIME_PACKAGE } from './catga-names.js';

// Package names of directories: they do not change while a linter runs, so caching by path is safe here.
const packageNameOfDir = new Map<string, string | undefined>();

function packageNameOf(fileName: string): string | undefined {
  const trail: string[] = [];
  let name: string | undefined;
  for (let dir = dirname(fileName); ; dir = dirname(dir)) {
    if (packageNameOfDir.has(dir)) {
      name = packageNameOfDir.get(dir);
      break;
    }
    trail.push(dir);
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      } catch {
        name = undefined;
      }
      // A nameless manifest (e.g. dist/cjs/package.json with only "type") is a marker, not the package: keep walking.
      if (name !== undefined) break;
    }
    if (dirname(dir) === dir) break;
  }
  for (const dir of trail) packageNameOfDir.set(dir, name);
  return name;
}

/** Whether a declaration comes from the `@catga/runtime` package (installed, linked in a workspace, or its source). */
export function isRuntimeDeclaration(declaration: ts.Declaration): boolean {
  const fileName = declaration.getSourceFile().fileName;
  return fileName.includes(`/node_modules/${RUNTIME_PACKAGE}/`) || packageNameOf(fileName) === RUNTIME_PACKAGE;
}

/** Follows import aliases to the symbol that is really declared. */
export function resolveAlias(symbol: ts.Symbol, checker: ts.TypeChecker): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/**
 * Whether `symbol` is the runtime export named `name` (e.g. `Event`, `Command`, `CatgaHandler`), by declaration,
 * not by text: a user class called `Event` is not the runtime's `Event`.
 */
export function isRuntimeSymbol(symbol: ts.Symbol | undefined, name: string, checker: ts.TypeChecker): boolean {
  if (symbol === undefined) return false;
  const resolved = resolveAlias(symbol, checker);
  return resolved.name === name && (resolved.declarations ?? []).some(isRuntimeDeclaration);
}

/** Whether `type` (a class instance type) extends the runtime class `baseName` anywhere up its base chain. */
export function extendsRuntimeClass(type: ts.Type, baseName: 'Command' | 'Query' | 'Event' | 'Message', checker: ts.TypeChecker): boolean {
  const seen = new Set<ts.Type>();
  const visit = (current: ts.Type): boolean => {
    if (seen.has(current)) return false;
    seen.add(current);
    if (isRuntimeSymbol(current.getSymbol(), baseName, checker)) return true;
    if (current.isClassOrInterface()) return checker.getBaseTypes(current).some(visit);
    if (current.isIntersection()) return current.types.some(visit);
    // Generic instantiations (`Command<R>`) point at their target.
    const target = (current as ts.TypeReference).target;
    return target !== undefined && target !== current && visit(target);
  };
  return visit(type);
}
