import type { HandlerContext, PublishOptions } from './handler.js';
import type { AnyMessage, Event, MessageKind } from './messages.js';
import type { PublishResult } from './publish-result.js';
import type { CatgaResult } from './result.js';

/** A derived context that can be cancelled on its own; see {@link PipelineContext.withCancellation}. */
export interface CancellableContext {
  /** The derived context; its signal aborts when the parent's does or when `cancel` is called. */
  readonly context: PipelineContext;
  /** Aborts the derived context's signal with `reason`. */
  cancel(reason: unknown): void;
}

/** The context behaviours see: a handler context they can derive from (e.g. with a per-attempt signal). */
export interface PipelineContext extends HandlerContext {
  /** The same context with another signal; inner behaviours and the handler see the new one. */
  withSignal(signal: AbortSignal): PipelineContext;
  /**
   * The same context with a signal of its own that `cancel` aborts. The signal is created only if something reads
   * it, so a per-attempt cancellation costs almost nothing for handlers that never look at their signal.
   */
  withCancellation(): CancellableContext;
  /**
   * The same context with the handler's `publish` going to `publisher` instead of the bus (lineage is still
   * stamped first). The outbox behaviour uses it to hold a handler's events until the handler succeeded.
   */
  withPublisher(publisher: (event: Event, options?: PublishOptions) => Promise<PublishResult>): PipelineContext;
}

/**
 * Continues the pipeline: the next behaviour, or the handler itself. Never throws. Pass a derived context to change
 * what inner layers see (the timeout behaviour passes one whose signal aborts when time runs out).
 */
export type Next = (context?: PipelineContext) => Promise<CatgaResult<unknown>>;

/** One behaviour's work for one message type: what {@link PipelineBehavior.forMessage} returns. */
export type PipelineStep = (message: AnyMessage, context: PipelineContext, next: Next) => Promise<CatgaResult<unknown>>;

/**
 * A step whose whole work is a synchronous check before the inner layers (validation with synchronous validators,
 * for instance): `precheck` returns a result to stop with, or `undefined` to go on. The pipeline runs it inline,
 * with no promise and no closure of its own; the step function itself must do the same thing.
 */
export interface PrecheckStep extends PipelineStep {
  readonly precheck: (message: AnyMessage, context: PipelineContext) => CatgaResult<unknown> | undefined;
}

/**
 * A pipeline behaviour wraps every handler call of the messages it applies to. It may act before and after
 * `next()`, or short-circuit by returning a result without calling it. A behaviour that throws ends the call with
 * `PIPELINE_FAILED` (or with the code of a thrown `CatgaError`).
 *
 * Write either `handle` (the same work for every message, optionally filtered by `appliesTo`), or `forMessage`,
 * which is asked once per handler when the instance is built and returns the step for that message type (with its
 * options resolved and its own state, e.g. one circuit per type) or `undefined` to stay out of its way entirely.
 */
export interface PipelineBehavior {
  /** Name used in errors and logs. */
  readonly name: string;
  /** Whether `handle` applies to this message type (default: every type). Asked once per handler at build time. */
  appliesTo?(message: MessageDescriptor): boolean;
  handle?(message: AnyMessage, context: PipelineContext, next: Next): Promise<CatgaResult<unknown>>;
  /** Specialises the behaviour for one message type and handler; `undefined` skips it. Takes precedence over `handle`. */
  forMessage?(message: MessageDescriptor): PipelineStep | undefined;
}

/** What a behaviour can learn about a message type and its handler when the pipeline is built. */
export interface MessageDescriptor {
  readonly typeName: string;
  readonly kind: MessageKind;
  /** The handler this pipeline wraps (each event handler has its own pipeline). */
  readonly handlerName: string;
  /** The message class. */
  readonly messageClass: abstract new (...args: never[]) => AnyMessage;
  /** The decorator options of the message (empty when it is not decorated). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** A behaviour with its position. Lower `order` runs first (outermost). */
export interface OrderedBehavior {
  readonly behavior: PipelineBehavior;
  readonly order: number;
}
