import { CatgaError } from '../core/catga-error.js';
import { cancelled } from '../core/failures.js';
import { POLICY_CHECKS } from '../core/message-options.js';
import type { PipelineBehavior, PipelineContext, PipelineStep } from '../core/pipeline.js';
import { DispatchContext } from '../core/dispatch-context.js';
import { LazyCancellation } from '../core/lazy-cancellation.js';
import { type CatgaResult, fail } from '../core/result.js';
import { DeadlineQueue, type Deadlined } from './deadline-queue.js';
import { effectiveValue } from './policy.js';
import { hookedStep } from '../core/step-hooks.js';

/** What the attempts of one message type share. */
interface TimeLimit {
  readonly typeName: string;
  timedOut(): CatgaResult<unknown> & { ok: false };
}

/**
 * One attempt under a time limit: its entry in the deadline queue and, at once, the cancellation its inner layers
 * see (one object per attempt instead of four: an entry, a cancellation, its canceller and a closure).
 */
class Attempt extends LazyCancellation implements Deadlined {
  earlier: Deadlined | undefined = undefined;
  later: Deadlined | undefined = undefined;
  private settled = false;
  /** The cancel of a derived context that is not the dispatcher's (see {@link Attempt.contextFor}). */
  private cancelForeign: ((reason: unknown) => void) | undefined = undefined;

  constructor(
    callerSignal: AbortSignal,
    readonly deadline: number,
    private readonly resolve: (result: CatgaResult<unknown>) => void,
    private readonly limit: TimeLimit,
  ) {
    super(callerSignal);
  }

  /** The context the inner layers run with: `context` with this attempt's signal. */
  contextFor(context: PipelineContext): PipelineContext {
    if (context instanceof DispatchContext) return context.cancelledBy(this);
    // A context some behaviour made up: derive it the public way.
    const derived = context.withCancellation();
    this.cancelForeign = derived.cancel;
    return derived.context;
  }

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
    if (this.parent.aborted) {
      this.resolve(cancelled(this.limit.typeName, this.parent));
      return;
    }
    const timedOut = this.limit.timedOut();
    // Settle first, then abort: whatever the handler returns or throws on abort arrives too late to count.
    this.resolve(timedOut);
    if (this.cancelForeign === undefined) this.cancel(timedOut.error);
    else this.cancelForeign(timedOut.error);
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
      const limit: TimeLimit = { typeName, timedOut: () => fail(new CatgaError('TIMEOUT', text, { retryable: true, details })) };
      const queue = new DeadlineQueue<Attempt>();
      return hookedStep<number>({
        timed: true,
        // The attempt's deadline, on the queue's clock (performance.now()).
        enter: (_message, _context, startedAt) => startedAt + timeoutMs,
        within: (deadline, context, inner) =>
          new Promise<CatgaResult<unknown>>((resolve, reject) => {
            const attempt = new Attempt(context.signal, deadline, resolve, limit);
            queue.add(attempt);
            // `inner` never rejects; should it, the rejection becomes the behaviour's own failure (PIPELINE_FAILED).
            inner(attempt.contextFor(context)).then(
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
