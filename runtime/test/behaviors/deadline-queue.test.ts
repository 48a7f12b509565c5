import { CatgaCommand, CatgaHandler, Command, type HandlerContext, createCatga } from '@catga/runtime';
import { DeadlineQueue } from '../../src/behaviors/deadline-queue.js';
import { NEVER_ABORTED } from '../../src/core/abort.js';
import { LazyCancellation } from '../../src/core/lazy-cancellation.js';

describe('DeadlineQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('serves many pending deadlines with one timer, expiring them in order', async () => {
    const queue = new DeadlineQueue<{ deadline: number; expire(): void }>();
    const expired: number[] = [];
    const start = performance.now();
    const entries = Array.from({ length: 100 }, (_, i) => ({ deadline: start + 100 + i, expire: () => expired.push(i) }));
    for (const entry of entries) queue.add(entry);
    expect(jest.getTimerCount()).toBe(1);
    queue.remove(entries[0]!); // settled before its deadline
    await jest.advanceTimersByTimeAsync(101);
    expect(expired).toEqual([1]);
    await jest.advanceTimersByTimeAsync(98);
    expect(expired).toHaveLength(99);
    expect(expired.slice(0, 3)).toEqual([1, 2, 3]);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('LazyCancellation', () => {
  it('creates no signal until read, and a signal read after cancel is born aborted', () => {
    const lazy = new LazyCancellation(NEVER_ABORTED);
    lazy.cancel(new Error('too slow'));
    expect(lazy.signal.aborted).toBe(true);
    expect((lazy.signal.reason as Error).message).toBe('too slow');
  });

  it('follows its parent signal', () => {
    const parent = new AbortController();
    const lazy = new LazyCancellation(parent.signal);
    const { signal } = lazy;
    expect(signal.aborted).toBe(false);
    parent.abort('caller left');
    expect(signal.aborted).toBe(true);
    expect(lazy.parentAborted).toBe(true);
  });
});

describe('timeout with many concurrent calls', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  @CatgaCommand({ timeoutMs: 100 })
  class Slow extends Command<string> {
    constructor(readonly readsSignalLate: boolean) {
      super();
    }
  }

  const lateSignals: AbortSignal[] = [];

  @CatgaHandler(Slow)
  class SlowHandler {
    handle(command: Slow, context: HandlerContext): Promise<string> {
      return new Promise((resolve) =>
        setTimeout(() => {
          if (command.readsSignalLate) lateSignals.push(context.signal); // first read after the timeout fired
          resolve('late');
        }, 500),
      );
    }
  }

  it('times every call out with one timer for the type, and a signal read late is already aborted', async () => {
    const catga = createCatga({ preset: 'highPerformance' }).handler(SlowHandler).build();
    const calls = Array.from({ length: 50 }, (_, i) => catga.send(new Slow(i === 0)));
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(51); // 50 handler timers + 1 deadline timer for the type
    await jest.advanceTimersByTimeAsync(100);
    const results = await Promise.all(calls);
    expect(results.every((r) => !r.ok && r.error.code === 'TIMEOUT')).toBe(true);
    await jest.advanceTimersByTimeAsync(400);
    expect(lateSignals).toHaveLength(1);
    expect(lateSignals[0]!.aborted).toBe(true);
    expect((lateSignals[0]!.reason as { code?: string }).code).toBe('TIMEOUT');
  });
});
