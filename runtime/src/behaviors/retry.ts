import { cancelled } from '../core/failures.js';
import type { RetryOptions } from '../core/message-options.js';
import type { PipelineBehavior, PipelineStep } from '../core/pipeline.js';
import type { CatgaResult } from '../core/result.js';
import { effectivePolicy } from './policy.js';
import { POLICY_CHECKS } from '../core/message-options.js';
import { sleep } from '../core/abort.js';

const DEFAULT_BASE_DELAY_MS = 100;
const DEFAULT_MAX_DELAY_MS = 10_000;

/** Options of {@link retryBehavior} that are not policy: hooks for tests. */
export interface RetryBehaviorOptions {
  /** Source of jitter in [0, 1) (default `Math.random`); inject a fixed one to make delays predictable. */
  readonly random?: () => number;
}

// Only failures that say a later attempt may succeed. CANCELLED never: the caller no longer wants the answer.
function isRetryable(result: CatgaResult<unknown>): boolean {
  return !result.ok && result.error.retryable && result.error.code !== 'CANCELLED';
}


/**
 * Retries failed calls whose error is `retryable` (never `CANCELLED`), with exponential backoff and full jitter:
 * before retry n it waits `random() * min(maxDelayMs, baseDelayMs * 2 ** (n - 1))` ms. Every attempt runs the inner
 * behaviours and the handler again, so place it outside the timeout behaviour ({@link BehaviorOrder}) to give each
 * attempt a fresh time limit. When the attempts run out, the last failure is returned unchanged.
 *
 * The policy of a message type is its `retry` decorator option merged over `instanceWide`; `retry: false` turns
 * retries off for that type. Types without a policy (or with `attempts: 1`) get no step at all.
 *
 * @param instanceWide policy for every message type that does not declare its own
 * @param options test hooks, see {@link RetryBehaviorOptions}
 */
export function retryBehavior(instanceWide?: RetryOptions, options: RetryBehaviorOptions = {}): PipelineBehavior {
  if (instanceWide !== undefined) POLICY_CHECKS.retry(instanceWide, 'retryBehavior');
  const random = options.random ?? Math.random;
  return {
    name: 'retry',
    forMessage(descriptor): PipelineStep | undefined {
      const policy = effectivePolicy(descriptor, 'retry', instanceWide);
      // One attempt is no retry: stay out of the pipeline entirely.
      if (policy === undefined || policy.attempts <= 1) return undefined;
      const { attempts } = policy;
      const { typeName } = descriptor;
      const baseDelayMs = policy.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
      const maxDelayMs = policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
      return async (_message, context, next) => {
        let result = await next();
        for (let retry = 1; retry < attempts && isRetryable(result); retry++) {
          const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
          if (!(await sleep(random() * ceiling, context.signal))) return cancelled(typeName, context.signal);
          result = await next();
        }
        return result;
      };
    },
  };
}
