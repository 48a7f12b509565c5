import { maxSagaStateSize } from '../../src/rules/max-saga-state-size';
import { typedRuleTester } from '../rule-tester';

const ruleTester = typedRuleTester();

// A local saga base: matched by the default `{ from: 'file', name: 'Saga' }` until the runtime exports `Saga`.
const SAGA = `
abstract class Saga<TState> {
  protected constructor(readonly state: TState) {}
}
`;

// orderId 7+3+64 = 74, paid 4+3+5 = 12, attempts 8+3+8 = 19: 105 bytes.
const SMALL_STATE = `interface OrderState { orderId: string; paid: boolean; attempts: number }`;

// OrderLine: sku 3+3+64 = 70, quantity 8+3+8 = 19, priceCents 10+3+8 = 21 → 110; lines: 5+3+10×110 = 1108.
// orderId 74, note 4+3+64 = 71 (optional counts), status 6+3+7 = 16 (largest literal), placedAt 8+3+24 = 35.
// Total 74 + 1108 + 71 + 16 + 35 = 1304.
const BIG_STATE = `
interface OrderLine { sku: string; quantity: number; priceCents: number }
interface OrderState {
  orderId: string;
  lines: OrderLine[];
  note?: string;
  status: 'pending' | 'paid' | 'shipped';
  placedAt: Date;
}
`;

// The runtime's saga builder: `saga<State>('Name')` defines a saga whose state is `State`.
const RUNTIME_SAGA = `import { saga } from '@catga/runtime';`;

ruleTester.run('max-saga-state-size', maxSagaStateSize, {
  valid: [
    {
      name: 'a small state',
      code: `${SAGA}${SMALL_STATE}\nexport class OrderSaga extends Saga<OrderState> {}`,
    },
    {
      name: 'a big type argument of a generic that is not a saga',
      code: `${BIG_STATE}\nexport const all: Array<OrderState> = [];\nexport type Pending = Promise<OrderState>;`,
    },
    {
      name: 'a generic named Saga from another module, when only the runtime Saga is configured',
      code: `
import type { Saga } from './catga014-saga.js';
${BIG_STATE}
export declare const workflow: Saga<OrderState>;
`,
      options: [{ sagaTypes: [{ from: 'package', package: '@catga/runtime', name: 'Saga' }] }],
    },
    {
      name: 'a generic saga base: its state is a type parameter, checked where it is instantiated',
      code: `${SAGA}export abstract class AuditedSaga<S> extends Saga<S> {}`,
    },
    {
      name: 'methods, accessors and symbol keys are not serialised',
      code: `${SAGA}
declare const tag: unique symbol;
interface State {
  id: string;
  [tag]?: string;
  describe(): string;
  format: (locale: string) => string;
}
export class S extends Saga<State> {}`,
      options: [{ maxBytes: 69 }], // id: 2+3+64 = 69
    },
    {
      name: 'a higher limit',
      code: `${SAGA}${BIG_STATE}\nexport class OrderSaga extends Saga<OrderState> {}`,
      options: [{ maxBytes: 2048 }],
    },
    {
      name: 'smaller assumptions',
      code: `${SAGA}${BIG_STATE}\nexport class OrderSaga extends Saga<OrderState> {}`,
      // OrderLine 3+3+16 + 19 + 21 = 62; lines 8 + 2×62 = 132; orderId 26, note 23, status 16, placedAt 35: 232.
      options: [{ assumedStringBytes: 16, assumedArrayLength: 2, maxBytes: 232 }],
    },
    {
      name: "saga<S>(…), the runtime's saga builder, with a small state (a chain of steps after it)",
      code: `${RUNTIME_SAGA}
${SMALL_STATE}
export const OrderSaga = saga<OrderState>('OrderSaga')
  .step('pay', { run: async () => ({ attempts: 1 }) })
  .onCompleted(() => { throw new Error('unused'); });`,
    },
    {
      name: 'saga(…) without a type argument: no state type written, nothing to check',
      code: `${RUNTIME_SAGA}
export const Untyped = saga('Untyped');`,
    },
    {
      name: "a big type argument of a local function called saga (not the runtime's)",
      code: `${BIG_STATE}
const saga = <S>(name: string): { name: string; state?: S } => ({ name });
export const OrderSaga = saga<OrderState>('OrderSaga');`,
    },
    {
      name: 'saga<S>(…) with a big state under a higher limit',
      code: `${RUNTIME_SAGA}${BIG_STATE}export const OrderSaga = saga<OrderState>('OrderSaga');`,
      options: [{ maxBytes: 2048 }],
    },
    {
      name: 'sagaTypes switched off (and stateTypes not naming the state)',
      code: `${SAGA}${BIG_STATE}\nexport class OrderSaga extends Saga<OrderState> {}`,
      options: [{ sagaTypes: [], stateTypes: [{ from: 'file', name: 'CheckoutState' }] }],
    },
  ],
  invalid: [
    {
      name: 'a big state: estimate, limit and the three biggest properties',
      code: `${SAGA}${BIG_STATE}\nexport class OrderSaga extends Saga<OrderState> {}`,
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'OrderState', estimate: 1304, limit: 1024, biggest: 'lines (1108 B), orderId (74 B), note (71 B)' },
          line: 15,
          column: 37,
          endColumn: 47,
        },
      ],
    },
    {
      name: 'a variable typed Saga<X>, with an inline state',
      code: `${SAGA}export declare const saga: Saga<{ payload: Record<string, string> }>;`,
      output: null,
      // payload: 7+3 + 10×(64+3+64) = 1320.
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: '{ payload: Record<string, string> }', estimate: 1320, limit: 1024, biggest: 'payload (1320 B)' },
          line: 5,
          column: 33,
        },
      ],
    },
    {
      name: 'implements Saga<X> (an interface), reported once per state type',
      code: `
interface Saga<TState> {
  readonly state: TState;
}
${BIG_STATE}
export class OrderSaga implements Saga<OrderState> {
  constructor(readonly state: OrderState) {}
}
export declare const other: Saga<OrderState>;`,
      output: null,
      errors: [{ messageId: 'tooLarge', line: 15, column: 40 }],
    },
    {
      name: 'a recursive state is unbounded',
      code: `${SAGA}
interface TreeNode { name: string; children: TreeNode[] }
export class TreeSaga extends Saga<TreeNode> {}`,
      output: null,
      errors: [{ messageId: 'unbounded', data: { type: 'TreeNode', path: 'children[]' }, line: 7, column: 36 }],
    },
    {
      name: 'a state that contains a recursive type is unbounded, with the path to the recursion',
      code: `${SAGA}
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface ImportState { fileName: string; parsed: Json }
export class ImportSaga extends Saga<ImportState> {}`,
      output: null,
      errors: [{ messageId: 'unbounded', data: { type: 'ImportState', path: 'parsed[]' }, line: 8, column: 38 }],
    },
    {
      name: 'a generic that expands forever hits the depth limit: unbounded',
      code: `${SAGA}
interface Chain<T> { value: T; next: Chain<T[]> }
export class ChainSaga extends Saga<Chain<string>> {}`,
      output: null,
      errors: [{ messageId: 'unbounded', data: { type: 'Chain<string>', path: `${'next.'.repeat(11)}next…` }, line: 7, column: 37 }],
    },
    {
      name: "saga<BigState>('X'), the runtime's saga builder: its type argument is the state",
      code: `${RUNTIME_SAGA}${BIG_STATE}export const OrderSaga = saga<OrderState>('OrderSaga');`,
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'OrderState', estimate: 1304, limit: 1024, biggest: 'lines (1108 B), orderId (74 B), note (71 B)' },
          line: 10,
          column: 31,
          endColumn: 41,
        },
      ],
    },
    {
      name: 'saga<S>(…) through a namespace and a renamed import, in a chain; an inline state; reported once per state type',
      code: `import * as rt from '@catga/runtime';
import { saga as defineSaga, Event } from '@catga/runtime';
${BIG_STATE}
class OrderPlaced extends Event {}
export const A = rt.saga<OrderState>('A').startedBy(OrderPlaced, { id: () => 'o', state: () => ({}) as OrderState });
export const B = defineSaga<OrderState>('B');
export const C = defineSaga<{ payload: Record<string, string> }>('C', { stepTimeoutMs: 1_000 }).step('s', { run: async () => undefined });`,
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'OrderState', estimate: 1304, limit: 1024, biggest: 'lines (1108 B), orderId (74 B), note (71 B)' },
          line: 14,
          column: 26,
        },
        {
          messageId: 'tooLarge',
          data: { type: '{ payload: Record<string, string> }', estimate: 1320, limit: 1024, biggest: 'payload (1320 B)' },
          line: 16,
          column: 29,
        },
      ],
    },
    {
      name: 'saga<S>(…) with a recursive state is unbounded',
      code: `${RUNTIME_SAGA}
interface TreeNode { name: string; children: TreeNode[] }
export const TreeSaga = saga<TreeNode>('TreeSaga');`,
      output: null,
      errors: [{ messageId: 'unbounded', data: { type: 'TreeNode', path: 'children[]' }, line: 3, column: 30 }],
    },
    {
      name: 'stateTypes: a state type named directly, reported at its declaration',
      code: `
export interface CheckoutState {
  items: string[];
  coupons: string[];
}`,
      // items 5+3+640 = 648, coupons 7+3+640 = 650.
      options: [{ stateTypes: [{ from: 'file', name: 'CheckoutState' }] }],
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'CheckoutState', estimate: 1298, limit: 1024, biggest: 'coupons (650 B), items (648 B)' },
          line: 2,
          column: 18,
        },
      ],
    },
    {
      name: 'a configured saga type (string specifier), a union state (largest member counts) and a tuple (exact)',
      code: `
interface Workflow<TData, TInput> {
  data: TData;
  input: TInput;
}
type Step = { kind: 'idle' } | { kind: 'running'; pairs: Array<[string, number]> };
export declare const flow: Workflow<Step, string>;`,
      // running member: kind 4+3+7 = 14, pairs 5+3 + 10×(64+8) = 728 → 742.
      options: [{ sagaTypes: ['Workflow'], maxBytes: 700 }],
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'Step', estimate: 742, limit: 700, biggest: 'pairs (728 B), kind (14 B)' },
          line: 7,
          column: 37,
        },
      ],
    },
    {
      name: 'enums: their largest member, as a literal',
      code: `${SAGA}
enum Stage { Placed = 'placed', Shipped = 'shipped-to-customer' }
enum Priority { Low, High = 100 }
interface State { s: Stage; p: Priority }
export class S extends Saga<State> {}`,
      // s 1+3+19 = 23, p 1+3+3 = 7.
      options: [{ maxBytes: 29 }],
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'State', estimate: 30, limit: 29, biggest: 's (23 B), p (7 B)' },
          line: 9,
          column: 29,
        },
      ],
    },
    {
      name: 'maps, sets and branded strings',
      code: `${SAGA}
type OrderId = string & { readonly __brand: 'OrderId' };
interface State {
  seen: Set<OrderId>;
  totals: Map<OrderId, number>;
}
export class S extends Saga<State> {}`,
      // seen 4+3 + 10×64 = 647; totals 6+3 + 10×(64+3+8) = 759.
      output: null,
      errors: [
        {
          messageId: 'tooLarge',
          data: { type: 'State', estimate: 1406, limit: 1024, biggest: 'totals (759 B), seen (647 B)' },
          line: 11,
          column: 29,
        },
      ],
    },
  ],
});
