/** Something waiting for its deadline. */
export interface Deadlined {
  /** When it is due, as `performance.now()` (monotonic: a wall-clock change moves no deadline). */
  readonly deadline: number;
  /** Called once when the deadline passes while it is still queued. */
  expire(): void;
  /**
   * The entries queued before and after this one. Only the queue writes them (the list is intrusive: linking an
   * entry allocates nothing); start both as `undefined`.
   */
  earlier: Deadlined | undefined;
  later: Deadlined | undefined;
}

/**
 * Pending deadlines, served by a single timer: a doubly linked list through the entries themselves, in deadline
 * order, plus one timer armed for the head. That replaces a `setTimeout`/`clearTimeout` pair per call, which costs
 * more than the rest of a send. Entries of one message type share one `timeoutMs`, so they arrive in deadline order
 * and go to the end of the list at O(1), allocating nothing (a `Set` did the same job at ~40 ns more per call: it
 * hashes every new entry); one that arrives out of order (a shorter limit) is put in its place, walking back from
 * the end. Completed entries leave the list at once, so memory follows what is in flight.
 *
 * While any attempt is pending the timer keeps the process alive (a caller awaiting a hung handler must get its
 * TIMEOUT, not see the process exit under it); once none is pending at the end of an event-loop turn it is
 * `unref`'d, so an idle instance never holds a process open.
 */
export class DeadlineQueue<T extends Deadlined> {
  private first: T | undefined;
  private last: T | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is armed for. */
  private armedFor = 0;
  /** Whether the timer holds the process open. */
  private held = false;
  /** The check that lets go of the process once the queue stayed empty to the end of a turn, when scheduled. */
  private release: ReturnType<typeof setImmediate> | undefined;

  add(entry: T): void {
    let earlier = this.last as Deadlined | undefined;
    while (earlier !== undefined && earlier.deadline > entry.deadline) earlier = earlier.earlier;
    const later = earlier === undefined ? this.first : earlier.later;
    entry.earlier = earlier;
    entry.later = later;
    if (earlier === undefined) this.first = entry;
    else earlier.later = entry;
    if (later === undefined) this.last = entry;
    else later.earlier = entry;
    if (this.timer === undefined) {
      this.arm(entry.deadline);
    } else if (entry.deadline < this.armedFor) {
      clearTimeout(this.timer);
      this.arm(entry.deadline);
    } else if (!this.held) {
      this.hold(true);
    }
  }

  /**
   * Removes an entry that settled before its deadline; does nothing when it is not queued (expired, removed). The
   * timer stays armed; when it fires it finds nothing due and re-arms or stops.
   */
  remove(entry: T): void {
    if (!this.unlink(entry)) return;
    // Letting go at once would flip the timer's ref twice per call (a native call each way) when calls follow each
    // other; the check at the end of the event-loop turn does it once per turn instead.
    if (this.first === undefined && this.held && this.release === undefined) {
      this.release = setImmediate(this.releaseIfIdle);
      this.release.unref();
    }
  }

  /** Takes `entry` out of the list; `false` when it was not in it. */
  private unlink(entry: T): boolean {
    const { earlier, later } = entry;
    if (earlier === undefined && this.first !== entry) return false;
    if (earlier === undefined) this.first = later as T | undefined;
    else earlier.later = later;
    if (later === undefined) this.last = earlier as T | undefined;
    else later.earlier = earlier;
    entry.earlier = undefined;
    entry.later = undefined;
    return true;
  }

  private hold(held: boolean): void {
    this.held = held;
    const timer = this.timer as { ref?: () => void; unref?: () => void } | undefined;
    if (held) timer?.ref?.();
    else timer?.unref?.();
  }

  private readonly releaseIfIdle = (): void => {
    this.release = undefined;
    if (this.first === undefined && this.held) this.hold(false);
  };

  private arm(deadline: number): void {
    this.timer = setTimeout(this.expireDue, Math.max(0, deadline - performance.now()));
    this.armedFor = deadline;
    this.held = true;
  }

  private readonly expireDue = (): void => {
    this.timer = undefined;
    this.held = false;
    const now = performance.now();
    for (let entry = this.first; entry !== undefined; entry = this.first) {
      if (entry.deadline > now) {
        this.arm(entry.deadline);
        return;
      }
      this.unlink(entry);
      entry.expire();
    }
  };
}
