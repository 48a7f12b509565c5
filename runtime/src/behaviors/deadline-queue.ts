/** Something waiting for its deadline. */
export interface Deadlined {
  /** When it is due, as `performance.now()` (monotonic: a wall-clock change moves no deadline). */
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
 * TIMEOUT, not see the process exit under it); once none is pending at the end of an event-loop turn it is
 * `unref`'d, so an idle instance never holds a process open.
 */
export class DeadlineQueue<T extends Deadlined> {
  private readonly pending = new Set<T>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the timer holds the process open. */
  private held = false;
  /** The check that lets go of the process once the queue stayed empty to the end of a turn, when scheduled. */
  private release: ReturnType<typeof setImmediate> | undefined;

  add(entry: T): void {
    this.pending.add(entry);
    if (this.timer === undefined) this.arm(entry.deadline);
    else if (!this.held) this.hold(true);
  }

  /** Removes a settled entry. The timer stays armed; when it fires it finds nothing due and re-arms or stops. */
  remove(entry: T): void {
    this.pending.delete(entry);
    // Letting go at once would flip the timer's ref twice per call (a native call each way) when calls follow each
    // other; the check at the end of the event-loop turn does it once per turn instead.
    if (this.pending.size === 0 && this.held && this.release === undefined) {
      this.release = setImmediate(this.releaseIfIdle);
      this.release.unref();
    }
  }

  private hold(held: boolean): void {
    this.held = held;
    const timer = this.timer as { ref?: () => void; unref?: () => void } | undefined;
    if (held) timer?.ref?.();
    else timer?.unref?.();
  }

  private readonly releaseIfIdle = (): void => {
    this.release = undefined;
    if (this.pending.size === 0 && this.held) this.hold(false);
  };

  private arm(deadline: number): void {
    this.timer = setTimeout(this.expireDue, Math.max(0, deadline - performance.now()));
    this.held = true;
  }

  private readonly expireDue = (): void => {
    this.timer = undefined;
    this.held = false;
    const now = performance.now();
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
