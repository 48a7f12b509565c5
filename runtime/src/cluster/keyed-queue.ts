/**
 * Runs tasks one at a time per key, in the order they were queued, while tasks of different keys run concurrently.
 * A key with nothing queued costs nothing: its entry is removed when its last task ends.
 */
export class KeyedQueue {
  // The head of each key's queue is running; the rest wait behind it.
  private readonly queues = new Map<string, Array<() => void>>();

  /** Keys with a task running. */
  get activeKeys(): number {
    return this.queues.size;
  }

  /** Queues `task` behind every task queued before for `key`; resolves or rejects as the task does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        let running: Promise<T>;
        try {
          running = task();
        } catch (thrown) {
          running = Promise.reject(thrown);
        }
        running.then(resolve, reject).finally(() => this.next(key));
      };
      const waiting = this.queues.get(key);
      if (waiting === undefined) {
        this.queues.set(key, []);
        start();
      } else {
        waiting.push(start);
      }
    });
  }

  private next(key: string): void {
    const waiting = this.queues.get(key);
    const start = waiting?.shift();
    if (start === undefined) this.queues.delete(key);
    else start();
  }
}
