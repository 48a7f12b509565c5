import { CatgaCommand, CatgaHandler, Command, type HandlerContext, createCatga } from '@catga/runtime';
import { type Deadlined, DeadlineQueue } from '../../src/behaviors/deadline-queue.js';
import { NEVER_ABORTED } from '../../src/core/abort.js';
import { LazyCancellation } from '../../src/core/lazy-cancellation.js';

describe('DeadlineQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A queue entry that notes its expiry in `expired`. */
  function entry(deadline: number, name: number, expired: number[]): Deadlined {
    return { deadline, expire: () => expired.push(name), earlier: undefined, later: undefined };
  }

  it('serves many pending deadlines with one timer, expiring them in order', async () => {
    const queue = new DeadlineQueue<Deadlined>();
    const expired: number[] = [];
    const start = performance.now();
    const entries = Array.from({ length: 100 }, (_, i) => entry(start + 100 + i, i, expired));
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

  it('puts an earlier deadline that arrives late in its place and re-arms the timer for it', async () => {
    const queue = new DeadlineQueue<Deadlined>();
    const expired: number[] = [];
    const start = performance.now();
    const [slow, slower, quick, quickest] = [entry(start + 300, 300, expired), entry(start + 400, 400, expired), entry(start + 50, 50, expired), entry(start + 20, 20, expired)];
    for (const one of [slow, slower, quick, quickest]) queue.add(one);
    queue.remove(quick!);
    queue.remove(quick!); // removing twice (or after expiry) does nothing
    await jest.advanceTimersByTimeAsync(20);
    expect(expired).toEqual([20]);
    await jest.advanceTimersByTimeAsync(280);
    expect(expired).toEqual([20, 300]);
    queue.remove(slow!); // already expired: nothing to do, the rest stays queued
    await jest.advanceTimersByTimeAsync(100);
    expect(expired).toEqual([20, 300, 400]);
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
