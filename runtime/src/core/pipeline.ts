import type { HandlerContext } from './handler.js';
import type { AnyMessage } from './messages.js';
import type { CatgaResult } from './result.js';

/** Continues the pipeline: the next behaviour, or the handler itself. Never throws. */
export type Next = () => Promise<CatgaResult<unknown>>;

/**
 * A pipeline behaviour wraps every handler call of the messages it applies to. It may act before and after
 * `next()`, or short-circuit by returning a result without calling it. A behaviour that throws ends the call
 * with `PIPELINE_FAILED` (or with the code of a thrown `CatgaError`).
 */
export interface PipelineBehavior {
  /** Name used in errors and logs. */
  readonly name: string;
  /** Whether the behaviour applies to this message class at all (default: every message). Asked once per type. */
  appliesTo?(message: MessageDescriptor): boolean;
  handle(message: AnyMessage, context: HandlerContext, next: Next): Promise<CatgaResult<unknown>>;
}

/** What a behaviour can learn about a message type when the pipeline is built. */
export interface MessageDescriptor {
  readonly typeName: string;
  readonly kind: 'command' | 'query' | 'event';
  /** The decorator options of the message (empty when it is not decorated). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** A behaviour with its position. Lower `order` runs first (outermost). */
export interface OrderedBehavior {
  readonly behavior: PipelineBehavior;
  readonly order: number;
}
