import { CatgaError } from './catga-error.js';
import { ErrorCode } from './error-codes.js';
import type { CatgaResult } from './result.js';

/** What a successful publish reports. */
export interface PublishReceipt {
  /** Type name of the event published. */
  readonly eventType: string;
  /**
   * How many handlers received it (0 is valid: an event may have no subscribers). Over a remote transport the
   * handlers run in other processes later: it is 0, and the receipt means the server accepted the event.
   */
  readonly handlers: number;
  /** JetStream (QoS 1 and 2): the event's sequence number in its stream. */
  readonly sequence?: number;
  /** JetStream QoS 2: `true` when the stream already had this message id and dropped the copy. */
  readonly duplicate?: boolean;
  /**
   * `true` when a handler published the event under the outbox: it is held and will be stored with the handler's
   * other events once the handler succeeds, then published by the outbox processor (`handlers` is 0).
   */
  readonly outbox?: boolean;
}

/** One event handler that failed. */
export interface HandlerFailure {
  /** The handler's name. */
  readonly handler: string;
  /** Its error, as `send` would have reported it. */
  readonly error: CatgaError;
}

/**
 * The error of a publish in which some handlers failed. Every handler still ran; `failures` lists each failure.
 * `code` is the failures' common code when they share one, else `HANDLER_FAILED`.
 */
export class PublishError extends CatgaError {
  /** Every handler that failed, in registration order. */
  readonly failures: readonly HandlerFailure[];
  /** How many handlers ran in total. */
  readonly handlers: number;

  constructor(eventType: string, handlers: number, failures: readonly HandlerFailure[]) {
    const first = failures[0]!.error.code;
    const code = failures.every((f) => f.error.code === first) ? first : ErrorCode.HANDLER_FAILED;
    const summary = failures.map((f) => `${f.handler} (${f.error.code}: ${f.error.message})`).join('; ');
    super(code, `${failures.length} of ${handlers} handler(s) of event "${eventType}" failed: ${summary}`, {
      retryable: failures.every((f) => f.error.retryable),
      details: { eventType, handlers, failed: failures.map((f) => f.handler) },
    });
    this.name = 'CatgaError';
    this.failures = failures;
    this.handlers = handlers;
  }
}

/** What `publish` returns. */
export type PublishResult = CatgaResult<PublishReceipt, PublishError | CatgaError>;
