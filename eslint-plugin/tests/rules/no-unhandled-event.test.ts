import { join } from 'node:path';
import ts from 'typescript';
import { noUnhandledEvent } from '../../src/rules/no-unhandled-event';
import { handledEvents } from '../../src/util/event-index';
import { FIXTURES_DIR, typedRuleTester } from '../rule-tester';

const ruleTester = typedRuleTester();

const FILE = join(FIXTURES_DIR, 'file.ts');

/**
 * A Program over `file.ts` (with `code` as its text) and what it imports, like the default project builds for a file
 * no tsconfig includes: the handler fixture is not in it. `configFilePath` set makes it look like a tsconfig's.
 */
function partialProgram(code: string, configFilePath: string | undefined): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    ...(configFilePath === undefined ? {} : { configFilePath }),
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName === FILE ? ts.createSourceFile(fileName, code, languageVersion, true) : getSourceFile(fileName, languageVersion, ...rest);
  return ts.createProgram([FILE], options, host);
}

// Publishes an event whose only handler is in catga015-handler.ts, which file.ts does not import.
const PUBLISHES_HANDLED = `import type { Catga } from '@catga/runtime';
import { Catga015OrderPlaced } from './catga015-handled.js';

export function place(catga: Catga) {
  return catga.publish(new Catga015OrderPlaced('o-1'));
}
`;

const stub = (event: string, handler = `${event}Handler`, decorator = 'CatgaHandler', handlerInterface = 'EventHandler') => `

@${decorator}(${event})
export class ${handler} implements ${handlerInterface}<${event}> {
  handle(event: ${event}): void {
    throw new Error('Not implemented: handle ${event}');
  }
}`;

describe('handledEvents (the Program-wide index)', () => {
  const program = ts.createProgram({
    rootNames: ['catga015-handled.ts', 'catga015-handler.ts'].map((f) => join(FIXTURES_DIR, f)),
    options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, types: [] },
  });
  const checker = program.getTypeChecker();
  const eventsFile = program.getSourceFile(join(FIXTURES_DIR, 'catga015-handled.ts'))!;
  const symbolOf = (name: string) => checker.getExportsOfModule(checker.getSymbolAtLocation(eventsFile)!).find((s) => s.name === name)!;

  it('holds the events of decorated and implementing handlers, by symbol, and nothing else', () => {
    const handled = handledEvents(program);
    expect(handled.has(symbolOf('Catga015OrderPlaced'))).toBe(true);
    expect(handled.has(symbolOf('Catga015OrderShipped'))).toBe(true);
    expect(handled.has(symbolOf('Catga015OrderLost'))).toBe(false);
    expect(handled.size).toBe(2);
  });

  it('is built once per Program', () => {
    expect(handledEvents(program)).toBe(handledEvents(program));
  });
});

describe('handledEvents: sagas', () => {
  const program = ts.createProgram({
    rootNames: [join(FIXTURES_DIR, 'catga015-saga.ts')],
    options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, types: [] },
  });
  const checker = program.getTypeChecker();
  const sagaFile = program.getSourceFile(join(FIXTURES_DIR, 'catga015-saga.ts'))!;
  const symbolOf = (name: string) => checker.getExportsOfModule(checker.getSymbolAtLocation(sagaFile)!).find((s) => s.name === name)!;

  it('holds the events a saga is started by or waits for, not the ones it publishes', () => {
    const handled = handledEvents(program);
    expect(handled.has(symbolOf('Catga015ParcelBooked'))).toBe(true);
    expect(handled.has(symbolOf('Catga015ParcelDelivered'))).toBe(true);
    expect(handled.has(symbolOf('Catga015ShippingDone'))).toBe(false);
    expect(handled.size).toBe(2);
  });
});

ruleTester.run('no-unhandled-event', noUnhandledEvent, {
  valid: [
    {
      name: 'an event with a decorated handler in the same file',
      code: `import { CatgaHandler, Event } from '@catga/runtime';
export class OrderCancelled extends Event {}
@CatgaHandler(OrderCancelled)
export class OrderCancelledHandler {
  handle(event: OrderCancelled): void {
    void event;
  }
}`,
    },
    {
      name: 'an event with a handler that implements EventHandler (union arguments count each member)',
      code: `import { Event, type EventHandler } from '@catga/runtime';
export class OrderCancelled extends Event {}
export class OrderRefunded extends Event {}
export class AuditHandler implements EventHandler<OrderCancelled | OrderRefunded> {
  handle(event: OrderCancelled | OrderRefunded): void {
    void event;
  }
}`,
    },
    {
      name: '@CatgaHandler() without a class (the transformer form): the type of handle() names the event',
      code: `import { CatgaHandler, Event } from '@catga/runtime';
export class OrderCancelled extends Event {}
@CatgaHandler({ name: 'release-stock' })
export class OrderCancelledHandler {
  handle(event: OrderCancelled): void {
    void event;
  }
}`,
    },
    {
      name: 'namespace imports of the runtime',
      code: `import * as rt from '@catga/runtime';
export class OrderCancelled extends rt.Event {}
@rt.CatgaHandler(OrderCancelled)
export class OrderCancelledHandler {
  handle(event: OrderCancelled): void {
    void event;
  }
}`,
    },
    {
      name: 'cross-file: publishing events handled in another file of the program (decorated; implements only)',
      code: `import type { Catga, HandlerContext } from '@catga/runtime';
import { Catga015OrderPlaced, Catga015OrderShipped } from './catga015-handled.js';

export function place(catga: Catga) {
  return catga.publish(new Catga015OrderPlaced('o-1'));
}
export function ship(context: HandlerContext) {
  return context.publish(new Catga015OrderShipped());
}
export function both(catga: Catga) {
  return catga.publishBatch([new Catga015OrderPlaced('o-2'), new Catga015OrderShipped()]);
}`,
    },
    {
      name: 'cross-file: a subclass of a handled event is only an event class when instantiated (abstract bases are skipped)',
      code: `import { Event } from '@catga/runtime';
export abstract class OrderEvent extends Event {}`,
    },
    {
      name: 'an event that only starts a saga: saga<S>(…).startedBy(E, …)',
      code: `import { Event, saga } from '@catga/runtime';
export class OrderSubmitted extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}
export const OrderSaga = saga<{ orderId: string }>('OrderSaga').startedBy(OrderSubmitted, {
  id: (event) => event.orderId,
  state: (event) => ({ orderId: event.orderId }),
});`,
    },
    {
      name: 'an event a saga only waits for, later in the chain: .waitFor(name, { event: E, … })',
      code: `import { Event, saga } from '@catga/runtime';
export class PaymentCaptured extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}
export const OrderSaga = saga<{ orderId: string; paid?: boolean }>('OrderSaga', { stepTimeoutMs: 1_000 })
  .step('charge', { run: async () => undefined })
  .waitFor('captured', { event: PaymentCaptured, correlate: (event) => event.orderId, timeoutMs: 60_000, onEvent: () => ({ paid: true }) })
  .onCompleted((state) => new PaymentCaptured(state.orderId));`,
    },
    {
      name: 'sagas through a namespace import, a renamed import, a shorthand event property and a constant holding the class',
      code: `import * as rt from '@catga/runtime';
import { saga as defineSaga } from '@catga/runtime';
export class ParcelBooked extends rt.Event {}
export class ParcelDelivered extends rt.Event {}
export class ParcelLost extends rt.Event {}
const event = ParcelDelivered;
const Lost = ParcelLost;
export const A = rt.saga<{ id: string }>('A').startedBy(ParcelBooked, { id: () => 'p', state: () => ({ id: 'p' }) });
export const B = defineSaga<{ id: string }>('B')
  .waitFor('delivered', { event, correlate: () => 'p', timeoutMs: 1_000 })
  .waitFor('lost', { event: Lost, correlate: () => 'p', timeoutMs: 1_000 });`,
    },
    {
      name: 'a value typed SagaDefinition (a saga built in steps), and one that may be undefined',
      code: `import { Event, type SagaDefinition } from '@catga/runtime';
export class RefundIssued extends Event {}
export class RefundSettled extends Event {}
type State = { refundId: string };
export function withRefund(definition: SagaDefinition<State>, maybe?: SagaDefinition<State>) {
  void maybe?.startedBy(RefundSettled, { id: () => 'r', state: () => ({ refundId: 'r' }) });
  return definition.waitFor('refund', { event: RefundIssued, correlate: () => 'r', timeoutMs: 1_000 });
}`,
    },
    {
      name: 'cross-file: publishing events whose only subscriber is a saga in another file of the program',
      code: `import type { Catga } from '@catga/runtime';
import { Catga015ParcelBooked, Catga015ParcelDelivered } from './catga015-saga.js';

export function book(catga: Catga) {
  return catga.publishBatch([new Catga015ParcelBooked('p-1'), new Catga015ParcelDelivered('p-1')]);
}`,
    },
    {
      name: 'knownHandled: events another service handles',
      code: `import { Event, type Catga } from '@catga/runtime';
import { Catga015OrderLost } from './catga015-handled.js';
export class InvoiceSent extends Event {}
export function lose(catga: Catga) {
  return catga.publish(new Catga015OrderLost());
}`,
      options: [{ knownHandled: ['InvoiceSent', 'Catga015OrderLost'] }],
    },
    {
      name: "a class named Event that is not the runtime's, and publishing something that is not an event",
      code: `class Event {}
export class Tick extends Event {}
declare const bus: { publish(value: unknown): void };
bus.publish(new Tick());`,
    },
    {
      name: 'a partial Program (default project: no tsconfig) is not trusted: nothing is reported',
      code: PUBLISHES_HANDLED,
      languageOptions: { parserOptions: { projectService: false, programs: [partialProgram(PUBLISHES_HANDLED, undefined)] } },
    },
  ],
  invalid: [
    {
      name: 'the same partial Program, passed off as a tsconfig Program, gives the false positive the bail-out prevents',
      code: PUBLISHES_HANDLED,
      languageOptions: {
        parserOptions: { projectService: false, programs: [partialProgram(PUBLISHES_HANDLED, join(FIXTURES_DIR, 'tsconfig.json'))] },
      },
      output: null,
      errors: [{ messageId: 'unhandledEvent', data: { name: 'Catga015OrderPlaced' }, line: 5, column: 24, suggestions: [] }],
    },
    {
      name: 'a declared event without handler: reported at its name, with a stub handler suggestion',
      code: `import { Event } from '@catga/runtime';

export class OrderCancelled extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}
`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderCancelled' },
          line: 3,
          column: 14,
          endColumn: 28,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderCancelled', handler: 'OrderCancelledHandler' },
              output: `import { Event, CatgaHandler, EventHandler } from '@catga/runtime';

export class OrderCancelled extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}${stub('OrderCancelled')}
`,
            },
          ],
        },
      ],
    },
    {
      name: 'a file that writes type-only imports gets a type-only EventHandler; a taken handler name gets a number',
      code: `import { Event, type HandlerContext } from '@catga/runtime';
export class OrderCancelled extends Event {}
export const OrderCancelledHandler = (context: HandlerContext) => context;`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderCancelled' },
          line: 2,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderCancelled', handler: 'OrderCancelledHandler2' },
              output: `import { Event, type HandlerContext, CatgaHandler, type EventHandler } from '@catga/runtime';
export class OrderCancelled extends Event {}${stub('OrderCancelled', 'OrderCancelledHandler2')}
export const OrderCancelledHandler = (context: HandlerContext) => context;`,
            },
          ],
        },
      ],
    },
    {
      name: "EventHandler goes into the runtime's import type, CatgaHandler (a value) into its value import",
      code: `import {
  Event,
} from '@catga/runtime';
import type { HandlerContext } from '@catga/runtime';
export class OrderCancelled extends Event {}
export type Ctx = HandlerContext;`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderCancelled' },
          line: 5,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderCancelled', handler: 'OrderCancelledHandler' },
              output: `import {
  Event,
  CatgaHandler,
} from '@catga/runtime';
import type { HandlerContext, EventHandler } from '@catga/runtime';
export class OrderCancelled extends Event {}${stub('OrderCancelled')}
export type Ctx = HandlerContext;`,
            },
          ],
        },
      ],
    },
    {
      name: 'a namespace import: the stub uses it, no import changes; renamed imports are reused',
      code: `import * as rt from '@catga/runtime';
import { CatgaHandler as Handles } from '@catga/runtime';
export class OrderCancelled extends rt.Event {}`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderCancelled' },
          line: 3,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderCancelled', handler: 'OrderCancelledHandler' },
              output: `import * as rt from '@catga/runtime';
import { CatgaHandler as Handles } from '@catga/runtime';
export class OrderCancelled extends rt.Event {}${stub('OrderCancelled', 'OrderCancelledHandler', 'Handles', 'rt.EventHandler')}`,
            },
          ],
        },
      ],
    },
    {
      name: 'symbols, not names: a local class named like a handled fixture event is not handled',
      code: `import { Event } from '@catga/runtime';
export class Catga015OrderPlaced extends Event {}`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'Catga015OrderPlaced' },
          line: 2,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'Catga015OrderPlaced', handler: 'Catga015OrderPlacedHandler' },
              output: `import { Event, CatgaHandler, EventHandler } from '@catga/runtime';
export class Catga015OrderPlaced extends Event {}${stub('Catga015OrderPlaced')}`,
            },
          ],
        },
      ],
    },
    {
      name: 'cross-file: publishing an imported unhandled event: reported once, at the first new, without suggestion',
      code: `import type { Catga, HandlerContext } from '@catga/runtime';
import { Catga015OrderLost, Catga015OrderPlaced } from './catga015-handled.js';

export function lose(catga: Catga, context: HandlerContext) {
  void context.publish(new Catga015OrderLost());
  return catga.publishBatch([new Catga015OrderPlaced('o-1'), new Catga015OrderLost()]);
}`,
      output: null,
      errors: [{ messageId: 'unhandledEvent', data: { name: 'Catga015OrderLost' }, line: 5, column: 24, suggestions: [] }],
    },
    {
      name: 'declared and published in the same file: one report, at the declaration',
      code: `import { Event, type Catga } from '@catga/runtime';
class OrderCancelled extends Event {}
export const cancel = (catga: Catga) => catga.publish(new OrderCancelled());`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderCancelled' },
          line: 2,
          column: 7,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderCancelled', handler: 'OrderCancelledHandler' },
              output: `import { Event, type Catga, CatgaHandler, type EventHandler } from '@catga/runtime';
class OrderCancelled extends Event {}${stub('OrderCancelled')}
export const cancel = (catga: Catga) => catga.publish(new OrderCancelled());`,
            },
          ],
        },
      ],
    },
    {
      name: 'a saga starts with one event; another event in the file, used nowhere, is still reported',
      code: `import { Event, saga } from '@catga/runtime';
export class OrderSubmitted extends Event {}
export class OrderForgotten extends Event {}
export const OrderSaga = saga<{ id: string }>('OrderSaga').startedBy(OrderSubmitted, { id: () => 'o', state: () => ({ id: 'o' }) });`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderForgotten' },
          line: 3,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderForgotten', handler: 'OrderForgottenHandler' },
              output: `import { Event, saga, CatgaHandler, EventHandler } from '@catga/runtime';
export class OrderSubmitted extends Event {}
export class OrderForgotten extends Event {}${stub('OrderForgotten')}
export const OrderSaga = saga<{ id: string }>('OrderSaga').startedBy(OrderSubmitted, { id: () => 'o', state: () => ({ id: 'o' }) });`,
            },
          ],
        },
      ],
    },
    {
      name: "an unrelated foo.waitFor(…) / foo.startedBy(…) (not the runtime's SagaDefinition) subscribes to nothing",
      code: `import { Event, type Catga } from '@catga/runtime';
export class ParcelDelivered extends Event {}
declare const foo: {
  waitFor(name: string, options: { event: unknown; timeoutMs: number }): void;
  startedBy(event: unknown, options: object): void;
};
foo.waitFor('delivered', { event: ParcelDelivered, timeoutMs: 1_000 });
foo.startedBy(ParcelDelivered, {});
export const deliver = (catga: Catga) => catga.publish(new ParcelDelivered());`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'ParcelDelivered' },
          line: 2,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'ParcelDelivered', handler: 'ParcelDeliveredHandler' },
              output: `import { Event, type Catga, CatgaHandler, type EventHandler } from '@catga/runtime';
export class ParcelDelivered extends Event {}${stub('ParcelDelivered')}
declare const foo: {
  waitFor(name: string, options: { event: unknown; timeoutMs: number }): void;
  startedBy(event: unknown, options: object): void;
};
foo.waitFor('delivered', { event: ParcelDelivered, timeoutMs: 1_000 });
foo.startedBy(ParcelDelivered, {});
export const deliver = (catga: Catga) => catga.publish(new ParcelDelivered());`,
            },
          ],
        },
      ],
    },
    {
      name: "a chain from a local function called saga returning a local SagaDefinition (not the runtime's) subscribes to nothing",
      code: `import { Event } from '@catga/runtime';
class SagaDefinition {
  startedBy(event: unknown): SagaDefinition {
    void event;
    return this;
  }
}
const saga = <S>(name: string): SagaDefinition => (void (name as S | string), new SagaDefinition());
export class ParcelBooked extends Event {}
export const Local = saga<{ id: string }>('Local').startedBy(ParcelBooked);`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'ParcelBooked' },
          line: 9,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'ParcelBooked', handler: 'ParcelBookedHandler' },
              output: `import { Event, CatgaHandler, EventHandler } from '@catga/runtime';
class SagaDefinition {
  startedBy(event: unknown): SagaDefinition {
    void event;
    return this;
  }
}
const saga = <S>(name: string): SagaDefinition => (void (name as S | string), new SagaDefinition());
export class ParcelBooked extends Event {}${stub('ParcelBooked')}
export const Local = saga<{ id: string }>('Local').startedBy(ParcelBooked);`,
            },
          ],
        },
      ],
    },
    {
      name: 'cross-file: an event a saga only publishes (onCompleted) is not handled by it',
      code: `import type { Catga } from '@catga/runtime';
import { Catga015ShippingDone } from './catga015-saga.js';

export const done = (catga: Catga) => catga.publish(new Catga015ShippingDone('p-1'));`,
      output: null,
      errors: [{ messageId: 'unhandledEvent', data: { name: 'Catga015ShippingDone' }, line: 4, column: 53, suggestions: [] }],
    },
    {
      name: 'an event declared inside a function: reported, but no stub is offered there',
      code: `import { Event } from '@catga/runtime';
export function make() {
  class Local extends Event {}
  return new Local();
}`,
      output: null,
      errors: [{ messageId: 'unhandledEvent', data: { name: 'Local' }, line: 3, column: 9, suggestions: [] }],
    },
    {
      name: 'a handler of another event (or of a base class) does not handle this one',
      code: `import { CatgaHandler, Event } from '@catga/runtime';
export class OrderEvent extends Event {}
export class OrderCancelled extends OrderEvent {}
@CatgaHandler(OrderEvent)
export class OrderEventHandler {
  handle(event: OrderEvent): void {
    void event;
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'unhandledEvent',
          data: { name: 'OrderCancelled' },
          line: 3,
          column: 14,
          suggestions: [
            {
              messageId: 'addHandlerStub',
              data: { name: 'OrderCancelled', handler: 'OrderCancelledHandler' },
              output: `import { CatgaHandler, Event, EventHandler } from '@catga/runtime';
export class OrderEvent extends Event {}
export class OrderCancelled extends OrderEvent {}${stub('OrderCancelled')}
@CatgaHandler(OrderEvent)
export class OrderEventHandler {
  handle(event: OrderEvent): void {
    void event;
  }
}`,
            },
          ],
        },
      ],
    },
  ],
});
