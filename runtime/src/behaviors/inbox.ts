import { ErrorCode } from '../core/error-codes.js';
import type { AnyMessage } from '../core/messages.js';
import { integerIn } from '../core/option-checks.js';
import type { PipelineBehavior } from '../core/pipeline.js';
import { type CatgaResult, fail } from '../core/result.js';
import type { InboxStore } from '../persistence/inbox-store.js';
import { fromStoredResult, toStoredResult } from '../persistence/stored-result.js';

/** Options of {@link inboxBehavior}. */
export interface InboxBehaviorOptions {
  /** Where locks and results are kept; share one across processes (Redis) to deduplicate between them. */
  readonly store: InboxStore;
  /**
   * How long a consumer's lock lives, in ms (default 60,000). A consumer that dies mid-message holds the message
   * that long; a handler running longer than this may see a redelivery of the same message run next to it.
   */
  readonly lockTtlMs?: number;
  /** How long a processed message's result is kept to answer redeliveries, in ms (default 24 h). */
  readonly ttlMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MS = integerIn(1, 2_147_483_647);

// Failures that are answers, the same for every delivery of the message: worth replaying instead of running again.
// Everything else (crashes, timeouts, transient failures, cancellation) releases the lock so a redelivery can run:
// a dead-lettered message re-sent after a fix keeps its message id and must not get the old failure back.
const FINAL_ANSWERS: ReadonlySet<string> = new Set<string>([
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.FORBIDDEN,
]);

function isFinal(result: CatgaResult<unknown>): boolean {
  return result.ok || FINAL_ANSWERS.has(result.error.code);
}

function storeFailure(typeName: string, key: string, operation: string, thrown: unknown): CatgaResult<never> {
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return fail(ErrorCode.PERSISTENCE_FAILED, `Inbox store failed to ${operation} "${key}" for "${typeName}": ${reason}`, {
    retryable: true,
    details: { messageType: typeName, key, operation },
    cause: thrown,
  });
}

/**
 * Runs each incoming message (by `messageId`) at most once per handler and answers redeliveries with the stored
 * result: lock → run → store the result → unlock. Meant for messages that arrive through an at-least-once transport
 * (JetStream redelivers after a crash or a lost ack). Applies to commands and to each event handler (the key is
 * `Type:messageId`, or `Type:handler:messageId` for events); queries change nothing and are left alone.
 *
 * - A message is "processed" only once its result is stored; until then a duplicate gets `LOCK_FAILED`
 *   (retryable), which makes an at-least-once transport deliver it again later.
 * - Successes and final answers (`VALIDATION_FAILED`, `NOT_FOUND`, `CONFLICT`, `UNAUTHORIZED`, `FORBIDDEN`) are
 *   stored and replayed; any other failure unlocks the message so that a redelivery runs it again.
 * - A store that fails before the handler ran gives `PERSISTENCE_FAILED` (retryable) and the handler does not run.
 *   After the handler ran, its result is returned even if the store could not record it (the lock then expires
 *   after `lockTtlMs` and a later redelivery runs the handler again: at-least-once, never lost).
 *
 * Placed after validation (`BehaviorOrder.inbox`): an invalid message takes no lock.
 */
export function inboxBehavior(options: InboxBehaviorOptions): PipelineBehavior {
  const { store } = options;
  const lockTtlMs = options.lockTtlMs ?? 60_000;
  const ttlMs = options.ttlMs ?? DAY_MS;
  MS(lockTtlMs, 'inbox.lockTtlMs');
  MS(ttlMs, 'inbox.ttlMs');

  return {
    name: 'inbox',
    forMessage(descriptor) {
      if (descriptor.kind === 'query') return undefined;
      const { typeName } = descriptor;
      const prefix = descriptor.kind === 'event' ? `${typeName}:${descriptor.handlerName}:` : `${typeName}:`;
      const keyOf = (message: AnyMessage): string => prefix + message.messageId;

      return async (message, _context, next) => {
        const key = keyOf(message);
        let claim;
        try {
          claim = await store.tryLock(key, lockTtlMs);
        } catch (thrown) {
          return storeFailure(typeName, key, 'lock', thrown);
        }
        if (claim.state === 'processed') return fromStoredResult(claim.result);
        if (claim.state === 'busy') {
          return fail(ErrorCode.LOCK_FAILED, `"${typeName}" message ${message.messageId} is being processed by another consumer`, {
            retryable: true,
            details: { messageType: typeName, messageId: message.messageId, lockedUntil: claim.expiresAt },
          });
        }
        const { token } = claim;
        let result: CatgaResult<unknown>;
        try {
          result = await next();
        } catch (thrown) {
          await store.release(key, token).catch(() => undefined); // the lock expires anyway
          throw thrown;
        }
        // Store errors here are not reported: the handler's outcome is what the caller must see (see the TSDoc).
        try {
          if (isFinal(result)) await store.markProcessed(key, token, toStoredResult(result), ttlMs);
          else await store.release(key, token);
        } catch {
          // Deliberately swallowed: the lock expires after lockTtlMs and a redelivery runs the handler again.
        }
        return result;
      };
    },
  };
}
