/**
 * Counts handler calls in progress, so that closing can wait for them. Calls are counted where they start and end
 * (the fused handle() ends through its `call.ok`/`call.fail`, the other executors in the reactions they already
 * have): counting adds no promise reaction of its own to a send.
 */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] | undefined;

  start(): void {
    this.count++;
  }

  end(): void {
    if (--this.count === 0 && this.waiters !== undefined) {
      const waiters = this.waiters;
      this.waiters = undefined;
      for (const resolve of waiters) resolve();
    }
  }

  /** Resolves once no call is in progress (at once when none is). */
  whenIdle(): Promise<void> {
    if (this.count <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }
}
