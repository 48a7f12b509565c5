import { NEVER_ABORTED } from './abort.js';

/**
 * A cancellation whose `AbortSignal` is created only when someone reads it. Creating an `AbortController` (and
 * combining it with the caller's signal through `AbortSignal.any`) costs microseconds in Node — far more than the rest
 * of a send — while most handlers never look at their signal. So the timeout behaviour hands out one of these: the
 * signal exists only for handlers that use it, and `cancel` aborts it if it exists (or makes it born aborted).
 */
export class LazyCancellation {
  private controller: AbortController | undefined;
  private combined: AbortSignal | undefined;
  private cancelled = false;
  private reason: unknown;

  /** @param parent the signal this one follows (the timeout's attempt reads it to tell a caller's abort from its own) */
  constructor(protected readonly parent: AbortSignal) {}

  /** The signal: aborts when the parent does or when {@link LazyCancellation.cancel} is called. */
  get signal(): AbortSignal {
    if (this.combined === undefined) {
      const controller = (this.controller = new AbortController());
      if (this.cancelled) controller.abort(this.reason);
      this.combined = this.parent === NEVER_ABORTED ? controller.signal : AbortSignal.any([this.parent, controller.signal]);
    }
    return this.combined;
  }

  /** Aborts the signal with `reason` (now if it exists, at birth otherwise). Later calls do nothing. */
  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
