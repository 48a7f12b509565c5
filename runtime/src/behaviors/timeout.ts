import { NEVER_ABORTED } from '../core/abort.js';
import { CatgaError } from '../core/catga-error.js';
import { cancelled } from '../core/failures.js';
import type { PipelineBehavior, PipelineStep } from '../core/pipeline.js';
import { type CatgaResult, fail } from '../core/result.js';
import { effectiveValue } from './policy.js';
import { POLICY_CHECKS } from '../core/message-options.js';

/**
 * Limits how long one attempt may take. Inner behaviours and the handler get a signal that aborts when time runs
 * out (combined with the caller's); the call then ends at once with `TIMEOUT` (retryable), whatever the handler does
 * later with its abandoned work. Place it innermost ({@link BehaviorOrder}) so that each retry gets a fresh budget.
 *
 * The limit of a message type is its `timeoutMs` decorator option, else `instanceWideTimeoutMs`; `timeoutMs: false`
 * turns it off for that type. Types without a limit get no step at all.
 *
 * @param instanceWideTimeoutMs limit in ms for every message type that does not declare its own
 */
export function timeoutBehavior(instanceWideTimeoutMs?: number): PipelineBehavior {
  if (instanceWideTimeoutMs !== undefined) POLICY_CHECKS.timeoutMs(instanceWideTimeoutMs, 'timeoutBehavior');
  return {
    name: 'timeout',
    forMessage(descriptor): PipelineStep | undefined {
      const timeoutMs = effectiveValue(descriptor, 'timeoutMs', instanceWideTimeoutMs);
      if (timeoutMs === undefined) return undefined;
      const { typeName } = descriptor;
      const details = Object.freeze({ messageType: typeName, timeoutMs });
      const message = `"${typeName}" did not finish within ${timeoutMs} ms`;
      return (_message, context, next) => {
        const controller = new AbortController();
        // Without a caller signal there is nothing to combine with: skip the AbortSignal.any allocation.
        const signal = context.signal === NEVER_ABORTED ? controller.signal : AbortSignal.any([context.signal, controller.signal]);
        return new Promise<CatgaResult<unknown>>((resolve, reject) => {
          const timer = setTimeout(() => {
            // The caller gave up first and the handler ignored it: report the cancellation, not a timeout (a
            // circuit breaker must not count the caller's impatience against the handler).
            if (context.signal.aborted) {
              resolve(cancelled(typeName, context.signal));
              return;
            }
            const error = new CatgaError('TIMEOUT', message, { retryable: true, details });
            // Settle first, then abort: whatever the handler returns or throws on abort arrives too late to count.
            resolve(fail(error));
            controller.abort(error);
          }, timeoutMs);
          // `next` never rejects; should it, the rejection becomes the behaviour's own failure (PIPELINE_FAILED).
          next(context.withSignal(signal)).then(
            (result) => {
              clearTimeout(timer);
              resolve(result);
            },
            (thrown: unknown) => {
              clearTimeout(timer);
              reject(thrown);
            },
          );
        });
      };
    },
  };
}
