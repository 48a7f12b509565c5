import { requireHandlerDecorator } from '../../src/rules/require-handler-decorator';
import { untypedRuleTester } from '../rule-tester';

// Untyped on purpose: the rule recognises runtime interfaces and decorators by their imports, so it must work
// without type information. Suggestion outputs are asserted exactly (decorator placement, import edits).
const ruleTester = untypedRuleTester();

ruleTester.run('require-handler-decorator', requireHandlerDecorator, {
  valid: [
    {
      name: 'decorated handler',
      code: `
import { CatgaHandler, type CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
@CatgaHandler(CreateOrder)
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
    },
    {
      name: 'decorator imported under another name',
      code: `
import { CatgaHandler as Handles, type QueryHandler } from '@catga/runtime';
import { GetOrder } from './get-order.js';
@Handles(GetOrder)
export class GetOrderHandler implements QueryHandler<GetOrder> {
  handle() {}
}`,
    },
    {
      name: 'namespace import for both',
      code: `
import * as catga from '@catga/runtime';
import { OrderPlaced } from './order-placed.js';
@catga.CatgaHandler(OrderPlaced)
export class MailHandler implements catga.EventHandler<OrderPlaced> {
  handle() {}
}`,
    },
    {
      name: 'decorator with handler options',
      code: `
import { CatgaHandler, type EventHandler } from '@catga/runtime';
import { OrderPlaced } from './order-placed.js';
@CatgaHandler(OrderPlaced, { name: 'mail' })
export class MailHandler implements EventHandler<OrderPlaced> {
  handle() {}
}`,
    },
    {
      name: 'a CommandHandler interface from another package is not the runtime one',
      code: `
import type { CommandHandler } from '@nestjs/cqrs';
import { CreateOrder } from './create-order.js';
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  execute() {}
}`,
    },
    {
      name: 'a local CommandHandler interface is not the runtime one',
      code: `
interface CommandHandler<C> { handle(command: C): void }
class CreateOrder {}
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
    },
    {
      name: 'a local declaration shadowing the runtime import',
      code: `
import type { CommandHandler } from '@catga/runtime';
class CreateOrder {}
export function make() {
  interface CommandHandler<C> { handle(command: C): void }
  return class implements CommandHandler<CreateOrder> {
    handle() {}
  };
}`,
    },
    {
      name: 'abstract base handler',
      code: `
import type { CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
export abstract class BaseHandler implements CommandHandler<CreateOrder> {
  abstract handle(): void;
}`,
    },
    {
      name: 'generic base handler over its own type parameter',
      code: `
import type { Command, CommandHandler } from '@catga/runtime';
export class LoggedHandler<C extends Command<void>> implements CommandHandler<C> {
  handle() {}
}`,
    },
    {
      name: 'ambient class',
      code: `
import type { CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
declare class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle(): void;
}`,
    },
    {
      name: 'a class implementing other runtime interfaces',
      code: `
import type { PipelineBehavior } from '@catga/runtime';
export class Trace implements PipelineBehavior {
  handle() {}
}`,
    },
  ],
  invalid: [
    {
      name: 'existing named import from the runtime: CatgaHandler is added to it',
      code: `
import { Command, type CommandHandler } from '@catga/runtime';
class CreateOrder extends Command<void> {}
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          endColumn: 32,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(CreateOrder)' },
              output: `
import { Command, type CommandHandler, CatgaHandler } from '@catga/runtime';
class CreateOrder extends Command<void> {}
@CatgaHandler(CreateOrder)
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'renamed import of the interface',
      code: `
import { CommandHandler as Handles } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
export class CreateOrderHandler implements Handles<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(CreateOrder)' },
              output: `
import { CommandHandler as Handles, CatgaHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
@CatgaHandler(CreateOrder)
export class CreateOrderHandler implements Handles<CreateOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'namespace import: the decorator goes through the namespace, no import edit',
      code: `
import * as catga from '@catga/runtime';
import { OrderPlaced } from './order-placed.js';
export class MailHandler implements catga.EventHandler<OrderPlaced> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'MailHandler', interfaceName: 'EventHandler' },
          line: 4,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@catga.CatgaHandler(OrderPlaced)' },
              output: `
import * as catga from '@catga/runtime';
import { OrderPlaced } from './order-placed.js';
@catga.CatgaHandler(OrderPlaced)
export class MailHandler implements catga.EventHandler<OrderPlaced> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'only a type-only runtime import: a new import line after the last import',
      code: `
import type { QueryHandler } from '@catga/runtime';
import { GetOrder } from './get-order.js';

export class GetOrderHandler implements QueryHandler<GetOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'GetOrderHandler', interfaceName: 'QueryHandler' },
          line: 5,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(GetOrder)' },
              output: `
import type { QueryHandler } from '@catga/runtime';
import { GetOrder } from './get-order.js';
import { CatgaHandler } from '@catga/runtime';

@CatgaHandler(GetOrder)
export class GetOrderHandler implements QueryHandler<GetOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'new import line follows the file style (double quotes, no semicolons)',
      code: `
import type { QueryHandler } from "@catga/runtime"
import { GetOrder } from "./get-order.js"
class GetOrderHandler implements QueryHandler<GetOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'GetOrderHandler', interfaceName: 'QueryHandler' },
          line: 4,
          column: 7,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(GetOrder)' },
              output: `
import type { QueryHandler } from "@catga/runtime"
import { GetOrder } from "./get-order.js"
import { CatgaHandler } from "@catga/runtime"
@CatgaHandler(GetOrder)
class GetOrderHandler implements QueryHandler<GetOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'CatgaHandler already imported (under another name): only the decorator is added',
      code: `
import { CatgaHandler as Handles, type CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@Handles(CreateOrder)' },
              output: `
import { CatgaHandler as Handles, type CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
@Handles(CreateOrder)
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'multi-line import with a trailing comma: one specifier per line',
      code: `
import {
  Command,
  type CommandHandler,
} from '@catga/runtime';
class CreateOrder extends Command<void> {}
export default class implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: '(anonymous)', interfaceName: 'CommandHandler' },
          line: 7,
          column: 33,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(CreateOrder)' },
              output: `
import {
  Command,
  type CommandHandler,
  CatgaHandler,
} from '@catga/runtime';
class CreateOrder extends Command<void> {}
@CatgaHandler(CreateOrder)
export default class implements CommandHandler<CreateOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'type-only import of the message class becomes a value import',
      code: `
import { type EventHandler } from '@catga/runtime';
import type { OrderPlaced } from './order-placed.js';
export class MailHandler implements EventHandler<OrderPlaced> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'MailHandler', interfaceName: 'EventHandler' },
          line: 4,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(OrderPlaced)' },
              output: `
import { type EventHandler, CatgaHandler } from '@catga/runtime';
import { OrderPlaced } from './order-placed.js';
@CatgaHandler(OrderPlaced)
export class MailHandler implements EventHandler<OrderPlaced> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'inline type specifier of the message class loses its `type`',
      code: `
import type { EventHandler } from '@catga/runtime';
import { type OrderPlaced, OrderShipped } from './events.js';
export class MailHandler implements EventHandler<OrderPlaced> {
  handle() {}
}
export const shipped = OrderShipped;`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'MailHandler', interfaceName: 'EventHandler' },
          line: 4,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(OrderPlaced)' },
              output: `
import type { EventHandler } from '@catga/runtime';
import { OrderPlaced, OrderShipped } from './events.js';
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(OrderPlaced)
export class MailHandler implements EventHandler<OrderPlaced> {
  handle() {}
}
export const shipped = OrderShipped;`,
            },
          ],
        },
      ],
    },
    {
      name: 'qualified message name; indented class inside a function',
      code: `
import type { CommandHandler } from '@catga/runtime';
import { CatgaHandler } from '@catga/runtime';
import * as orders from './orders.js';
export function makeHandler() {
  class CreateOrderHandler implements CommandHandler<orders.CreateOrder> {
    handle() {}
  }
  return CreateOrderHandler;
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 6,
          column: 9,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(orders.CreateOrder)' },
              output: `
import type { CommandHandler } from '@catga/runtime';
import { CatgaHandler } from '@catga/runtime';
import * as orders from './orders.js';
export function makeHandler() {
  @CatgaHandler(orders.CreateOrder)
  class CreateOrderHandler implements CommandHandler<orders.CreateOrder> {
    handle() {}
  }
  return CreateOrderHandler;
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'other decorators above export: the new one goes first',
      code: `
import { type CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
import { traced } from './tracing.js';
@traced()
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 6,
          column: 14,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(CreateOrder)' },
              output: `
import { type CommandHandler, CatgaHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
import { traced } from './tracing.js';
@CatgaHandler(CreateOrder)
@traced()
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'other decorators after export: the new one joins them there (both sides of export do not compile)',
      code: `
import { type CommandHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
import { traced } from './tracing.js';
export @traced() class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 5,
          column: 24,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(CreateOrder)' },
              output: `
import { type CommandHandler, CatgaHandler } from '@catga/runtime';
import { CreateOrder } from './create-order.js';
import { traced } from './tracing.js';
export @CatgaHandler(CreateOrder) @traced() class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'class expression: reported at its implements clause, decorated inline',
      code: `
import { Command, type CommandHandler } from '@catga/runtime';
class CreateOrder extends Command<void> {}
export const CreateOrderHandler = class implements CommandHandler<CreateOrder> {
  handle() {}
};`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: '(anonymous)', interfaceName: 'CommandHandler' },
          line: 4,
          column: 52,
          suggestions: [
            {
              messageId: 'addDecorator',
              data: { decorator: '@CatgaHandler(CreateOrder)' },
              output: `
import { Command, type CommandHandler, CatgaHandler } from '@catga/runtime';
class CreateOrder extends Command<void> {}
export const CreateOrderHandler = @CatgaHandler(CreateOrder) class implements CommandHandler<CreateOrder> {
  handle() {}
};`,
            },
          ],
        },
      ],
    },
    {
      name: 'a decorator named CatgaHandler that is not the runtime one: reported, and no suggestion (the name is taken)',
      code: `
import type { CommandHandler } from '@catga/runtime';
import { CatgaHandler } from './my-decorators.js';
import { CreateOrder } from './create-order.js';
@CatgaHandler(CreateOrder)
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 6,
          column: 14,
          suggestions: [],
        },
      ],
    },
    {
      name: 'type argument that is not a plain name: no suggestion',
      code: `
import type { CommandHandler } from '@catga/runtime';
import type { CreateOrder, UpdateOrder } from './orders.js';
export class OrderHandler implements CommandHandler<CreateOrder | UpdateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'OrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          suggestions: [],
        },
      ],
    },
    {
      name: 'type argument naming only a type (interface): no suggestion',
      code: `
import type { Command, CommandHandler } from '@catga/runtime';
interface CreateOrder extends Command<void> { orderId: string }
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          suggestions: [],
        },
      ],
    },
    {
      name: 'type-only import shared with other names: no suggestion (dropping `type` would change them too)',
      code: `
import type { CommandHandler } from '@catga/runtime';
import type { CreateOrder, OrderId } from './orders.js';
export class CreateOrderHandler implements CommandHandler<CreateOrder> {
  handle(): OrderId { return '1'; }
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'CreateOrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          suggestions: [],
        },
      ],
    },
    {
      name: 'two handler interfaces: one report, no suggestion (which message is meant is the author\'s call)',
      code: `
import type { CommandHandler, EventHandler } from '@catga/runtime';
import { CreateOrder, OrderPlaced } from './orders.js';
export class OrderHandler implements CommandHandler<CreateOrder>, EventHandler<OrderPlaced> {
  handle() {}
}`,
      output: null,
      errors: [
        {
          messageId: 'missingDecorator',
          data: { name: 'OrderHandler', interfaceName: 'CommandHandler' },
          line: 4,
          column: 14,
          suggestions: [],
        },
      ],
    },
  ],
});
