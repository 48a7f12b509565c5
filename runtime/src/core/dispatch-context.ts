import type { PublishOptions, SendOptions } from './handler.js';
import { stampLineage } from './lineage.js';
import type { Event, Message, Request, ResultOf } from './messages.js';
import type { PublishResult } from './publish-result.js';
import type { CatgaResult } from './result.js';
import { LazyCancellation } from './lazy-cancellation.js';
import { PUBLISH_COMPILED, publishCompiled, SEND_COMPILED, sendCompiled } from './compiled.js';
import type { CancellableContext, PipelineContext } from './pipeline.js';

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

/** The handler context of one handler call (a {@link PipelineContext}, so behaviours can derive from it). */
export class DispatchContext implements PipelineContext {
  constructor(
    private readonly bus: MessageBus,
    readonly message: Message,
    private readonly signalSource: AbortSignal | LazyCancellation,
  ) {}

  get signal(): AbortSignal {
    const source = this.signalSource;
    return source instanceof LazyCancellation ? source.signal : source;
  }

  withSignal(signal: AbortSignal): PipelineContext {
    return new DispatchContext(this.bus, this.message, signal);
  }

  withPublisher(publisher: (event: Event, options?: PublishOptions) => Promise<PublishResult>): PipelineContext {
    const bus = this.bus;
    const redirected: MessageBus = { send: (message, options) => bus.send(message, options), publish: publisher };
    return new DispatchContext(redirected, this.message, this.signalSource);
  }

  withCancellation(): CancellableContext {
    const cancellation = new LazyCancellation(this.signal);
    return { context: this.cancelledBy(cancellation), cancel: (reason) => cancellation.cancel(reason) };
  }

  /**
   * This context with its signal from `cancellation` (made over this context's signal): `withCancellation()` for
   * a caller that is its own cancellation (the timeout's attempt), with nothing else to allocate. @internal
   */
  cancelledBy(cancellation: LazyCancellation): PipelineContext {
    return new DispatchContext(this.bus, this.message, cancellation);
  }

  send<M extends Request>(message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>> {
    if (message !== null && typeof message === 'object') stampLineage(message, this.message);
    return this.bus.send(message, childOptions(options, this.signal));
  }

  publish(event: Event, options?: PublishOptions): Promise<PublishResult> {
    if (event !== null && typeof event === 'object') stampLineage(event, this.message);
    return this.bus.publish(event, childOptions(options, this.signal));
  }

  /** Compiled `ctx.send(new X(...))` call sites: lineage stamped, then the bus's compiled path. @internal */
  [SEND_COMPILED](message: Request, options?: SendOptions): Promise<CatgaResult<unknown>> {
    stampLineage(message, this.message);
    return sendCompiled(this.bus, message, childOptions(options, this.signal));
  }

  /** Compiled `ctx.publish(new E(...))` call sites. @internal */
  [PUBLISH_COMPILED](event: Event, options?: PublishOptions): Promise<PublishResult> {
    stampLineage(event, this.message);
    return publishCompiled(this.bus, event, childOptions(options, this.signal));
  }
}
