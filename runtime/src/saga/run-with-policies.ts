import { abortReason, sleep } from '../core/abort.js';
import { CatgaError, isCatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { SagaRetryOptions } from './saga-definition.js';

/** The outcome of a step or compensation after its attempts. */
export type PolicyOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CatgaError };

/**
 * Runs `work` with a time limit per attempt and retries retryable failures with exponential backoff. Thrown values
 * that are not `CatgaError`s count as final `HANDLER_FAILED` (most likely a bug: retrying would repeat it). Stops at
 * once, without retry, when `stop` aborts.
 */
export async function runWithPolicies<T>(
  what: string,
  work: (attempt: number, signal: AbortSignal) => Promise<T>,
  policies: { readonly timeoutMs?: number; readonly retry?: SagaRetryOptions },
  stop: AbortSignal,
): Promise<PolicyOutcome<T>> {
  const attempts = policies.retry?.attempts ?? 1;
  let delay = policies.retry?.delayMs ?? 100;
  const maxDelay = policies.retry?.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(what, (signal) => work(attempt, signal), policies.timeoutMs, stop);
    if (outcome.ok || !outcome.error.retryable || attempt >= attempts || stop.aborted) return outcome;
    await sleep(Math.min(delay, maxDelay), stop);
    delay *= 2;
  }
}

function attemptOnce<T>(what: string, work: (signal: AbortSignal) => Promise<T>, timeoutMs: number | undefined, stop: AbortSignal): Promise<PolicyOutcome<T>> {
  return new Promise((resolve) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: PolicyOutcome<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolve(outcome);
    };
    function onStop(): void {
      controller.abort(abortReason(stop));
      settle({ ok: false, error: new CatgaError(ErrorCode.CANCELLED, `${what} was stopped: the saga host is closing`, { retryable: true }) });
    }
    if (stop.aborted) return onStop();
    stop.addEventListener('abort', onStop, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const error = new CatgaError(ErrorCode.TIMEOUT, `${what} did not finish within ${timeoutMs} ms`, { details: { timeoutMs } });
        controller.abort(error);
        settle({ ok: false, error });
      }, timeoutMs);
    }
    // A late outcome of an attempt given up on (timeout, stop) is ignored: `settle` runs once.
    Promise.resolve()
      .then(() => work(controller.signal))
      .then(
        (value) => settle({ ok: true, value }),
        (thrown: unknown) => settle({ ok: false, error: asCatgaError(what, thrown) }),
      );
  });
}

function asCatgaError(what: string, thrown: unknown): CatgaError {
  if (isCatgaError(thrown)) return thrown;
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return new CatgaError(ErrorCode.HANDLER_FAILED, `${what} threw: ${reason}`, { retryable: false, cause: thrown });
}
