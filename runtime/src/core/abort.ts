/**
 * A signal that never aborts: handed to handlers when the caller gave none, so no controller is allocated per call.
 * Hot paths compare with it before reading `aborted` (a getter with checks, in Node).
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Settles with `work`, or with `onAbort()` as soon as `signal` aborts, whichever comes first. `work` must never
 * reject (Catga's internal promises resolve to results), so abandoning it cannot cause an unhandled rejection.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onAbort());
  return new Promise<T>((resolve) => {
    const abort = (): void => resolve(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    void work.then((value) => {
      signal.removeEventListener('abort', abort);
      resolve(value);
    });
  });
}

/** The reason text of an aborted signal, for error messages. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}

/**
 * Waits `ms` and resolves `true`, or resolves `false` as soon as `signal` aborts (the timer is cleared, so an
 * abandoned wait holds nothing). Used by behaviours that back off or poll.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    if (signal !== NEVER_ABORTED) signal.addEventListener('abort', onAbort, { once: true });
  });
}
