import type { HandlerContext, PublishOptions, SendOptions } from './handler.js';
import { stampLineage } from './lineage.js';
import type { Event, Message, Request, ResultOf } from './messages.js';
import type { PublishResult } from './publish-result.js';
import type { CatgaResult } from './result.js';

/** The part of a Catga instance a handler context sends through. */
export interface MessageBus {
  send<M extends Request>(message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>>;
  publish(event: Event, options?: PublishOptions): Promise<PublishResult>;
}

function childOptions(options: SendOptions | undefined, parentSignal: AbortSignal): SendOptions {
  const own = options?.signal;
  // A child call is cancelled with its parent; a signal of its own can cancel it earlier.
  const signal = own === undefined || own === parentSignal ? parentSignal : AbortSignal.any([parentSignal, own]);
  return { signal };
}

/** The {@link HandlerContext} of one handler call. */
export class DispatchContext implements HandlerContext {
  constructor(
    private readonly bus: MessageBus,
    readonly message: Message,
    readonly signal: AbortSignal,
  ) {}

  send<M extends Request>(message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>> {
    if (message !== null && typeof message === 'object') stampLineage(message, this.message);
    return this.bus.send(message, childOptions(options, this.signal));
  }

  publish(event: Event, options?: PublishOptions): Promise<PublishResult> {
    if (event !== null && typeof event === 'object') stampLineage(event, this.message);
    return this.bus.publish(event, childOptions(options, this.signal));
  }
}
