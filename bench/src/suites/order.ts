/**
 * The workload every variant of the in-process send suite runs: one "place order" command with five fields and a
 * handler that does almost nothing, so what is timed is the mediator, not the work.
 */

import type { Sender } from '../harness.js';

/** What every handler returns. All variants must produce a deeply equal value. */
export interface Placed {
  readonly orderId: string;
  readonly total: number;
}

/** The five fields of the command, shared by each library's own message class. */
export interface OrderFields {
  readonly orderId: string;
  readonly customerId: string;
  readonly sku: string;
  readonly qty: number;
  readonly price: number;
}

/** The one message every variant sends, over and over (built once, outside the timed loop). */
export const SAMPLE_ORDER: OrderFields = Object.freeze({
  orderId: 'o-1001',
  customerId: 'c-42',
  sku: 'SKU-RED-MUG',
  qty: 3,
  price: 12.5,
});

/** The plain command of the floor variant: no base class, no decorator. */
export class PlainPlaceOrder implements OrderFields {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly sku: string,
    readonly qty: number,
    readonly price: number,
  ) {}
}

/**
 * The floor: the handler called directly. Each library's handler repeats this one-line body instead of calling a
 * shared function, so every property access stays monomorphic (a shared helper would see six classes and slow
 * every variant a little, the floor included).
 */
export class PlainPlaceOrderHandler {
  async handle(command: PlainPlaceOrder): Promise<Placed> {
    return { orderId: command.orderId, total: command.qty * command.price };
  }
}

/** The floor of the in-process suites: `await handler.handle(command)` on a plain object, nothing in between. */
export function directCall(): Sender<Placed> {
  const handler = new PlainPlaceOrderHandler();
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const command = new PlainPlaceOrder(orderId, customerId, sku, qty, price);
  return { send: () => handler.handle(command), close: async () => undefined };
}
