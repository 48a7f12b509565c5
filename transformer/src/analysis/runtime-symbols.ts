import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TS from 'typescript';

const RUNTIME_PACKAGE = '@catga/runtime';
const packageOfDir = new Map<string, string | undefined>();

function packageNameOf(fileName: string): string | undefined {
  const trail: string[] = [];
  let name: string | undefined;
  for (let dir = dirname(fileName); ; dir = dirname(dir)) {
    if (packageOfDir.has(dir)) {
      name = packageOfDir.get(dir);
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
      // A nameless manifest (dist/cjs/package.json holding only "type") marks a folder, not the package.
      if (name !== undefined) break;
    }
    if (dirname(dir) === dir) break;
  }
  for (const dir of trail) packageOfDir.set(dir, name);
  return name;
}

/** Whether a declaration belongs to `@catga/runtime` (installed, linked in a workspace, or its sources). */
export function isRuntimeDeclaration(declaration: TS.Declaration): boolean {
  const fileName = declaration.getSourceFile().fileName;
  return fileName.includes(`/node_modules/${RUNTIME_PACKAGE}/`) || packageNameOf(fileName) === RUNTIME_PACKAGE;
}

/** The symbol really declared behind an import alias. */
export function resolveAlias(ts: typeof TS, checker: TS.TypeChecker, symbol: TS.Symbol): TS.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** The runtime export `symbol` stands for (`CatgaCommand`, `Command`, ...), by declaration, or `undefined`. */
export function runtimeNameOf(ts: typeof TS, checker: TS.TypeChecker, symbol: TS.Symbol | undefined): string | undefined {
  if (symbol === undefined) return undefined;
  const resolved = resolveAlias(ts, checker, symbol);
  return (resolved.declarations ?? []).some(isRuntimeDeclaration) ? resolved.name : undefined;
}
