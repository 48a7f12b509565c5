import type { CatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { newMessageId } from '../core/message-id.js';
import type { PipelineBehavior } from '../core/pipeline.js';
import type { CatgaResult } from '../core/result.js';
import { hookedStep } from '../core/step-hooks.js';
import type { DeadLetterEntry, DeadLetterStore } from './dead-letter-store.js';
import { effectiveValue } from './policy.js';

/** Options of {@link deadLetterBehavior}. */
export interface DeadLetterBehaviorOptions {
  /** Where failed messages go. */
  readonly store: DeadLetterStore;
  /** Whether message types that do not say otherwise (`deadLetter` on their decorator) are dead-lettered. */
  readonly enabled: boolean;
}

// Outcomes that are final and the caller's to handle: keeping the message would not let anyone fix anything by
// re-sending it (a cancelled call was wanted no more, an invalid message stays invalid, domain answers are answers).
const NEVER: ReadonlySet<string> = new Set<string>([
  ErrorCode.CANCELLED,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.FORBIDDEN,
]);
// Defects and crashes that are not retryable but may well succeed after a fix and a re-send.
const ALWAYS: ReadonlySet<string> = new Set<string>([
  ErrorCode.HANDLER_FAILED,
  ErrorCode.TIMEOUT,
  ErrorCode.INTERNAL_ERROR,
  ErrorCode.PIPELINE_FAILED,
]);

/** Whether a final failure belongs in the dead-letter store. */
function isDeadLetterWorthy(error: CatgaError): boolean {
  if (NEVER.has(error.code)) return false;
  return error.retryable || ALWAYS.has(error.code);
}

/**
 * Keeps messages whose handling failed for good in a dead-letter store, so they can be inspected and re-sent
 * instead of being lost. Placed outside retry (`BehaviorOrder.deadLetter`), it sees only what survived every
 * attempt. Stored: retryable failures and crashes (`HANDLER_FAILED`, `TIMEOUT`, `INTERNAL_ERROR`,
 * `PIPELINE_FAILED`); never cancellations, validation failures or domain outcomes (`NOT_FOUND`, `CONFLICT`,
 * `UNAUTHORIZED`, `FORBIDDEN`).
 *
 * The failure is returned to the caller unchanged. When the store itself fails, the entry is lost to the store but
 * not silently: the caller still gets the failure, which is then the only record and the caller's to keep.
 *
 * @param options.enabled the default for every type; a message's own `deadLetter: true | false` wins.
 */
export function deadLetterBehavior(options: DeadLetterBehaviorOptions): PipelineBehavior {
  const { store, enabled } = options;
  return {
    name: 'dead-letter',
    forMessage(descriptor) {
      if (effectiveValue<boolean>(descriptor, 'deadLetter', enabled) !== true) return undefined;
      const { typeName, kind, handlerName } = descriptor;
      const keep = (entry: DeadLetterEntry, result: CatgaResult<unknown>): Promise<CatgaResult<unknown>> => {
        // A store that throws or rejects is deliberately ignored: see the TSDoc. The caller's failure is the fallback record.
        const returnResult = (): CatgaResult<unknown> => result;
        try {
          return Promise.resolve(store.add(entry)).then(returnResult, returnResult);
        } catch {
          return Promise.resolve(result);
        }
      };
      return hookedStep<undefined>({
        enter: () => undefined,
        leave(_state, result, message) {
          if (result.ok || !isDeadLetterWorthy(result.error)) return result;
          return keep(
            {
              id: newMessageId(),
              messageType: typeName,
              kind,
              handler: handlerName,
              messageId: message.messageId,
              correlationId: message.correlationId,
              causationId: message.causationId,
              message: { ...message },
              error: result.error.toJSON(),
              failedAt: Date.now(),
            },
            result,
          );
        },
      });
    },
  };
}
