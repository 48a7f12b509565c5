interface Waiter {
  readonly admit: (admitted: boolean) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Bounds how many sends and reliable publishes wait for the server at once, so a burst cannot grow memory (pending
 * replies, buffered payloads) without limit. The uncontended path is a counter, no promise.
 */
export class InFlightLimit {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly limit: number,
    private readonly mode: 'wait' | 'reject',
    private readonly maxWaitMs: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  /** `true` when a slot was taken at once; `false` when full in `reject` mode; else a promise of the outcome of waiting. */
  acquire(): boolean | Promise<boolean> {
    if (this.active < this.limit) {
      this.active++;
      return true;
    }
    if (this.mode === 'reject') return false;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(false);
        }, this.maxWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Frees a slot taken by {@link InFlightLimit.acquire}; the oldest waiter gets it. */
  release(): void {
    const next = this.waiters.shift();
    if (next === undefined) {
      this.active--;
      return;
    }
    clearTimeout(next.timer);
    next.admit(true); // the slot passes to the waiter: `active` stays the same
  }

  /** Turns every waiter away (on close). */
  rejectWaiters(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.admit(false);
    }
  }
}
