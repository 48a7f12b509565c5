// Compiled by types.test.ts with the TypeScript compiler: every @ts-expect-error line must be an error, and
// nothing else may be. Nothing here runs.
import {
  CatgaCommand,
  CatgaEvent,
  CatgaHandler,
  CatgaQuery,
  Command,
  type CommandHandler,
  Event,
  type EventHandler,
  type HandlerContext,
  Query,
  createCatga,
} from '@catga/runtime';

interface OrderPlaced {
  orderId: string;
  total: number;
}

@CatgaCommand({ idempotent: true, timeoutMs: 5_000, retry: { attempts: 3 } })
export class PlaceOrder extends Command<OrderPlaced> {
  constructor(readonly orderId: string) {
    super();
  }
}

@CatgaCommand()
export class CancelOrder extends Command {}

@CatgaQuery()
export class CountOrders extends Query<number> {}

@CatgaEvent({ qos: 1 })
export class OrderShipped extends Event {}

@CatgaQuery()
export class FindNickname extends Query<string | undefined> {}

@CatgaHandler(FindNickname)
export class FindNicknameHandler {
  handle(): string | undefined {
    return undefined;
  }
}

export async function optionalResults(): Promise<void> {
  const found = await createCatga().handler(FindNicknameHandler).build().send(new FindNickname());
  if (found.ok) {
    const nickname: string | undefined = found.value; // undefined survives in the result type
    // @ts-expect-error the value may be undefined
    const sure: string = found.value;
    void [nickname, sure];
  }
}

@CatgaHandler(PlaceOrder)
export class PlaceOrderHandler implements CommandHandler<PlaceOrder> {
  async handle(command: PlaceOrder, context: HandlerContext): Promise<OrderPlaced> {
    const count = await context.send(new CountOrders());
    if (count.ok) count.value.toFixed();
    // @ts-expect-error an event is not a request
    await context.send(new OrderShipped());
    return { orderId: command.orderId, total: 1 };
  }
}

const catga = createCatga().handler(PlaceOrderHandler).build();

export async function inferredResults(): Promise<void> {
  const placed = await catga.send(new PlaceOrder('o-1'));
  // @ts-expect-error value is only there after narrowing on ok
  placed.value.total;
  if (placed.ok) {
    const total: number = placed.value.total; // inferred OrderPlaced, no generics
    // @ts-expect-error total is a number
    const wrong: string = placed.value.total;
    void [total, wrong];
  } else {
    const code: string = placed.error.code;
    // @ts-expect-error not an error code
    const bad: typeof placed.error.code = 'SOMETHING_ELSE';
    void [code, bad];
  }

  const cancelled = await catga.send(new CancelOrder());
  if (cancelled.ok) {
    const nothing: void = cancelled.value;
    void nothing;
  }

  const count = await catga.send(new CountOrders());
  // @ts-expect-error a query of number does not give a string
  if (count.ok) count.value.toUpperCase();

  // @ts-expect-error events go through publish, not send
  await catga.send(new OrderShipped());
  // @ts-expect-error commands cannot be published
  await catga.publish(new PlaceOrder('o-2'));
  // @ts-expect-error plain objects are not messages
  await catga.send({ orderId: 'o-3' });

  const [a, b] = await catga.sendBatch([new PlaceOrder('o-4'), new CountOrders()] as const);
  if (a.ok && b.ok) {
    const total: number = a.value.total;
    // @ts-expect-error the second element is a number, typed per element
    b.value.total;
    void total;
  }
}

export function contractIsReadonly(command: PlaceOrder): void {
  const id: string = command.messageId;
  const created: number = command.createdAt;
  const type: string = command.messageType;
  const causation: string | undefined = command.causationId;
  void [id, created, type, causation];
  // @ts-expect-error the contract is read-only
  command.messageId = 'x';
  // @ts-expect-error the contract is read-only
  command.correlationId = 'x';
}

// @ts-expect-error handler returns the wrong result type for its command
@CatgaHandler(PlaceOrder)
export class WrongResult {
  handle(): Promise<{ orderId: string }> {
    return Promise.resolve({ orderId: 'x' });
  }
}

// @ts-expect-error handler takes another message than the one it is registered for
@CatgaHandler(PlaceOrder)
export class WrongMessage {
  handle(_query: CountOrders): OrderPlaced {
    return { orderId: 'x', total: 1 };
  }
}

@CatgaHandler(OrderShipped)
export class ShippedHandler implements EventHandler<OrderShipped> {
  handle(): void {}
}

// @ts-expect-error a command decorator on an event class
@CatgaCommand()
export class NotACommand extends Event {}

// @ts-expect-error unknown decorator option
@CatgaCommand({ timeout: 5 })
export class Typo extends Command {}

// @ts-expect-error qos is 0, 1 or 2
@CatgaEvent({ qos: 5 })
export class BadQos extends Event {}

export const builder = createCatga()
  .withServices({ repository: { save: (id: string) => id } })
  // @ts-expect-error services are typed: there is no "repo"
  .handler(PlaceOrderHandler, (services) => services.repo);
