/** mediatr-ts's side of the in-process send suite: `Mediator.send` with no pipeline behaviours. */
import { Mediator, RequestData, type RequestHandler, requestHandler } from 'mediatr-ts';
import type { Sender } from '../../harness.js';
import { type OrderFields, type Placed, SAMPLE_ORDER } from '../order.js';

/** The suite's command as a mediatr-ts request; `RequestData<Placed>` types `send`'s result. */
export class MediatrCreateOrder extends RequestData<Placed> implements OrderFields {
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

/**
 * The trivial handler. `@requestHandler` registers it in mediatr-ts's module-wide registry at import time, and the
 * default resolver constructs a new instance for every send (part of what is measured).
 */
@requestHandler(MediatrCreateOrder)
export class MediatrCreateOrderHandler implements RequestHandler<MediatrCreateOrder, Placed> {
  async handle(request: MediatrCreateOrder): Promise<Placed> {
    return { orderId: request.orderId, total: request.qty * request.price };
  }
}

/** A mediator with the default resolver and a sender over it; nothing to release. */
export async function setup(): Promise<Sender<Placed>> {
  const mediator = new Mediator();
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const request = new MediatrCreateOrder(orderId, customerId, sku, qty, price);
  return {
    send: () => mediator.send(request),
    close: async () => undefined,
  };
}
