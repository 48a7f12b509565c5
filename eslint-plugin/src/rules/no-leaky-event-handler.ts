import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { isCatgaHandlerClass } from '../util/catga-names.js';
import { createRule } from '../util/create-rule.js';
import { isGlobalReference, moduleBindings, resolveVariable, walkSkippingClasses } from '../util/node-apis.js';

/** Options of `catga/no-leaky-event-handler`. */
export interface NoLeakyEventHandlerOptions {
  /** Member calls that register a listener or subscription. */
  subscribeMethods?: string[];
  /** Member calls that remove one. */
  cleanupMethods?: string[];
}

type Options = [NoLeakyEventHandlerOptions];
type MessageIds = 'leakyListener' | 'leakyInterval' | 'growingCollection';

const DEFAULT_SUBSCRIBE_METHODS = ['on', 'addListener', 'addEventListener', 'subscribe', 'prependListener'];
const DEFAULT_CLEANUP_METHODS = ['off', 'removeListener', 'removeEventListener', 'unsubscribe'];
/** The removal to name in the message, per registration method. */
const CLEANUP_OF: Readonly<Record<string, string>> = {
  on: 'off',
  addListener: 'removeListener',
  prependListener: 'removeListener',
  addEventListener: 'removeEventListener',
  subscribe: 'unsubscribe',
};
const GROWERS = new Set(['push', 'add', 'set', 'unshift']);
const SHRINKERS = new Set(['delete', 'clear', 'splice', 'shift', 'pop']);
const COLLECTION_CLASSES = new Set(['Array', 'Map', 'Set']);

/** What the whole class does, gathered once: removals, interval clears, and how each instance field is used. */
interface ClassFacts {
  /** Cleanup-method calls: the receiver as written (whitespace-free) and the event name, when it is a literal. */
  readonly cleanups: Array<{ receiver: string; event: string | undefined }>;
  readonly clearsInterval: boolean;
  /** Fields that are called (`this.unsubscribe()`) or cleaned (`this.subscription.unsubscribe()`). */
  readonly calledFields: ReadonlySet<string>;
  /** Fields holding an array, Map or Set that the class itself created (initialiser or type annotation). */
  readonly collectionFields: ReadonlySet<string>;
  /** Fields that shrink somewhere (`delete/clear/splice/shift/pop`, `length =`) or are replaced outside the constructor. */
  readonly shrunkFields: ReadonlySet<string>;
}

/**
 * CATGA008: leaks in Catga handlers. Handlers are long-lived (usually one instance), and `handle` runs once per
 * message, so a listener, interval or collection entry added there accumulates for the life of the process.
 */
export const noLeakyEventHandler = createRule<Options, MessageIds>({
  name: 'no-leaky-event-handler',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow subscriptions, intervals and ever-growing collections created per message in Catga handlers',
      catgaId: 'CATGA008',
      recommended: 'recommended',
      requiresTypeChecking: false,
      level: 'warn',
    },
    messages: {
      leakyListener:
        '`{{call}}()` in `{{className}}.handle` adds a listener on every message and nothing in the class removes it. Use `once`, pass `{ signal: context.signal }`, or remove it with `{{cleanup}}`.',
      leakyInterval:
        '`setInterval()` in `{{className}}.handle` starts a timer on every message and `{{className}}` never calls `clearInterval`.',
      growingCollection:
        '`this.{{field}}.{{method}}()` in `{{className}}.handle` grows `{{field}}` on every message and `{{className}}` never removes from it (`delete`, `clear`, `splice`, `shift`, `pop`, `length =`, or reassignment).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          subscribeMethods: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description: 'Member calls that register a listener or subscription.',
          },
          cleanupMethods: {
            type: 'array',
            items: { type: 'string' },
            uniqueItems: true,
            description: 'Member calls that remove a listener or subscription.',
          },
        },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ subscribeMethods: DEFAULT_SUBSCRIBE_METHODS, cleanupMethods: DEFAULT_CLEANUP_METHODS }],
  },
  defaultOptions: [{ subscribeMethods: DEFAULT_SUBSCRIBE_METHODS, cleanupMethods: DEFAULT_CLEANUP_METHODS }],
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    const subscribeMethods = new Set(options.subscribeMethods ?? DEFAULT_SUBSCRIBE_METHODS);
    const cleanupMethods = new Set(options.cleanupMethods ?? DEFAULT_CLEANUP_METHODS);
    let timersBindings: ReturnType<typeof moduleBindings> | undefined;

    function isSetIntervalCall(call: TSESTree.CallExpression): boolean {
      const callee = call.callee;
      timersBindings ??= moduleBindings(sourceCode, new Set(['timers']));
      if (callee.type === AST_NODE_TYPES.Identifier) {
        if (callee.name === 'setInterval' && isGlobalReference(callee, sourceCode)) return true;
        const variable = resolveVariable(callee, sourceCode);
        return timersBindings.some((b) => b.imported === 'setInterval' && b.variable === variable);
      }
      if (
        callee.type !== AST_NODE_TYPES.MemberExpression ||
        callee.computed ||
        callee.property.type !== AST_NODE_TYPES.Identifier ||
        callee.property.name !== 'setInterval' ||
        callee.object.type !== AST_NODE_TYPES.Identifier
      ) {
        return false;
      }
      if (['globalThis', 'global'].includes(callee.object.name) && isGlobalReference(callee.object, sourceCode)) return true;
      const variable = resolveVariable(callee.object, sourceCode);
      return timersBindings.some((b) => (b.imported === '*' || b.imported === 'default') && b.variable === variable);
    }

    function checkClass(classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression): void {
      const handles = classNode.body.body.filter(
        (member): member is TSESTree.MethodDefinition =>
          member.type === AST_NODE_TYPES.MethodDefinition &&
          !member.static &&
          !member.computed &&
          member.key.type === AST_NODE_TYPES.Identifier &&
          member.key.name === 'handle',
      );
      if (handles.length === 0 || !isCatgaHandlerClass(classNode, sourceCode)) return;
      const className = classNode.id?.name ?? '(anonymous class)';
      const facts = classFacts(classNode, sourceCode, cleanupMethods);

      for (const handle of handles) {
        if (handle.value.body === null) continue;
        walkSkippingClasses(handle.value.body, sourceCode.visitorKeys, (node) => {
          if (node.type !== AST_NODE_TYPES.CallExpression) return;
          if (isSetIntervalCall(node)) {
            if (!facts.clearsInterval) context.report({ node, messageId: 'leakyInterval', data: { className } });
            return;
          }
          const callee = node.callee;
          if (callee.type !== AST_NODE_TYPES.MemberExpression) return;
          const method = memberName(callee);
          if (method === undefined) return;
          const field = fieldOf(callee.object, classNode);
          if (GROWERS.has(method) && field !== undefined && facts.collectionFields.has(field) && !facts.shrunkFields.has(field)) {
            context.report({ node, messageId: 'growingCollection', data: { field, method, className } });
            return;
          }
          if (subscribeMethods.has(method) && isLeakySubscription(node, callee, handle, facts)) {
            context.report({
              node,
              messageId: 'leakyListener',
              data: {
                call: `${sourceCode.getText(callee.object)}.${method}`,
                className,
                cleanup: CLEANUP_OF[method] ?? [...cleanupMethods][0] ?? 'a matching removal',
              },
            });
          }
        });
      }
    }

    /** A registration that outlives the message and that nothing in the class undoes. */
    function isLeakySubscription(
      call: TSESTree.CallExpression,
      callee: TSESTree.MemberExpression,
      handle: TSESTree.MethodDefinition,
      facts: ClassFacts,
    ): boolean {
      if (call.arguments.some(isOnceOrSignalOptions)) return false;
      if (isPerMessageReceiver(callee.object, handle)) return false;
      if (returnValueIsKept(call, facts)) return false;
      const receiver = compact(sourceCode.getText(callee.object));
      const event = literalString(call.arguments[0]);
      return !facts.cleanups.some(
        (cleanup) =>
          (cleanup.receiver === receiver && (cleanup.event === undefined || event === undefined || cleanup.event === event)) ||
          (event !== undefined && cleanup.event === event),
      );
    }

    /**
     * The receiver belongs to this message: rooted at a parameter or local of `handle` (`context.signal`,
     * `message.stream`, a `new EventEmitter()` made here), so the listener dies with it.
     */
    function isPerMessageReceiver(receiver: TSESTree.Expression, handle: TSESTree.MethodDefinition): boolean {
      let root: TSESTree.Node = receiver;
      for (;;) {
        if (root.type === AST_NODE_TYPES.MemberExpression) root = root.object;
        else if (root.type === AST_NODE_TYPES.CallExpression) root = root.callee;
        else if (
          root.type === AST_NODE_TYPES.ChainExpression ||
          root.type === AST_NODE_TYPES.TSNonNullExpression ||
          root.type === AST_NODE_TYPES.TSAsExpression
        ) {
          root = root.expression;
        } else break;
      }
      if (root.type === AST_NODE_TYPES.NewExpression) return true;
      if (root.type !== AST_NODE_TYPES.Identifier) return false;
      const name = resolveVariable(root, sourceCode)?.defs[0]?.name;
      return name !== undefined && name.range[0] >= handle.value.range[0] && name.range[1] <= handle.value.range[1];
    }

    /**
     * The value the registration returned is kept for a later removal: a variable or field that is called or cleaned
     * (`unsubscribe()`, `subscription.unsubscribe()`), or passed on somewhere this rule cannot follow.
     */
    function returnValueIsKept(call: TSESTree.CallExpression, facts: ClassFacts): boolean {
      let node: TSESTree.Node = call;
      while (
        node.parent !== undefined &&
        (node.parent.type === AST_NODE_TYPES.AwaitExpression ||
          node.parent.type === AST_NODE_TYPES.ChainExpression ||
          node.parent.type === AST_NODE_TYPES.TSNonNullExpression ||
          node.parent.type === AST_NODE_TYPES.TSAsExpression)
      ) {
        node = node.parent;
      }
      const parent = node.parent;
      if (parent === undefined || parent.type === AST_NODE_TYPES.ExpressionStatement) return false;
      if (parent.type === AST_NODE_TYPES.MemberExpression && parent.object === node) {
        // `emitter.on(a, f).on(b, g)`: the chain returns the emitter, not a handle to remove the listener.
        const next = memberName(parent);
        return !(next !== undefined && (subscribeMethods.has(next) || next === 'once'));
      }
      if (parent.type === AST_NODE_TYPES.VariableDeclarator && parent.init === node && parent.id.type === AST_NODE_TYPES.Identifier) {
        return sourceCode.getDeclaredVariables(parent).some((variable) => isCalledOrCleaned(variable));
      }
      if (parent.type === AST_NODE_TYPES.AssignmentExpression && parent.right === node) {
        const field = fieldOf(parent.left, undefined);
        if (field !== undefined) return facts.calledFields.has(field);
        if (parent.left.type === AST_NODE_TYPES.Identifier) {
          const variable = resolveVariable(parent.left, sourceCode);
          return variable !== undefined && isCalledOrCleaned(variable);
        }
      }
      return true;
    }

    function isCalledOrCleaned(variable: TSESLint.Scope.Variable): boolean {
      return variable.references.some(({ identifier }) => {
        const parent = identifier.parent;
        if (parent?.type === AST_NODE_TYPES.CallExpression && parent.callee === identifier) return true;
        if (parent?.type !== AST_NODE_TYPES.MemberExpression || parent.object !== identifier) return false;
        const name = memberName(parent);
        return name !== undefined && cleanupMethods.has(name);
      });
    }

    return {
      ClassDeclaration: checkClass,
      ClassExpression: checkClass,
    };
  },
});

/** Gathers what the whole class (all members, nested functions included; nested classes excluded) does. */
function classFacts(
  classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression,
  sourceCode: TSESLint.SourceCode,
  cleanupMethods: ReadonlySet<string>,
): ClassFacts {
  const cleanups: Array<{ receiver: string; event: string | undefined }> = [];
  const calledFields = new Set<string>();
  const collectionFields = new Set<string>();
  const shrunkFields = new Set<string>();
  let clearsInterval = false;

  for (const member of classNode.body.body) {
    if (member.type !== AST_NODE_TYPES.PropertyDefinition || member.static) continue;
    const name = keyName(member.key, member.computed);
    if (name === undefined) continue;
    if ((member.value !== null && isCollectionInit(member.value)) || isCollectionType(member.typeAnnotation?.typeAnnotation)) {
      collectionFields.add(name);
    }
  }

  walkSkippingClasses(classNode.body, sourceCode.visitorKeys, (node) => {
    if (node.type === AST_NODE_TYPES.CallExpression) {
      const callee = node.callee;
      if (callee.type === AST_NODE_TYPES.Identifier && callee.name === 'clearInterval') clearsInterval = true;
      if (callee.type !== AST_NODE_TYPES.MemberExpression) return;
      const calledField = fieldOf(callee, classNode);
      if (calledField !== undefined) calledFields.add(calledField);
      const method = memberName(callee);
      if (method === undefined) return;
      if (method === 'clearInterval') clearsInterval = true;
      const field = fieldOf(callee.object, classNode);
      if (cleanupMethods.has(method)) {
        cleanups.push({ receiver: compact(sourceCode.getText(callee.object)), event: literalString(node.arguments[0]) });
        if (field !== undefined) calledFields.add(field);
      }
      if (SHRINKERS.has(method) && field !== undefined) shrunkFields.add(field);
      return;
    }
    if (node.type === AST_NODE_TYPES.AssignmentExpression && node.left.type === AST_NODE_TYPES.MemberExpression) {
      const field = fieldOf(node.left, classNode);
      if (field !== undefined) {
        if (!isInConstructor(node, classNode)) shrunkFields.add(field);
        else if (isCollectionInit(node.right)) collectionFields.add(field);
      }
      const lengthOf = memberName(node.left) === 'length' ? fieldOf(node.left.object, classNode) : undefined;
      if (lengthOf !== undefined) shrunkFields.add(lengthOf);
    }
  });

  return { cleanups, clearsInterval, calledFields, collectionFields, shrunkFields };
}

/** `this.x` / `this.#x` / `this['x']` on the instance (not a nested `function`'s own `this`), as the field name. */
function fieldOf(node: TSESTree.Node, classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression | undefined): string | undefined {
  if (node.type !== AST_NODE_TYPES.MemberExpression || node.object.type !== AST_NODE_TYPES.ThisExpression) return undefined;
  if (classNode !== undefined && !isInstanceThis(node.object, classNode)) return undefined;
  return keyName(node.property, node.computed);
}

function keyName(key: TSESTree.Node, computed: boolean): string | undefined {
  if (key.type === AST_NODE_TYPES.PrivateIdentifier) return `#${key.name}`;
  if (!computed && key.type === AST_NODE_TYPES.Identifier) return key.name;
  return literalString(key);
}

function memberName(member: TSESTree.MemberExpression): string | undefined {
  return member.property.type === AST_NODE_TYPES.PrivateIdentifier ? undefined : keyName(member.property, member.computed);
}

/** Whether `this` is the class instance: its nearest non-arrow function is an instance method (or it's in a field initialiser). */
function isInstanceThis(node: TSESTree.ThisExpression, classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression): boolean {
  for (let current: TSESTree.Node | undefined = node.parent; current != null; current = current.parent) {
    if (current.type === AST_NODE_TYPES.FunctionExpression || current.type === AST_NODE_TYPES.FunctionDeclaration) {
      const owner = current.parent;
      return owner?.type === AST_NODE_TYPES.MethodDefinition && !owner.static && owner.parent.parent === classNode;
    }
    if (current.type === AST_NODE_TYPES.PropertyDefinition) return !current.static && current.parent.parent === classNode;
    if (current.type === AST_NODE_TYPES.StaticBlock || current === classNode) return false;
  }
  return false;
}

function isInConstructor(node: TSESTree.Node, classNode: TSESTree.ClassDeclaration | TSESTree.ClassExpression): boolean {
  for (let current: TSESTree.Node | undefined = node.parent; current != null; current = current.parent) {
    if (current.type === AST_NODE_TYPES.FunctionExpression || current.type === AST_NODE_TYPES.FunctionDeclaration) {
      const owner = current.parent;
      return owner?.type === AST_NODE_TYPES.MethodDefinition && owner.kind === 'constructor' && owner.parent.parent === classNode;
    }
  }
  return false;
}

/** `[]`, `[a, b]`, `new Map()`, `new Set(xs)`, `new Array()`: a collection this class creates and owns. */
function isCollectionInit(node: TSESTree.Expression): boolean {
  if (node.type === AST_NODE_TYPES.ArrayExpression) return true;
  return node.type === AST_NODE_TYPES.NewExpression && node.callee.type === AST_NODE_TYPES.Identifier && COLLECTION_CLASSES.has(node.callee.name);
}

/** `T[]`, `Array<T>`, `Map<K, V>`, `Set<T>` (not the Weak or Readonly variants). */
function isCollectionType(type: TSESTree.TypeNode | undefined): boolean {
  if (type === undefined) return false;
  if (type.type === AST_NODE_TYPES.TSArrayType) return true;
  return type.type === AST_NODE_TYPES.TSTypeReference && type.typeName.type === AST_NODE_TYPES.Identifier && COLLECTION_CLASSES.has(type.typeName.name);
}

/** `{ once: true }` or `{ signal }` (any value) among a registration's arguments: the listener goes away by itself. */
function isOnceOrSignalOptions(argument: TSESTree.CallExpressionArgument): boolean {
  if (argument.type !== AST_NODE_TYPES.ObjectExpression) return false;
  return argument.properties.some((property) => {
    if (property.type !== AST_NODE_TYPES.Property) return false;
    const name = keyName(property.key, property.computed);
    if (name === 'signal') return true;
    return name === 'once' && property.value.type === AST_NODE_TYPES.Literal && property.value.value === true;
  });
}

function literalString(node: TSESTree.Node | undefined): string | undefined {
  if (node?.type === AST_NODE_TYPES.Literal && typeof node.value === 'string') return node.value;
  if (node?.type === AST_NODE_TYPES.TemplateLiteral && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** Source text without whitespace or optional-chaining marks, to compare receivers as written. */
function compact(text: string): string {
  return text.replace(/\s+/g, '').replace(/\?\./g, '.');
}
