import { NEVER_ABORTED } from '../core/abort.js';
import { ErrorCode } from '../core/error-codes.js';
import { cancelled } from '../core/failures.js';
import { type ConcurrencyOptions, POLICY_CHECKS } from '../core/message-options.js';
import type { Next, PipelineBehavior } from '../core/pipeline.js';
import { type CatgaResult, fail } from '../core/result.js';
import { effectivePolicy } from './policy.js';

/** Wakes one queued call: `true` when it was handed a slot, `false` when it was cancelled. */
type Waiter = (admitted: boolean) => void;

/**
 * The slots of one message type: `active` calls run, at most `queueSize` wait in arrival order. A finishing call
 * hands its slot straight to the oldest waiter, so a newcomer can never overtake the queue.
 */
class Bulkhead {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly queueSize: number,
  ) {}

  /** Takes a slot now when one is free. */
  tryEnter(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    return true;
  }

  /** Whether the queue has room for one more. */
  canQueue(): boolean {
    return this.queue.length < this.queueSize;
  }

  /** Waits for a slot; resolves `false` (and leaves the queue) when `signal` aborts first. */
  wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = (admitted) => {
        if (signal !== NEVER_ABORTED) signal.removeEventListener('abort', onAbort);
        resolve(admitted);
      };
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        waiter(false);
      };
      if (signal !== NEVER_ABORTED) signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Gives the slot of a finished call to the oldest waiter, or frees it. */
  leave(): void {
    const next = this.queue.shift();
    if (next === undefined) this.active--;
    else next(true);
  }

  /** Runs `next` in a slot already taken and gives the slot back however it ends. */
  async run(next: Next): Promise<CatgaResult<unknown>> {
    try {
      return await next();
    } finally {
      this.leave();
    }
  }
}

/**
 * A bulkhead per message type (per event handler): at most `limit` handler calls run at once, up to `queue`
 * (default 0) more wait for a slot in arrival order, and beyond that a call fails at once with
 * `CONCURRENCY_LIMITED` (retryable). A caller cancelling while queued gets `CANCELLED` and leaves the queue. A slot
 * is released when the inner pipeline settles, and goes to the oldest waiter.
 *
 * @param instanceWide the limit of every message type; a message's own `concurrency` option is merged over it, and
 *   `concurrency: false` exempts the message. Types with neither get no step at all.
 */
export function concurrencyLimitBehavior(instanceWide?: ConcurrencyOptions): PipelineBehavior {
  if (instanceWide !== undefined) POLICY_CHECKS.concurrency(instanceWide, 'concurrency');
  return {
    name: 'concurrency-limit',
    forMessage(descriptor) {
      const policy = effectivePolicy(descriptor, 'concurrency', instanceWide);
      if (policy === undefined) return undefined;
      const { typeName } = descriptor;
      POLICY_CHECKS.concurrency(policy, `${typeName}.concurrency`);
      const limit = policy.limit;
      const queue = policy.queue ?? 0;
      const bulkhead = new Bulkhead(limit, queue);
      return async (_message, context, next) => {
        if (bulkhead.tryEnter()) return bulkhead.run(next);
        if (!bulkhead.canQueue()) {
          return fail(ErrorCode.CONCURRENCY_LIMITED, `"${typeName}" is at its concurrency limit: ${limit} running, ${queue} queued`, {
            retryable: true,
            details: { messageType: typeName, limit, queue },
          });
        }
        // A slot handed over by `leave` is already counted as active: run in it without entering again.
        if (await bulkhead.wait(context.signal)) return bulkhead.run(next);
        return cancelled(typeName, context.signal);
      };
    },
  };
}
