/** Catga's side of the in-process send suite: one command, one handler, one instance per preset. */
import { CatgaCommand, CatgaHandler, type CatgaResult, Command, createCatga, type PresetName, unwrap } from '@catga/runtime';
import type { Sender } from '../harness.js';
import { type OrderFields, type Placed, SAMPLE_ORDER } from './order.js';

/** The suite's command as a Catga message: `send` infers `CatgaResult<Placed>` from the base class. */
@CatgaCommand()
export class CreateOrder extends Command<Placed> implements OrderFields {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly sku: string,
    readonly qty: number,
    readonly price: number,
  ) {
    super();
  }
}

/** The trivial handler, async like every other variant's so they all pay for one handler promise. */
@CatgaHandler(CreateOrder)
export class CreateOrderHandler {
  async handle(command: CreateOrder): Promise<Placed> {
    return { orderId: command.orderId, total: command.qty * command.price };
  }
}

/**
 * Builds a Catga instance from `preset` with the handler registered, and a sender that sends one pre-built
 * command. The result is unwrapped only for the correctness check (a failure there stops the run).
 */
export function setupCatga(preset: PresetName): Sender<Placed> {
  // Console I/O would dominate the development row; this suite measures dispatch (see the suite's notes).
  const catga = createCatga({ preset }).withLogging(false).handler(CreateOrderHandler).build();
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const command = new CreateOrder(orderId, customerId, sku, qty, price);
  return {
    send: () => catga.send(command),
    normalise: (output) => unwrap(output as CatgaResult<Placed>),
    close: () => catga.close(),
  };
}
