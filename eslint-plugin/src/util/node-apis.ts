import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { enclosingHandlerMethod } from './catga-names.js';

const { ReferenceTracker } = ASTUtils;

/**
 * `iteratePropertyReferences` exists on `@eslint-community/eslint-utils`' tracker (which typescript-eslint re-exports)
 * but is missing from typescript-eslint's declarations.
 */
interface PropertyReferenceTracker {
  iteratePropertyReferences(
    node: TSESTree.Node,
    traceMap: Record<string, unknown>,
  ): IterableIterator<{ node: TSESTree.Node; info: unknown; type: symbol; path: readonly string[] }>;
}

/** A module API to track: the module and the export path. */
export interface ModuleApi {
  /** The module: a built-in without `node:` (`fs`, matched with and without it), or a specifier as written. */
  readonly module: string;
  /** The export (`readFileSync`), or a dot path of nested properties (`db.query`). */
  readonly name: string;
}

/** A call (or `new`) of a tracked module API, found through the file's imports or `require()` calls. */
export interface ModuleApiCall<T extends ModuleApi = ModuleApi> {
  readonly node: TSESTree.CallExpression | TSESTree.NewExpression;
  readonly api: T;
}

/** Node's synchronous file-system functions (Node 20–24), which block the thread on disk I/O. */
export const FS_SYNC_FUNCTIONS: readonly string[] = [
  'accessSync', 'appendFileSync', 'chmodSync', 'chownSync', 'closeSync', 'copyFileSync', 'cpSync', 'existsSync',
  'fchmodSync', 'fchownSync', 'fdatasyncSync', 'fstatSync', 'fsyncSync', 'ftruncateSync', 'futimesSync', 'globSync',
  'lchmodSync', 'lchownSync', 'linkSync', 'lstatSync', 'lutimesSync', 'mkdirSync', 'mkdtempSync', 'openSync',
  'opendirSync', 'readFileSync', 'readSync', 'readdirSync', 'readlinkSync', 'readvSync', 'realpathSync', 'renameSync',
  'rmSync', 'rmdirSync', 'statSync', 'statfsSync', 'symlinkSync', 'truncateSync', 'unlinkSync', 'utimesSync',
  'writeFileSync', 'writeSync', 'writevSync',
];

/**
 * `fs.xSync` functions whose `fs.promises.x` twin takes the same arguments and resolves to the same value (the
 * descriptor-based ones, `existsSync` and `openSync` are left out: their promise API differs).
 */
export const FS_PROMISES_TWIN: Readonly<Record<string, string>> = Object.fromEntries(
  [
    'access', 'appendFile', 'chmod', 'chown', 'copyFile', 'cp', 'lchown', 'link', 'lstat', 'lutimes', 'mkdir', 'mkdtemp',
    'opendir', 'readFile', 'readdir', 'readlink', 'realpath', 'rename', 'rm', 'rmdir', 'stat', 'statfs', 'symlink',
    'truncate', 'unlink', 'utimes', 'writeFile',
  ].map((name) => [`${name}Sync`, name]),
);

/** `child_process` functions that block until the child exits. */
export const CHILD_PROCESS_SYNC_FUNCTIONS: readonly string[] = ['execFileSync', 'execSync', 'spawnSync'];

/** CPU-bound `crypto` functions with a callback twin (same name without `Sync`) that runs on the libuv pool. */
export const CRYPTO_SYNC_FUNCTIONS: readonly string[] = [
  'argon2Sync', 'checkPrimeSync', 'generateKeyPairSync', 'generateKeySync', 'generatePrimeSync', 'hkdfSync',
  'pbkdf2Sync', 'randomFillSync', 'scryptSync',
];

/** CPU-bound `zlib` functions with a callback twin (same name without `Sync`). */
export const ZLIB_SYNC_FUNCTIONS: readonly string[] = [
  'brotliCompressSync', 'brotliDecompressSync', 'deflateRawSync', 'deflateSync', 'gunzipSync', 'gzipSync',
  'inflateRawSync', 'inflateSync', 'unzipSync', 'zstdCompressSync', 'zstdDecompressSync',
];

/** `node:x` → `x`, so `allow` entries and reports don't depend on how the import was spelled. */
export function withoutNodePrefix(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
}

/** The specifiers a module can be imported under: a Node built-in both bare and with `node:`. */
function specifiersOf(module: string, builtin: boolean): string[] {
  return builtin ? [module, `node:${module}`] : [module];
}

interface TraceNode {
  [key: string]: TraceNode;
  [key: symbol]: unknown;
}

/**
 * A ReferenceTracker trace map that reports a call of each API, however the module is bound: named import (renamed
 * or not), default import, namespace import, `import x = require()`, `require()` (whole or destructured).
 */
function buildTraceMap<T extends ModuleApi>(apis: readonly T[], builtinModules: ReadonlySet<string>): Record<string, TraceNode> {
  const map: Record<string, TraceNode> = {};
  for (const api of apis) {
    for (const specifier of specifiersOf(api.module, builtinModules.has(api.module))) {
      let moduleNode = map[specifier];
      if (moduleNode === undefined) {
        // ESM: the map is the module namespace; `default` (a CommonJS module's exports object) is the same object.
        moduleNode = { [ReferenceTracker.ESM]: true } as TraceNode;
        moduleNode.default = moduleNode;
        map[specifier] = moduleNode;
      }
      let node = moduleNode;
      for (const key of api.name.split('.')) {
        let next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
        if (next === undefined) {
          next = {} as TraceNode;
          node[key] = next;
        }
        node = next;
      }
      node[ReferenceTracker.CALL] = api;
      node[ReferenceTracker.CONSTRUCT] = api;
    }
  }
  return map;
}

/** `require('x')` calls where `require` is the global one (unresolved, or a configured global), with `x`. */
export function globalRequireCalls(sourceCode: TSESLint.SourceCode): Array<{ call: TSESTree.CallExpression; specifier: string }> {
  const globalScope = sourceCode.scopeManager?.globalScope;
  if (globalScope == null) return [];
  const references = globalScope.through.filter((reference) => reference.identifier.name === 'require');
  const declared = globalScope.set.get('require');
  if (declared !== undefined && declared.defs.length === 0) references.push(...declared.references);
  const calls: Array<{ call: TSESTree.CallExpression; specifier: string }> = [];
  for (const { identifier } of references) {
    const call = identifier.parent;
    if (call?.type !== AST_NODE_TYPES.CallExpression || call.callee !== identifier) continue;
    const specifier = stringValue(call.arguments[0]);
    if (specifier !== undefined) calls.push({ call, specifier });
  }
  return calls;
}

function stringValue(node: TSESTree.Node | undefined): string | undefined {
  if (node?.type === AST_NODE_TYPES.Literal && typeof node.value === 'string') return node.value;
  if (node?.type === AST_NODE_TYPES.TemplateLiteral && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/**
 * Every call (or `new`) of the given module APIs in the file, resolved through imports and `require()` with
 * `ReferenceTracker` (scope-aware: a local function that happens to be called `readFileSync` is not one).
 */
export function findModuleApiCalls<T extends ModuleApi>(
  sourceCode: TSESLint.SourceCode,
  apis: readonly T[],
  builtinModules: ReadonlySet<string>,
): Array<ModuleApiCall<T>> {
  const globalScope = sourceCode.scopeManager?.globalScope;
  if (globalScope == null || apis.length === 0) return [];
  const traceMap = buildTraceMap(apis, builtinModules);
  const tracker = new ReferenceTracker(globalScope);
  const propertyTracker = tracker as unknown as PropertyReferenceTracker;
  const seen = new Set<TSESTree.Node>();
  const found: Array<ModuleApiCall<T>> = [];
  const collect = (references: Iterable<{ node: TSESTree.Node; info: unknown; type: symbol }>): void => {
    for (const reference of references) {
      if (reference.type !== ReferenceTracker.CALL && reference.type !== ReferenceTracker.CONSTRUCT) continue;
      if (reference.node.type !== AST_NODE_TYPES.CallExpression && reference.node.type !== AST_NODE_TYPES.NewExpression) continue;
      if (seen.has(reference.node)) continue;
      seen.add(reference.node);
      found.push({ node: reference.node, api: reference.info as T });
    }
  };
  collect(tracker.iterateEsmReferences(traceMap));
  // `require()` is tracked from the call itself: without Node globals configured, `require` is an unresolved name,
  // which ReferenceTracker's CommonJS mode would not see.
  for (const { call, specifier } of globalRequireCalls(sourceCode)) {
    const moduleMap = Object.prototype.hasOwnProperty.call(traceMap, specifier) ? traceMap[specifier] : undefined;
    if (moduleMap !== undefined) collect(propertyTracker.iteratePropertyReferences(call, moduleMap));
  }
  // TypeScript's `import fs = require('node:fs')`.
  for (const statement of sourceCode.ast.body) {
    if (statement.type !== AST_NODE_TYPES.TSImportEqualsDeclaration || statement.importKind === 'type') continue;
    if (statement.moduleReference.type !== AST_NODE_TYPES.TSExternalModuleReference) continue;
    const specifier = stringValue(statement.moduleReference.expression);
    const moduleMap = specifier !== undefined && Object.prototype.hasOwnProperty.call(traceMap, specifier) ? traceMap[specifier] : undefined;
    if (moduleMap === undefined) continue;
    for (const variable of sourceCode.getDeclaredVariables(statement)) {
      for (const reference of variable.references) {
        if (reference.isRead()) collect(propertyTracker.iteratePropertyReferences(reference.identifier as TSESTree.Identifier, moduleMap));
      }
    }
  }
  return found.sort((a, b) => a.node.range[0] - b.node.range[0]);
}

/** How an identifier is bound to a module: its specifier and the export it stands for (`*` for the whole module). */
export interface ModuleBinding {
  readonly specifier: string;
  readonly imported: string;
  readonly variable: TSESLint.Scope.Variable;
}

/**
 * Every value binding of the given modules (bare specifiers, compared without `node:`): ESM imports of any form,
 * `import x = require()`, and `const x = require()` / `const { a, b: c } = require()`.
 */
export function moduleBindings(sourceCode: TSESLint.SourceCode, modules: ReadonlySet<string>): ModuleBinding[] {
  const bindings: ModuleBinding[] = [];
  const wanted = (specifier: string | undefined): specifier is string =>
    specifier !== undefined && modules.has(withoutNodePrefix(specifier));
  for (const statement of sourceCode.ast.body) {
    if (statement.type === AST_NODE_TYPES.ImportDeclaration && statement.importKind !== 'type' && wanted(statement.source.value)) {
      for (const specifier of statement.specifiers) {
        if (specifier.type === AST_NODE_TYPES.ImportSpecifier && specifier.importKind === 'type') continue;
        const imported =
          specifier.type === AST_NODE_TYPES.ImportSpecifier
            ? specifier.imported.type === AST_NODE_TYPES.Identifier
              ? specifier.imported.name
              : specifier.imported.value
            : specifier.type === AST_NODE_TYPES.ImportDefaultSpecifier
              ? 'default'
              : '*';
        for (const variable of sourceCode.getDeclaredVariables(specifier)) {
          bindings.push({ specifier: statement.source.value, imported, variable });
        }
      }
    }
    if (
      statement.type === AST_NODE_TYPES.TSImportEqualsDeclaration &&
      statement.importKind !== 'type' &&
      statement.moduleReference.type === AST_NODE_TYPES.TSExternalModuleReference
    ) {
      const specifier = stringValue(statement.moduleReference.expression);
      if (wanted(specifier)) {
        for (const variable of sourceCode.getDeclaredVariables(statement)) bindings.push({ specifier, imported: '*', variable });
      }
    }
  }
  for (const { call, specifier } of globalRequireCalls(sourceCode)) {
    if (!wanted(specifier)) continue;
    const declarator = call.parent;
    if (declarator?.type !== AST_NODE_TYPES.VariableDeclarator || declarator.init !== call) continue;
    if (declarator.id.type === AST_NODE_TYPES.Identifier) {
      for (const variable of sourceCode.getDeclaredVariables(declarator)) bindings.push({ specifier, imported: '*', variable });
    } else if (declarator.id.type === AST_NODE_TYPES.ObjectPattern) {
      for (const property of declarator.id.properties) {
        if (property.type !== AST_NODE_TYPES.Property || property.computed || property.key.type !== AST_NODE_TYPES.Identifier) continue;
        const local = property.value.type === AST_NODE_TYPES.AssignmentPattern ? property.value.left : property.value;
        if (local.type !== AST_NODE_TYPES.Identifier) continue;
        const variable = sourceCode.getDeclaredVariables(declarator).find((v) => v.identifiers.includes(local));
        if (variable !== undefined) bindings.push({ specifier, imported: property.key.name, variable });
      }
    }
  }
  return bindings;
}

/** The variable an identifier refers to, by scope analysis (`undefined` for an unresolved, i.e. global, name). */
export function resolveVariable(identifier: TSESTree.Identifier, sourceCode: TSESLint.SourceCode): TSESLint.Scope.Variable | undefined {
  for (let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(identifier); scope !== null; scope = scope.upper) {
    const variable = scope.set.get(identifier.name);
    if (variable !== undefined) return variable;
  }
  return undefined;
}

/**
 * Whether an identifier refers to the global of that name: it is not declared anywhere in the file (it may be a
 * configured or TypeScript-lib global, which has no definition).
 */
export function isGlobalReference(identifier: TSESTree.Identifier, sourceCode: TSESLint.SourceCode): boolean {
  const variable = resolveVariable(identifier, sourceCode);
  return variable === undefined || variable.defs.length === 0;
}

/** `Name.member(...)` where `Name` is the global `Name` (not shadowed), e.g. `Atomics.wait(...)`, `Date.now()`. */
export function isGlobalMemberCall(
  node: TSESTree.Node,
  objectNames: readonly string[],
  member: string,
  sourceCode: TSESLint.SourceCode,
): node is TSESTree.CallExpression {
  if (node.type !== AST_NODE_TYPES.CallExpression) return false;
  const callee = node.callee;
  return (
    callee.type === AST_NODE_TYPES.MemberExpression &&
    !callee.computed &&
    callee.property.type === AST_NODE_TYPES.Identifier &&
    callee.property.name === member &&
    callee.object.type === AST_NODE_TYPES.Identifier &&
    objectNames.includes(callee.object.name) &&
    isGlobalReference(callee.object, sourceCode)
  );
}

/** The function a node is directly in (arrow functions included), or `undefined` at module level. */
export function nearestFunction(node: TSESTree.Node): TSESTree.FunctionLike | undefined {
  // `!= null`: ESLint sets the Program node's parent to null.
  for (let current = node.parent; current != null; current = current.parent) {
    if (
      current.type === AST_NODE_TYPES.FunctionDeclaration ||
      current.type === AST_NODE_TYPES.FunctionExpression ||
      current.type === AST_NODE_TYPES.ArrowFunctionExpression
    ) {
      return current;
    }
  }
  return undefined;
}

/** Whether `await` is valid where `node` is: its nearest function is `async`. */
export function canAwaitAt(node: TSESTree.Node): boolean {
  return nearestFunction(node)?.async === true;
}

/** Whether a node is lexically inside an `async` function (at any depth: a sync callback there runs on its turn). */
export function isInsideAsyncFunction(node: TSESTree.Node): boolean {
  for (let fn = nearestFunction(node); fn !== undefined; fn = nearestFunction(fn)) {
    if (fn.async) return true;
  }
  return false;
}

/** Where a blocking call hurts, for messages: a Catga handler's `handle`, or (when asked) any async function. */
export type BlockingPlace = 'Catga handler' | 'async function';

/** The place `node` is in that the rule checks, if any. */
export function blockingPlaceOf(node: TSESTree.Node, sourceCode: TSESLint.SourceCode, checkAllAsyncFunctions: boolean): BlockingPlace | undefined {
  if (enclosingHandlerMethod(node, sourceCode) !== undefined) return 'Catga handler';
  if (checkAllAsyncFunctions && isInsideAsyncFunction(node)) return 'async function';
  return undefined;
}

/**
 * `await <text>` to put in place of `node`, parenthesised where `await` binds looser than the context needs
 * (`xSync(a).length` → `(await x(a)).length`).
 */
export function awaitReplacement(node: TSESTree.Expression, text: string): string {
  const parent = node.parent;
  const bare =
    parent === undefined ||
    parent.type === AST_NODE_TYPES.ExpressionStatement ||
    parent.type === AST_NODE_TYPES.ReturnStatement ||
    parent.type === AST_NODE_TYPES.ArrayExpression ||
    parent.type === AST_NODE_TYPES.TemplateLiteral ||
    parent.type === AST_NODE_TYPES.SpreadElement ||
    (parent.type === AST_NODE_TYPES.VariableDeclarator && parent.init === node) ||
    (parent.type === AST_NODE_TYPES.AssignmentExpression && parent.right === node) ||
    (parent.type === AST_NODE_TYPES.Property && parent.value === node) ||
    ((parent.type === AST_NODE_TYPES.CallExpression || parent.type === AST_NODE_TYPES.NewExpression) && parent.callee !== node);
  return bare ? `await ${text}` : `(await ${text})`;
}

/** Whether `name` is declared in any scope visible from `node`, or used there as an undeclared global. */
export function isNameTaken(name: string, node: TSESTree.Node, sourceCode: TSESLint.SourceCode): boolean {
  for (let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(node); scope !== null; scope = scope.upper) {
    if (scope.set.has(name)) return true;
    if (scope.upper === null && scope.through.some((reference) => reference.identifier.name === name)) return true;
  }
  return false;
}

/**
 * Whether an identifier stands for a whole module object: a namespace or default import, `import x = require()`, or
 * `const x = require()` (so `x.promises` / `x.pbkdf2` exist next to `x.readFileSync` / `x.pbkdf2Sync`).
 */
export function isWholeModuleBinding(identifier: TSESTree.Identifier, sourceCode: TSESLint.SourceCode): boolean {
  const definition = resolveVariable(identifier, sourceCode)?.defs[0];
  if (definition === undefined) return false;
  if (definition.type === 'ImportBinding') {
    return (
      definition.node.type === AST_NODE_TYPES.ImportNamespaceSpecifier ||
      definition.node.type === AST_NODE_TYPES.ImportDefaultSpecifier ||
      definition.node.type === AST_NODE_TYPES.TSImportEqualsDeclaration
    );
  }
  if (definition.type === 'Variable') {
    const declarator = definition.node;
    return (
      declarator.id.type === AST_NODE_TYPES.Identifier &&
      declarator.init?.type === AST_NODE_TYPES.CallExpression &&
      globalRequireCalls(sourceCode).some(({ call }) => call === declarator.init)
    );
  }
  return false;
}

/** Whether `variable` is what its name means at `node` (not shadowed by an inner declaration). */
export function isVisibleAt(variable: TSESLint.Scope.Variable, node: TSESTree.Node, sourceCode: TSESLint.SourceCode): boolean {
  for (let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(node); scope !== null; scope = scope.upper) {
    const found = scope.set.get(variable.name);
    if (found !== undefined) return found === variable;
  }
  return false;
}

/** Calls `visit` on `root` and every node below it, except inside nested classes (which have their own `this`). */
export function walkSkippingClasses(root: TSESTree.Node, visitorKeys: TSESLint.SourceCode.VisitorKeys, visit: (node: TSESTree.Node) => void): void {
  const stack: TSESTree.Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    for (const key of visitorKeys[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      for (const candidate of Array.isArray(child) ? child : [child]) {
        if (isNode(candidate) && candidate.type !== AST_NODE_TYPES.ClassDeclaration && candidate.type !== AST_NODE_TYPES.ClassExpression) {
          stack.push(candidate);
        }
      }
    }
  }
}

function isNode(value: unknown): value is TSESTree.Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
