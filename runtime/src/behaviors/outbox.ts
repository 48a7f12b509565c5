import { assertSerializable } from '../codec/serializable.js';
import { isCatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { notAMessage } from '../core/failures.js';
import type { Event, MessageClass } from '../core/messages.js';
import { kindOf } from '../core/metadata.js';
import type { PipelineBehavior } from '../core/pipeline.js';
import type { PublishResult } from '../core/publish-result.js';
import { fail, ok } from '../core/result.js';
import type { NewOutboxEntry, OutboxStore } from '../persistence/outbox-store.js';

/** Options of {@link outboxBehavior}. */
export interface OutboxBehaviorOptions {
  /** Where a successful handler's events are stored until the outbox processor publishes them. */
  readonly store: OutboxStore;
  /** Called after events were stored (the processor publishes at once instead of at its next poll). */
  readonly onAppended?: () => void;
  /**
   * Filled with the class of every event held, by type name, so that this process's outbox processor can rebuild
   * events that no handler here subscribes to.
   */
  readonly publishedTypes?: Map<string, MessageClass>;
}

/**
 * Holds the events a handler publishes (`ctx.publish`) until the handler has succeeded, then stores them all in the
 * outbox in one atomic append; the outbox processor publishes them from there, retrying until the transport takes
 * them. So an event goes out if and only if its handler succeeded, and is not lost when the process or the broker
 * dies after that (at-least-once: consumers deduplicate with the inbox).
 *
 * - Under the outbox `ctx.publish` resolves at once with a receipt marked `outbox: true` (`handlers: 0`); the
 *   event's handlers run later, when the processor publishes it. An event that cannot be serialised fails the
 *   `ctx.publish` call with `SERIALIZATION_FAILED` instead of failing later in the processor.
 * - A handler that fails (or an attempt that times out) drops its held events: a retry publishes its own.
 * - When the append fails after the handler succeeded, the call fails with `PERSISTENCE_FAILED` (retryable) and no
 *   event is published: the handler's own writes to other databases are NOT undone. The append is atomic with
 *   itself, not with your business data (see docs/redis.md); make handlers idempotent for the retry.
 * - A `ctx.publish` after the handler returned (a forgotten promise) fails with `PIPELINE_FAILED`: it is not sent.
 *
 * Applies to commands and to event handlers; queries are left alone. Innermost (`BehaviorOrder.outbox`), inside
 * retry and timeout, so each attempt holds its own events.
 */
export function outboxBehavior(options: OutboxBehaviorOptions): PipelineBehavior {
  const { store, onAppended, publishedTypes } = options;
  return {
    name: 'outbox',
    forMessage(descriptor) {
      if (descriptor.kind === 'query') return undefined;
      const { typeName, handlerName } = descriptor;
      return async (_message, context, next) => {
        const held: NewOutboxEntry[] = [];
        let open = true;
        const hold = async (event: Event): Promise<PublishResult> => {
          if (event === null || typeof event !== 'object' || kindOf(event.constructor) !== 'event') return notAMessage('publish', event);
          if (!open) {
            return fail(ErrorCode.PIPELINE_FAILED, `"${event.messageType}" was published by ${handlerName} after its call for "${typeName}" ended: not sent`, {
              details: { messageType: event.messageType, handler: handlerName },
            });
          }
          try {
            assertSerializable(event, `event "${event.messageType}"`, true);
          } catch (thrown) {
            if (isCatgaError(thrown)) return fail(thrown);
            throw thrown;
          }
          publishedTypes?.set(event.messageType, event.constructor as MessageClass);
          held.push({ id: event.messageId, messageType: event.messageType, message: { ...event } });
          return ok({ eventType: event.messageType, handlers: 0, outbox: true });
        };
        let result;
        try {
          result = await next(context.withPublisher(hold));
        } finally {
          open = false;
        }
        if (!result.ok || held.length === 0) return result;
        try {
          await store.append(held);
        } catch (thrown) {
          const reason = thrown instanceof Error ? thrown.message : String(thrown);
          return fail(ErrorCode.PERSISTENCE_FAILED, `${handlerName} handled "${typeName}" but its ${held.length} event(s) could not be stored in the outbox, so none was published: ${reason}`, {
            retryable: true,
            details: { messageType: typeName, handler: handlerName, events: held.map((entry) => entry.messageType) },
            cause: thrown,
          });
        }
        onAppended?.();
        return result;
      };
    },
  };
}
