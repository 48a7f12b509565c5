/** Confirms core publishes in batches: one server round trip (PING/PONG) acknowledges every publish written before it. */
export class PublishConfirmer {
  private waiting: Array<(error: Error | undefined) => void> = [];
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;

  constructor(
    /** Resolves once the server has processed everything written so far (`nc.flush()`). */
    private readonly flush: () => Promise<void>,
    private readonly maxMessages: number,
    private readonly maxDelayMs: number,
  ) {}

  /** Resolves with `undefined` once the server has what was published before the call, or with the flush error. */
  confirm(): Promise<Error | undefined> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length >= this.maxMessages) this.flushNow();
      else if (this.timer === undefined) {
        this.timer = this.maxDelayMs === 0 ? setImmediate(this.flushNow) : setTimeout(this.flushNow, this.maxDelayMs);
      }
    });
  }

  /** Confirms whatever is waiting now (on close). */
  readonly flushNow = (): void => {
    if (this.timer !== undefined) {
      if (this.maxDelayMs === 0) clearImmediate(this.timer as ReturnType<typeof setImmediate>);
      else clearTimeout(this.timer as ReturnType<typeof setTimeout>);
      this.timer = undefined;
    }
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.flush().then(
      () => batch.forEach((resolve) => resolve(undefined)),
      (error: unknown) => batch.forEach((resolve) => resolve(error instanceof Error ? error : new Error(String(error)))),
    );
  };
}
