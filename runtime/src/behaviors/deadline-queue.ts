/** Something waiting for its deadline. */
export interface Deadlined {
  readonly deadline: number;
  /** Called once when the deadline passes while it is still queued. */
  expire(): void;
}

/**
 * Pending deadlines of one message type, served by a single timer. All entries of a type share one `timeoutMs`, so
 * they arrive in deadline order and the oldest is always due first: a `Set` (insertion-ordered, O(1) add/delete) plus
 * one timer armed for the head replaces a `setTimeout`/`clearTimeout` pair per call, which costs more than the rest
 * of a send. Completed entries leave the set at once, so memory follows what is in flight.
 *
 * While any attempt is pending the timer keeps the process alive (a caller awaiting a hung handler must get its
 * TIMEOUT, not see the process exit under it); once none is pending it is `unref`'d, so an idle instance never
 * holds a process open. Toggling ref/unref is a flag flip, far cheaper than re-creating the timer.
 */
export class DeadlineQueue<T extends Deadlined> {
  private readonly pending = new Set<T>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  add(entry: T): void {
    this.pending.add(entry);
    if (this.timer === undefined) this.arm(entry.deadline);
    else if (this.pending.size === 1) (this.timer as { ref?: () => void }).ref?.();
  }

  /** Removes a settled entry. The timer stays armed; when it fires it finds nothing due and re-arms or stops. */
  remove(entry: T): void {
    this.pending.delete(entry);
    if (this.pending.size === 0 && this.timer !== undefined) (this.timer as { unref?: () => void }).unref?.();
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.expireDue, Math.max(0, deadline - Date.now()));
  }

  private readonly expireDue = (): void => {
    this.timer = undefined;
    const now = Date.now();
    for (const entry of this.pending) {
      if (entry.deadline > now) {
        this.arm(entry.deadline);
        return;
      }
      this.pending.delete(entry);
      entry.expire();
    }
  };
}
