import { CatgaError } from '../core/catga-error.js';
import { cancelled } from '../core/failures.js';
import { POLICY_CHECKS } from '../core/message-options.js';
import type { CancellableContext, PipelineBehavior, PipelineContext, PipelineStep } from '../core/pipeline.js';
import { type CatgaResult, fail } from '../core/result.js';
import { DeadlineQueue, type Deadlined } from './deadline-queue.js';
import { effectiveValue } from './policy.js';
import { hookedStep } from '../core/step-hooks.js';

/** One attempt under a time limit. */
class Attempt implements Deadlined {
  private settled = false;

  constructor(
    readonly deadline: number,
    private readonly resolve: (result: CatgaResult<unknown>) => void,
    private readonly callerContext: PipelineContext,
    private readonly cancellable: CancellableContext,
    private readonly onTimeout: () => CatgaResult<unknown> & { ok: false },
    private readonly typeName: string,
  ) {}

  /** The inner pipeline finished first. */
  complete(result: CatgaResult<unknown>): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.resolve(result);
    return true;
  }

  expire(): void {
    if (this.settled) return;
    this.settled = true;
    // The caller gave up first and the handler ignored it: report the cancellation, not a timeout (a circuit breaker
    // must not count the caller's impatience against the handler).
    if (this.callerContext.signal.aborted) {
      this.resolve(cancelled(this.typeName, this.callerContext.signal));
      return;
    }
    const timedOut = this.onTimeout();
    // Settle first, then abort: whatever the handler returns or throws on abort arrives too late to count.
    this.resolve(timedOut);
    this.cancellable.cancel(timedOut.error);
  }
}

/**
 * Limits how long one attempt may take. Inner behaviours and the handler get a signal that aborts when time runs
 * out (combined with the caller's); the call then ends at once with `TIMEOUT` (retryable), whatever the handler does
 * later with its abandoned work. Place it innermost ({@link BehaviorOrder}) so that each retry gets a fresh budget.
 *
 * Cost: the attempt's signal is created only if the handler reads `context.signal`, and one timer per message type
 * serves all its pending attempts ({@link DeadlineQueue}); an `AbortController` and a timer per call cost several
 * microseconds in Node, more than the rest of a send.
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
      const text = `"${typeName}" did not finish within ${timeoutMs} ms`;
      const onTimeout = () => fail(new CatgaError('TIMEOUT', text, { retryable: true, details }));
      const queue = new DeadlineQueue<Attempt>();
      return hookedStep<number>({
        timed: true,
        // The attempt's deadline, on the queue's clock (performance.now()).
        enter: (_message, _context, startedAt) => startedAt + timeoutMs,
        within: (deadline, context, inner) =>
          new Promise<CatgaResult<unknown>>((resolve, reject) => {
            const cancellable = context.withCancellation();
            const attempt = new Attempt(deadline, resolve, context, cancellable, onTimeout, typeName);
            queue.add(attempt);
            // `inner` never rejects; should it, the rejection becomes the behaviour's own failure (PIPELINE_FAILED).
            inner(cancellable.context).then(
              (result) => {
                if (attempt.complete(result)) queue.remove(attempt);
              },
              (thrown: unknown) => {
                queue.remove(attempt);
                reject(thrown);
              },
            );
          }),
      });
    },
  };
}
