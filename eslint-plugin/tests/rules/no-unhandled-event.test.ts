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
