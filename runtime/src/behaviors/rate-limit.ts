import { NEVER_ABORTED } from '../core/abort.js';
import { ErrorCode } from '../core/error-codes.js';
import { cancelled } from '../core/failures.js';
import { POLICY_CHECKS, type RateLimitOptions } from '../core/message-options.js';
import type { PipelineBehavior } from '../core/pipeline.js';
import { type Fail, fail } from '../core/result.js';
import { effectivePolicy } from './policy.js';

// Float refill arithmetic can leave 0.9999999 where 1 token was meant; this much short of a token counts as one.
const EPSILON = 1e-9;

/** How a wait for a token ended. */
type Admission = 'granted' | 'timeout' | 'aborted';

/** Settles one queued call. */
type Waiter = (admission: Admission) => void;

/**
 * A token bucket with a FIFO queue of waiters. Time comes from `Date.now()` and `setTimeout`, so fake timers
 * drive it in tests. Refill is computed lazily from the elapsed time; one timer at most wakes the queue's head.
 */
class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();
  private readonly queue: Waiter[] = [];
  private wakeUp: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly rps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes a token now if one is free and nobody queues ahead (FIFO: late comers must not overtake waiters). */
  tryTake(): boolean {
    if (this.queue.length > 0) return false;
    this.refill();
    if (this.tokens < 1 - EPSILON) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Ms until a newcomer would get a token, counting the waiters ahead of it. */
  retryAfterMs(): number {
    this.refill();
    const missing = this.queue.length + 1 - this.tokens;
    return Math.max(1, Math.ceil((missing * 1000) / this.rps));
  }

  /** Queues for a token; settles `timeout` after `maxWaitMs`, `aborted` when the signal aborts (leaving the queue). */
  wait(signal: AbortSignal, maxWaitMs: number): Promise<Admission> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise<Admission>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (admission: Admission): void => {
        clearTimeout(timer);
        if (signal !== NEVER_ABORTED) signal.removeEventListener('abort', onAbort);
        resolve(admission);
      };
      const leave = (admission: Admission): void => {
        const index = this.queue.indexOf(settle);
        if (index >= 0) this.queue.splice(index, 1);
        // Nobody left to wake: drop the timer rather than keep the process busy for nothing.
        if (this.queue.length === 0 && this.wakeUp !== undefined) {
          clearTimeout(this.wakeUp);
          this.wakeUp = undefined;
        }
        settle(admission);
      };
      const onAbort = (): void => leave('aborted');
      if (signal !== NEVER_ABORTED) signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(settle);
      this.schedule();
      timer = setTimeout(() => {
        // A token due exactly at the deadline still counts, whichever of the two timers fires first.
        this.drain();
        if (this.queue.includes(settle)) leave('timeout');
      }, maxWaitMs);
    });
  }

  /** Hands out the tokens refilled so far to the oldest waiters, then sleeps until the next one is due. */
  private drain(): void {
    clearTimeout(this.wakeUp);
    this.wakeUp = undefined;
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1 - EPSILON) {
      this.tokens = Math.max(0, this.tokens - 1);
      this.queue.shift()!('granted');
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.wakeUp !== undefined || this.queue.length === 0) return;
    this.refill();
    const delay = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rps));
    this.wakeUp = setTimeout(() => this.drain(), delay);
  }

  private refill(): void {
    const now = Date.now();
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.rps) / 1000);
    }
    this.refilledAt = now;
  }
}

function rateLimited(typeName: string, retryAfterMs: number, waitedMs?: number): Fail {
  const why = waitedMs === undefined ? 'no token free' : `no token within ${waitedMs} ms`;
  return fail(ErrorCode.RATE_LIMITED, `"${typeName}" is rate limited: ${why}; retry after ${retryAfterMs} ms`, {
    retryable: true,
    details: { messageType: typeName, retryAfterMs },
  });
}

/**
 * Limits how often each message type (each event handler) is handled: a token bucket refilled with `rps` tokens per
 * second holding at most `burst` (default `max(1, ceil(rps))`). A call without a token fails at once with
 * `RATE_LIMITED` (retryable, `details.retryAfterMs`), or in `mode: 'wait'` queues in arrival order for up to
 * `maxWaitMs` (default 1,000) first; a caller cancelling while it waits gets `CANCELLED` and leaves the queue.
 *
 * @param instanceWide the limit of every message type; a message's own `rateLimit` option is merged over it, and
 *   `rateLimit: false` exempts the message. Types with neither get no step at all.
 */
export function rateLimitBehavior(instanceWide?: RateLimitOptions): PipelineBehavior {
  if (instanceWide !== undefined) POLICY_CHECKS.rateLimit(instanceWide, 'rateLimit');
  return {
    name: 'rate-limit',
    forMessage(descriptor) {
      const policy = effectivePolicy(descriptor, 'rateLimit', instanceWide);
      if (policy === undefined) return undefined;
      const { typeName } = descriptor;
      POLICY_CHECKS.rateLimit(policy, `${typeName}.rateLimit`);
      const bucket = new TokenBucket(policy.rps, policy.burst ?? Math.max(1, Math.ceil(policy.rps)));
      if (policy.mode !== 'wait') {
        return async (_message, _context, next) => (bucket.tryTake() ? next() : rateLimited(typeName, bucket.retryAfterMs()));
      }
      const maxWaitMs = policy.maxWaitMs ?? 1_000;
      return async (_message, context, next) => {
        if (bucket.tryTake()) return next();
        const { signal } = context;
        if (maxWaitMs === 0) return rateLimited(typeName, bucket.retryAfterMs(), 0);
        const admission = await bucket.wait(signal, maxWaitMs);
        if (admission === 'granted') return next();
        if (admission === 'aborted') return cancelled(typeName, signal);
        return rateLimited(typeName, bucket.retryAfterMs(), maxWaitMs);
      };
    },
  };
}
