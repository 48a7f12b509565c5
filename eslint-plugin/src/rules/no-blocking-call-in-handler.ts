import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { createRule } from '../util/create-rule.js';
import {
  awaitReplacement,
  type BlockingPlace,
  blockingPlaceOf,
  canAwaitAt,
  CRYPTO_SYNC_FUNCTIONS,
  findModuleApiCalls,
  isGlobalMemberCall,
  isNameTaken,
  isVisibleAt,
  type ModuleApi,
  moduleBindings,
  resolveVariable,
  walkSkippingClasses,
  withoutNodePrefix,
  ZLIB_SYNC_FUNCTIONS,
} from '../util/node-apis.js';

/** Options of `catga/no-blocking-call-in-handler`. */
export interface NoBlockingCallInHandlerOptions {
  /** Also check every `async` function, not only Catga handlers' `handle` methods. */
  checkAllAsyncFunctions?: boolean;
  /** `"module.name"` entries (e.g. `"crypto.randomFillSync"`, `"Atomics.wait"`), or a bare module, to exempt. */
  allow?: string[];
  /** Modules whose functions turn async work into blocking calls (sync-over-async bridges). */
  syncBridgeModules?: string[];
}

type Options = [NoBlockingCallInHandlerOptions];
type MessageIds = 'atomicsWait' | 'cpuBlockingSync' | 'syncBridge' | 'busyWait' | 'suggestPromisify';

/** A CPU-bound `xSync` API and the name of its callback twin. */
interface CpuApi extends ModuleApi {
  readonly asyncName: string;
}

const BUILTINS: ReadonlySet<string> = new Set(['crypto', 'zlib']);
const CPU_APIS: readonly CpuApi[] = [
  ...CRYPTO_SYNC_FUNCTIONS.map((name) => ({ module: 'crypto', name, asyncName: name.slice(0, -'Sync'.length) })),
  ...ZLIB_SYNC_FUNCTIONS.map((name) => ({ module: 'zlib', name, asyncName: name.slice(0, -'Sync'.length) })),
];

/** Clock reads a busy-wait loop spins on. */
const CLOCKS: ReadonlyArray<{ object: string; member: string; label: string }> = [
  { object: 'Date', member: 'now', label: 'Date.now()' },
  { object: 'performance', member: 'now', label: 'performance.now()' },
];

/**
 * CATGA005: calls that block the event loop thread inside Catga handlers (C#: `.Result`/`.Wait()` in async code).
 * Node runs every handler on one thread, so a blocked handler stalls every other message in flight.
 */
export const noBlockingCallInHandler = createRule<Options, MessageIds>({
  name: 'no-blocking-call-in-handler',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow calls that block the event loop inside Catga handlers',
      catgaId: 'CATGA005',
      recommended: 'recommended',
      requiresTypeChecking: false,
      level: 'warn',
    },
    hasSuggestions: true,
    messages: {
      atomicsWait:
        '`Atomics.wait()` blocks the event loop thread in a {{where}}: every other message waits with it. Use `Atomics.waitAsync()` or await a promise.',
      cpuBlockingSync:
        '`{{module}}.{{name}}()` runs on the event loop thread in a {{where}} and blocks every other message while it computes. Use the callback API `{{module}}.{{asyncName}}` (through `promisify`), which runs on the libuv thread pool.',
      syncBridge:
        '`{{callee}}()` comes from `{{module}}`, a sync-over-async bridge: it blocks the event loop thread until the async work is done, in a {{where}}. Await the async function instead.',
      busyWait:
        'This loop spins on `{{clock}}`, keeping the event loop thread busy in a {{where}}. Await a timer instead (`setTimeout` from `node:timers/promises`).',
      suggestPromisify: 'Await `{{promisify}}({{target}})` instead (runs on the thread pool; timing and errors become asynchronous).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          checkAllAsyncFunctions: {
            type: 'boolean',
            description: 'Also check every async function, not only Catga handlers.',
          },
          allow: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description: '"module.name" entries (or a bare module) to exempt, e.g. "crypto.randomFillSync", "Atomics.wait".',
          },
          syncBridgeModules: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description: 'Modules whose functions block on async work (sync-over-async bridges).',
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ checkAllAsyncFunctions: false, allow: [], syncBridgeModules: ['deasync', 'synckit'] }],
  },
  defaultOptions: [{ checkAllAsyncFunctions: false, allow: [], syncBridgeModules: ['deasync', 'synckit'] }],
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    const checkAll = options.checkAllAsyncFunctions === true;
    const allow = new Set((options.allow ?? []).map(withoutNodePrefix));
    const isAllowed = (module: string, name: string): boolean => allow.has(module) || allow.has(`${module}.${name}`);
    const placeOf = (node: TSESTree.Node): BlockingPlace | undefined => blockingPlaceOf(node, sourceCode, checkAll);

    function reportCpuCalls(): void {
      const apis = CPU_APIS.filter((api) => !isAllowed(api.module, api.name));
      for (const { node, api } of findModuleApiCalls(sourceCode, apis, BUILTINS)) {
        const where = placeOf(node);
        if (where === undefined) continue;
        const suggestion = node.type === AST_NODE_TYPES.CallExpression ? promisifySuggestion(node, api, sourceCode) : undefined;
        context.report({
          node,
          messageId: 'cpuBlockingSync',
          data: { module: api.module, name: api.name, asyncName: api.asyncName, where },
          suggest: suggestion === undefined ? null : [suggestion],
        });
      }
    }

    function reportBridgeCalls(): void {
      const modules = new Set((options.syncBridgeModules ?? []).map(withoutNodePrefix));
      for (const { node, module, name } of bridgeCalls(sourceCode, modules)) {
        if (isAllowed(module, name)) continue;
        const where = placeOf(node);
        if (where === undefined) continue;
        context.report({ node, messageId: 'syncBridge', data: { callee: sourceCode.getText(node.callee), module, where } });
      }
    }

    function checkLoop(loop: TSESTree.WhileStatement | TSESTree.DoWhileStatement | TSESTree.ForStatement): void {
      const clock = busyWaitClock(loop, sourceCode);
      if (clock === undefined) return;
      const where = placeOf(loop);
      if (where !== undefined) context.report({ node: loop, messageId: 'busyWait', data: { clock, where } });
    }

    return {
      Program(): void {
        reportCpuCalls();
        reportBridgeCalls();
      },
      CallExpression(node): void {
        if (isAllowed('Atomics', 'wait') || !isGlobalMemberCall(node, ['Atomics'], 'wait', sourceCode)) return;
        const where = placeOf(node);
        if (where !== undefined) context.report({ node, messageId: 'atomicsWait', data: { where } });
      },
      WhileStatement: checkLoop,
      DoWhileStatement: checkLoop,
      ForStatement: checkLoop,
    };
  },
});

/** Calls of functions from sync-over-async bridge modules, and of the sync functions they made (`const f = deasync(g)`). */
function bridgeCalls(
  sourceCode: TSESLint.SourceCode,
  modules: ReadonlySet<string>,
): Array<{ node: TSESTree.CallExpression; module: string; name: string }> {
  const found: Array<{ node: TSESTree.CallExpression; module: string; name: string }> = [];
  if (modules.size === 0) return found;
  for (const binding of moduleBindings(sourceCode, modules)) {
    const module = withoutNodePrefix(binding.specifier);
    const wholeModule = binding.imported === '*' || binding.imported === 'default';
    for (const reference of binding.variable.references) {
      if (!reference.isRead()) continue;
      const identifier = reference.identifier;
      const parent = identifier.parent;
      let call: TSESTree.CallExpression | undefined;
      let name: string;
      if (parent?.type === AST_NODE_TYPES.CallExpression && parent.callee === identifier) {
        call = parent;
        name = wholeModule ? 'default' : binding.imported;
      } else if (
        parent?.type === AST_NODE_TYPES.MemberExpression &&
        parent.object === identifier &&
        !parent.computed &&
        parent.property.type === AST_NODE_TYPES.Identifier &&
        parent.parent.type === AST_NODE_TYPES.CallExpression &&
        parent.parent.callee === parent
      ) {
        call = parent.parent;
        name = wholeModule ? parent.property.name : `${binding.imported}.${parent.property.name}`;
      } else {
        continue;
      }
      found.push({ node: call, module, name });
      // `const syncFn = createSyncFn(worker)` (usually at module level): calling `syncFn` blocks.
      const declarator = call.parent;
      if (declarator.type === AST_NODE_TYPES.VariableDeclarator && declarator.init === call && declarator.id.type === AST_NODE_TYPES.Identifier) {
        for (const made of sourceCode.getDeclaredVariables(declarator)) {
          for (const use of made.references) {
            const useParent = use.identifier.parent;
            if (useParent?.type === AST_NODE_TYPES.CallExpression && useParent.callee === use.identifier) {
              found.push({ node: useParent, module, name });
            }
          }
        }
      }
    }
  }
  return found;
}

/** The clock a `while`/`do`/`for` loop busy-waits on, if it is such a loop: its body does nothing but re-read the clock. */
function busyWaitClock(
  loop: TSESTree.WhileStatement | TSESTree.DoWhileStatement | TSESTree.ForStatement,
  sourceCode: TSESLint.SourceCode,
): string | undefined {
  if (loop.test === null) return undefined;
  const statements = loop.body.type === AST_NODE_TYPES.BlockStatement ? loop.body.body : [loop.body];
  const clockOf = (node: TSESTree.Node | null | undefined): string | undefined => {
    if (node == null) return undefined;
    let label: string | undefined;
    walkSkippingClasses(node, sourceCode.visitorKeys, (child) => {
      label ??= clockCallLabel(child, sourceCode);
    });
    return label;
  };
  for (const statement of statements) {
    if (!isClockReRead(statement, sourceCode)) return undefined;
  }
  return clockOf(loop.test) ?? (loop.type === AST_NODE_TYPES.ForStatement ? clockOf(loop.update) : undefined) ?? clockOf(loop.body);
}

/** `Date.now()` / `performance.now()` (globals, or `performance` from `node:perf_hooks`), as a label. */
function clockCallLabel(node: TSESTree.Node, sourceCode: TSESLint.SourceCode): string | undefined {
  if (node.type !== AST_NODE_TYPES.CallExpression) return undefined;
  for (const clock of CLOCKS) {
    if (isGlobalMemberCall(node, [clock.object], clock.member, sourceCode)) return clock.label;
  }
  const callee = node.callee;
  if (
    callee.type === AST_NODE_TYPES.MemberExpression &&
    !callee.computed &&
    callee.property.type === AST_NODE_TYPES.Identifier &&
    callee.property.name === 'now' &&
    callee.object.type === AST_NODE_TYPES.Identifier
  ) {
    const variable = resolveVariable(callee.object, sourceCode);
    const fromPerfHooks = moduleBindings(sourceCode, new Set(['perf_hooks'])).some(
      (binding) => binding.imported === 'performance' && binding.variable === variable,
    );
    if (fromPerfHooks) return 'performance.now()';
  }
  return undefined;
}

/** A loop-body statement that only re-reads the clock (or does nothing): `;`, `{}`, `continue`, `now = Date.now()`. */
function isClockReRead(statement: TSESTree.Statement, sourceCode: TSESLint.SourceCode): boolean {
  switch (statement.type) {
    case AST_NODE_TYPES.EmptyStatement:
    case AST_NODE_TYPES.ContinueStatement:
      return true;
    case AST_NODE_TYPES.BlockStatement:
      return statement.body.every((inner) => isClockReRead(inner, sourceCode));
    case AST_NODE_TYPES.ExpressionStatement: {
      const expression = statement.expression;
      if (clockCallLabel(expression, sourceCode) !== undefined) return true;
      return (
        expression.type === AST_NODE_TYPES.AssignmentExpression &&
        expression.operator === '=' &&
        clockCallLabel(expression.right, sourceCode) !== undefined
      );
    }
    case AST_NODE_TYPES.VariableDeclaration:
      return statement.declarations.every((d) => d.init !== null && clockCallLabel(d.init, sourceCode) !== undefined);
    default:
      return false;
  }
}

/**
 * The suggestion `xSync(args)` → `await promisify(<ns>.x)(args)`, when `await` is valid there and the callback twin can
 * be named: through the module object the call used, or by adding it to the named import the call came from.
 */
function promisifySuggestion(
  call: TSESTree.CallExpression,
  api: CpuApi,
  sourceCode: TSESLint.SourceCode,
): TSESLint.SuggestionReportDescriptor<MessageIds> | undefined {
  if (!canAwaitAt(call) || call.optional) return undefined;
  const callee = call.callee;
  const fixes: Array<(fixer: TSESLint.RuleFixer) => TSESLint.RuleFix> = [];
  let target: string;
  if (callee.type === AST_NODE_TYPES.MemberExpression && !callee.computed && !callee.optional) {
    target = `${sourceCode.getText(callee.object)}.${api.asyncName}`;
  } else if (callee.type === AST_NODE_TYPES.Identifier) {
    const definition = resolveVariable(callee, sourceCode)?.defs[0];
    if (definition?.type !== 'ImportBinding' || definition.node.type !== AST_NODE_TYPES.ImportSpecifier) return undefined;
    const declaration = definition.parent;
    if (declaration.type !== AST_NODE_TYPES.ImportDeclaration) return undefined;
    const twin = declaration.specifiers.find(
      (s): s is TSESTree.ImportSpecifier =>
        s.type === AST_NODE_TYPES.ImportSpecifier &&
        s.importKind !== 'type' &&
        (s.imported.type === AST_NODE_TYPES.Identifier ? s.imported.name : s.imported.value) === api.asyncName,
    );
    if (twin !== undefined) {
      target = twin.local.name;
    } else {
      if (isNameTaken(api.asyncName, call, sourceCode)) return undefined;
      const last = declaration.specifiers.at(-1)!;
      fixes.push((fixer) => fixer.insertTextAfter(last, `, ${api.asyncName}`));
      target = api.asyncName;
    }
  } else {
    return undefined;
  }
  const promisify = promisifyAccess(call, sourceCode);
  if (promisify === undefined) return undefined;
  if (promisify.addImport !== undefined) fixes.push(promisify.addImport);
  const rest = sourceCode.text.slice(callee.range[1], call.range[1]);
  return {
    messageId: 'suggestPromisify',
    data: { promisify: promisify.name, target },
    fix: (fixer) => [fixer.replaceText(call, awaitReplacement(call, `${promisify.name}(${target})${rest}`)), ...fixes.map((f) => f(fixer))],
  };
}

const PROMISIFY_IMPORT = "import { promisify } from 'node:util';";

/** How to reach `util.promisify` at `node`: an existing import of it, or `promisify` plus an import to add. */
function promisifyAccess(
  node: TSESTree.Node,
  sourceCode: TSESLint.SourceCode,
): { name: string; addImport?: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix } | undefined {
  const bindings = moduleBindings(sourceCode, new Set(['util'])).filter((b) => isVisibleAt(b.variable, node, sourceCode));
  const named = bindings.find((b) => b.imported === 'promisify');
  if (named !== undefined) return { name: named.variable.name };
  const whole = bindings.find((b) => b.imported === '*' || b.imported === 'default');
  if (whole !== undefined) return { name: `${whole.variable.name}.promisify` };
  if (isNameTaken('promisify', node, sourceCode)) return undefined;
  const imports = sourceCode.ast.body.filter(
    (s) => s.type === AST_NODE_TYPES.ImportDeclaration || s.type === AST_NODE_TYPES.TSImportEqualsDeclaration,
  );
  const lastImport = imports.at(-1);
  return {
    name: 'promisify',
    addImport: (fixer) =>
      lastImport === undefined
        ? fixer.insertTextBeforeRange([0, 0], `${PROMISIFY_IMPORT}\n`)
        : fixer.insertTextAfter(lastImport, `\n${PROMISIFY_IMPORT}`),
  };
}
