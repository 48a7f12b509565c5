import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { createRule } from '../util/create-rule.js';
import {
  awaitReplacement,
  blockingPlaceOf,
  canAwaitAt,
  CHILD_PROCESS_SYNC_FUNCTIONS,
  findModuleApiCalls,
  FS_PROMISES_TWIN,
  FS_SYNC_FUNCTIONS,
  isWholeModuleBinding,
  type ModuleApi,
  withoutNodePrefix,
} from '../util/node-apis.js';

/** A synchronous API of some other module to report too (e.g. a synchronous database driver). */
export interface ExtraSyncApi {
  /** The module specifier (`better-sqlite3`, `node:sqlite`). */
  readonly module: string;
  /** The export called (or constructed) synchronously; `default` for the default export itself, or a dot path (`db.query`). */
  readonly name: string;
}

/** Options of `catga/no-sync-io-in-handler`. */
export interface NoSyncIoInHandlerOptions {
  /** Also check every `async` function, not only Catga handlers' `handle` methods. */
  checkAllAsyncFunctions?: boolean;
  /** More synchronous I/O APIs to report, by module and export. */
  extraSyncApis?: ExtraSyncApi[];
  /** `"module.name"` entries (e.g. `"fs.existsSync"`), or a bare module, to exempt. */
  allow?: string[];
}

type Options = [NoSyncIoInHandlerOptions];
type MessageIds = 'syncIo' | 'suggestFsPromises';

const BUILTINS: ReadonlySet<string> = new Set(['fs', 'child_process']);
const BUILTIN_APIS: readonly ModuleApi[] = [
  ...FS_SYNC_FUNCTIONS.map((name) => ({ module: 'fs', name })),
  ...CHILD_PROCESS_SYNC_FUNCTIONS.map((name) => ({ module: 'child_process', name })),
];

/**
 * CATGA012: synchronous file-system and process I/O (and configured sync drivers) inside Catga handlers. The C#
 * analyzer's error-level rule: sync I/O parks the only JavaScript thread for the duration of a disk or child process.
 */
export const noSyncIoInHandler = createRule<Options, MessageIds>({
  name: 'no-sync-io-in-handler',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow synchronous I/O inside Catga handlers',
      catgaId: 'CATGA012',
      recommended: 'recommended',
      requiresTypeChecking: false,
      level: 'error',
    },
    hasSuggestions: true,
    messages: {
      syncIo:
        '`{{module}}.{{name}}()` is synchronous I/O in a {{where}}: the event loop thread waits for it and every other message waits too. Use the asynchronous API.',
      suggestFsPromises: 'Use `await {{replacement}}()` instead (errors and timing become asynchronous).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          checkAllAsyncFunctions: {
            type: 'boolean',
            description: 'Also check every async function, not only Catga handlers.',
          },
          extraSyncApis: {
            type: 'array',
            description: 'More synchronous I/O APIs to report: module and export name (or dot path).',
            items: {
              type: 'object',
              properties: {
                module: { type: 'string', minLength: 1 },
                name: { type: 'string', minLength: 1 },
              },
              required: ['module', 'name'],
              additionalProperties: false,
            },
          },
          allow: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description: '"module.name" entries (or a bare module) to exempt, e.g. "fs.existsSync".',
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ checkAllAsyncFunctions: false, extraSyncApis: [], allow: [] }],
  },
  defaultOptions: [{ checkAllAsyncFunctions: false, extraSyncApis: [], allow: [] }],
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    const allow = new Set((options.allow ?? []).map(withoutNodePrefix));
    // Extra modules match as written (`node:sqlite` exists only with its prefix), except the built-ins tracked anyway.
    const extras: ModuleApi[] = (options.extraSyncApis ?? []).map(({ module, name }) => ({
      module: BUILTINS.has(withoutNodePrefix(module)) ? withoutNodePrefix(module) : module,
      name,
    }));
    const apis = [...BUILTIN_APIS, ...extras].filter((api) => {
      const module = withoutNodePrefix(api.module);
      return !allow.has(module) && !allow.has(`${module}.${api.name}`);
    });

    return {
      Program(): void {
        for (const { node, api } of findModuleApiCalls(sourceCode, apis, BUILTINS)) {
          const where = blockingPlaceOf(node, sourceCode, options.checkAllAsyncFunctions === true);
          if (where === undefined) continue;
          const suggestion = node.type === AST_NODE_TYPES.CallExpression ? fsPromisesSuggestion(node, api, sourceCode) : undefined;
          context.report({
            node,
            messageId: 'syncIo',
            data: { module: api.module, name: api.name, where },
            suggest: suggestion === undefined ? null : [suggestion],
          });
        }
      },
    };
  },
});

/**
 * `fs.readFileSync(a)` → `await fs.promises.readFile(a)`: only where `await` is valid, and only through a binding of
 * the whole `fs` module (namespace/default import or `require`), which has `promises` on it.
 */
function fsPromisesSuggestion(
  call: TSESTree.CallExpression,
  api: ModuleApi,
  sourceCode: TSESLint.SourceCode,
): TSESLint.SuggestionReportDescriptor<MessageIds> | undefined {
  const twin = api.module === 'fs' ? FS_PROMISES_TWIN[api.name] : undefined;
  const callee = call.callee;
  if (twin === undefined || call.optional || !canAwaitAt(call)) return undefined;
  if (callee.type !== AST_NODE_TYPES.MemberExpression || callee.computed || callee.optional) return undefined;
  if (callee.object.type !== AST_NODE_TYPES.Identifier || !isWholeModuleBinding(callee.object, sourceCode)) return undefined;
  const replacement = `${callee.object.name}.promises.${twin}`;
  const rest = sourceCode.text.slice(callee.range[1], call.range[1]);
  return {
    messageId: 'suggestFsPromises',
    data: { replacement },
    fix: (fixer) => fixer.replaceText(call, awaitReplacement(call, `${replacement}${rest}`)),
  };
}
