import type { AnyMessage, Command, Event, MessageContract, Query, Request, ResultOf } from './messages.js';
import type { PublishResult } from './publish-result.js';
import type { CatgaResult } from './result.js';

/** A value or a promise of it: handlers may return synchronously (the fast path) or asynchronously. */
export type Awaitable<T> = T | PromiseLike<T>;

/** Per-call options of `send`. */
export interface SendOptions {
  /** Aborting it ends the call with `CANCELLED`; the handler sees it as `context.signal`. */
  readonly signal?: AbortSignal;
  /** Correlation id to stamp on a root message (e.g. an HTTP request id). Ignored for messages sent by handlers. */
  readonly correlationId?: string;
}

/** Per-call options of `publish`. */
export type PublishOptions = SendOptions;

/** What every handler receives next to its message. */
export interface HandlerContext {
  /** Aborted when the caller cancels (or, with the timeout behaviour, when time runs out). Pass it to your I/O. */
  readonly signal: AbortSignal;
  /** The contract of the message being handled (ids, type, time). */
  readonly message: MessageContract;
  /** Sends a command or query as a consequence of this message: correlation and causation ids are set for you. */
  send<M extends Request>(message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>>;
  /** Publishes an event as a consequence of this message: correlation and causation ids are set for you. */
  publish(event: Event, options?: PublishOptions): Promise<PublishResult>;
}

/** Handles one command type. Return the result (or a promise of it); throw a `CatgaError` to fail with a code. */
export interface CommandHandler<C extends Command<unknown>> {
  handle(command: C, context: HandlerContext): Awaitable<ResultOf<C>>;
}

/** Handles one query type. */
export interface QueryHandler<Q extends Query<unknown>> {
  handle(query: Q, context: HandlerContext): Awaitable<ResultOf<Q>>;
}

/** Handles one event type; an event may have many handlers. */
export interface EventHandler<E extends Event> {
  handle(event: E, context: HandlerContext): Awaitable<void>;
}

/**
 * The shape a handler class for `M` must have, checked strictly (property form, so parameter types are compared
 * contravariantly): `@CatgaHandler(CreateOrder)` on a class whose `handle` takes another message or returns the
 * wrong result does not compile.
 */
export type HandlerOf<M extends AnyMessage> = M extends Event
  ? { handle: (event: M, context: HandlerContext) => Awaitable<void> }
  : { handle: (message: M, context: HandlerContext) => Awaitable<ResultOf<M>> };

/** Any object with a `handle` method, as the runtime sees handlers. */
export interface AnyHandler {
  handle(message: never, context: HandlerContext): unknown;
}
