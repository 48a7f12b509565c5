import {
  type Awaitable,
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  type CatgaResult,
  type CircuitBreakerOptions,
  Command,
  type ErrorCode,
  Event,
  type HandlerContext,
  type PipelineBehavior,
  type PipelineStep,
  createCatga,
  fail,
} from '@catga/runtime';
import { contextOf, stepFor } from '../support/step-harness.js';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { circuitBreakerBehavior } from '../../src/behaviors/circuit-breaker.js';
import { retryBehavior } from '../../src/behaviors/retry.js';
import { timeoutBehavior } from '../../src/behaviors/timeout.js';

@CatgaCommand()
class Pay extends Command<string> {}

@CatgaCommand()
class Refund extends Command<string> {}

@CatgaCommand({ circuitBreaker: { failures: 1, resetMs: 1_000 } })
class PayGuarded extends Command<string> {}

@CatgaCommand({ circuitBreaker: false })
class PayUnguarded extends Command<string> {}

@CatgaEvent()
class Paid extends Event {}

/** What a handler call does: succeed, throw (HANDLER_FAILED), fail with a code, or wait for `release`. */
type Behaviour = 'ok' | 'boom' | 'hang' | ErrorCode | `retryable ${ErrorCode}`;
let script: Behaviour[] = [];
/** Every handler call, by handler name. */
let handled: string[] = [];
/** Settles the latest hanging call: with a success, or by throwing (HANDLER_FAILED). */
let release: ((outcome?: 'ok' | 'boom') => void) | undefined;

function run(handler: string, context: HandlerContext): Awaitable<string> {
  handled.push(handler);
  const behaviour = script.shift() ?? 'ok';
  if (behaviour === 'ok') return 'done';
  if (behaviour === 'boom') throw new Error('database down');
  if (behaviour === 'hang') {
    return new Promise<string>((resolve, reject) => {
      release = (outcome = 'ok') => (outcome === 'ok' ? resolve('done late') : reject(new Error('failed late')));
      context.signal.addEventListener('abort', () => reject(context.signal.reason));
    });
  }
  if (behaviour.startsWith('retryable ')) {
    throw new CatgaError(behaviour.slice('retryable '.length) as ErrorCode, 'try again', { retryable: true });
  }
  throw new CatgaError(behaviour as ErrorCode, `failed with ${behaviour}`);
}

@CatgaHandler(Pay)
class PayHandler {
  handle(_command: Pay, context: HandlerContext): Awaitable<string> {
    return run('PayHandler', context);
  }
}
@CatgaHandler(Refund)
class RefundHandler {
  handle(_command: Refund, context: HandlerContext): Awaitable<string> {
    return run('RefundHandler', context);
  }
}
@CatgaHandler(PayUnguarded)
class PayUnguardedHandler {
  handle(_command: PayUnguarded, context: HandlerContext): Awaitable<string> {
    return run('PayUnguardedHandler', context);
  }
}
@CatgaHandler(Paid)
class FlakyPaidHandler {
  handle(): void {
    handled.push('FlakyPaidHandler');
    throw new Error('mail server down');
  }
}
@CatgaHandler(Paid)
class SteadyPaidHandler {
  handle(): void {
    handled.push('SteadyPaidHandler');
  }
}

// `highPerformance`: no behaviour of the preset's own (timeout, circuit breaker, logging) joins the pipeline, so
// the one under test runs alone. Messages sent here declare no policy, so built-in behaviours leave them alone.
function build(...behaviors: Array<[PipelineBehavior, number]>) {
  let builder = createCatga({ preset: 'highPerformance' });
  for (const [behavior, order] of behaviors) builder = builder.use(behavior, { order });
  return builder
    .handler(PayHandler)
    .handler(RefundHandler)
    .handler(PayUnguardedHandler)
    .handler(FlakyPaidHandler)
    .handler(SteadyPaidHandler)
    .build();
}

function breaker(options?: CircuitBreakerOptions): [PipelineBehavior, number] {
  return [circuitBreakerBehavior(options), BehaviorOrder.circuitBreaker];
}

/** `'ok'` or the error code of each result. */
function codes(results: ReadonlyArray<CatgaResult<unknown>>): string[] {
  return results.map((result) => (result.ok ? 'ok' : result.error.code));
}

/** Sends `count` commands one after the other. */
async function sendMany(catga: ReturnType<typeof build>, make: () => Command<string>, count: number): Promise<Array<CatgaResult<unknown>>> {
  const results: Array<CatgaResult<unknown>> = [];
  for (let i = 0; i < count; i++) results.push(await catga.send(make()));
  return results;
}

describe('circuit breaker behaviour', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    script = [];
    handled = [];
    release = undefined;
  });
  afterEach(() => jest.useRealTimers());

  it('stays closed while calls succeed', async () => {
    const catga = build(breaker({ failures: 1 }));
    expect(codes(await sendMany(catga, () => new Pay(), 20))).toEqual(Array(20).fill('ok'));
    expect(handled).toHaveLength(20);
  });

  it('opens at the failure ratio once the window holds minThroughput calls, then refuses without calling the handler', async () => {
    const catga = build(breaker({ minThroughput: 4, failureRatio: 0.5 }));
    script = ['boom', 'boom', 'boom'];
    // Three failures out of three: ratio 1, but below the throughput; the fourth call still reaches the handler.
    expect(codes(await sendMany(catga, () => new Pay(), 4))).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED', 'HANDLER_FAILED', 'ok']);
    expect(handled).toHaveLength(4);

    const fresh = build(breaker({ minThroughput: 4, failureRatio: 0.5 }));
    handled = [];
    script = ['ok', 'boom', 'ok', 'boom'];
    expect(codes(await sendMany(fresh, () => new Pay(), 4))).toEqual(['ok', 'HANDLER_FAILED', 'ok', 'HANDLER_FAILED']);
    const refused = await fresh.send(new Pay());
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.toJSON()).toEqual({
      code: 'CIRCUIT_OPEN',
      message: 'The circuit of "Pay" is open: calls are refused for 30000 ms',
      retryable: true,
      details: { messageType: 'Pay', retryAfterMs: 30_000 },
    });
    expect(handled).toHaveLength(4);
  });

  it('opens after `failures` failures in the window, whatever the ratio', async () => {
    const catga = build(breaker({ failures: 3 }));
    script = ['ok', 'boom', 'ok', 'ok', 'ok', 'boom', 'ok', 'ok', 'boom'];
    const results = await sendMany(catga, () => new Pay(), 10);
    expect(codes(results).slice(-2)).toEqual(['HANDLER_FAILED', 'CIRCUIT_OPEN']);
    expect(handled).toHaveLength(9);
  });

  it.each([0, 1, 83, 166])('forgets failures that have left the sliding window (clock at %i ms into a bucket)', async (offset) => {
    // Buckets are 167 ms here; the outcome must leave by windowMs whatever the clock's alignment to them. The
    // circuit's clock is performance.now(), which the fake timers move.
    await jest.advanceTimersByTimeAsync(((167 - (performance.now() % 167)) % 167) + offset);
    expect(performance.now() % 167).toBe(offset);
    const catga = build(breaker({ failures: 2, windowMs: 10_000 }));
    script = ['boom'];
    await catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(10_001);
    script = ['boom'];
    expect((await catga.send(new Pay())).ok).toBe(false);
    expect((await catga.send(new Pay())).ok).toBe(true); // still closed: one failure in the window
    await jest.advanceTimersByTimeAsync(5_000);
    script = ['boom'];
    await catga.send(new Pay()); // second failure within 10 s of the previous one
    expect(codes([await catga.send(new Pay())])).toEqual(['CIRCUIT_OPEN']);
  });

  it('ignores a success whose call started longer ago than the window (its bucket is gone) without losing newer failures', async () => {
    // 60 buckets of 167 ms: a call that started 10,020 ms ago falls in the slot the current bucket now holds.
    const catga = build(breaker({ failures: 2, windowMs: 10_000 }));
    script = ['hang'];
    const long = catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(60 * 167);
    script = ['boom'];
    expect(codes([await catga.send(new Pay())])).toEqual(['HANDLER_FAILED']);
    release!();
    expect(codes([await long])).toEqual(['ok']);
    script = ['boom'];
    expect(codes([await catga.send(new Pay()), await catga.send(new Pay())])).toEqual(['HANDLER_FAILED', 'CIRCUIT_OPEN']);
  });

  it('runs on the monotonic clock: a wall-clock jump neither reopens nor heals the circuit', async () => {
    const catga = build(breaker({ failures: 1, resetMs: 30_000 }));
    script = ['boom'];
    await catga.send(new Pay());
    jest.setSystemTime(Date.now() + 3_600_000); // the wall clock jumps an hour ahead (NTP, a VM resumed)
    const refused = await catga.send(new Pay());
    expect(refused.ok || refused.error.details).toEqual({ messageType: 'Pay', retryAfterMs: 30_000 });
  });

  it('counts down retryAfterMs while open', async () => {
    const catga = build(breaker({ failures: 1, resetMs: 30_000 }));
    script = ['boom'];
    await catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(12_000);
    const refused = await catga.send(new Pay());
    expect(refused.ok || refused.error.details).toEqual({ messageType: 'Pay', retryAfterMs: 18_000 });
  });

  it('lets exactly one probe through after resetMs; its success closes the circuit with an empty window', async () => {
    const catga = build(breaker({ failures: 2, resetMs: 1_000 }));
    script = ['boom', 'boom'];
    await sendMany(catga, () => new Pay(), 2);
    await jest.advanceTimersByTimeAsync(999);
    expect(codes([await catga.send(new Pay())])).toEqual(['CIRCUIT_OPEN']);
    await jest.advanceTimersByTimeAsync(1);

    script = ['hang'];
    const probe = catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(0);
    const concurrent = await Promise.all([catga.send(new Pay()), catga.send(new Pay())]);
    expect(codes(concurrent)).toEqual(['CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(handled).toHaveLength(3); // two failures and the probe
    release!();
    expect(await probe).toEqual({ ok: true, value: 'done late' });

    // Closed, and the two old failures are gone: one new failure does not reopen it (the threshold is 2).
    script = ['boom'];
    expect(codes(await sendMany(catga, () => new Pay(), 3))).toEqual(['HANDLER_FAILED', 'ok', 'ok']);
    expect(handled).toHaveLength(6);
  });

  it('opens again for resetMs when the probe fails', async () => {
    const catga = build(breaker({ failures: 1, resetMs: 1_000 }));
    script = ['boom'];
    await catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(1_000);
    script = ['boom'];
    expect(codes([await catga.send(new Pay())])).toEqual(['HANDLER_FAILED']); // the probe
    const refused = await catga.send(new Pay());
    expect(refused.ok || [refused.error.code, refused.error.details.retryAfterMs]).toEqual(['CIRCUIT_OPEN', 1_000]);
    expect(handled).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(codes([await catga.send(new Pay())])).toEqual(['ok']); // the next probe
    expect(handled).toHaveLength(3);
  });

  it('lets another probe through when the first has not settled after resetMs, and ignores the stale one', async () => {
    const catga = build(breaker({ failures: 1, resetMs: 1_000 }));
    script = ['boom'];
    await catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(1_000);
    script = ['hang'];
    const stuck = catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(0);
    const releaseStuck = release!;
    await jest.advanceTimersByTimeAsync(999);
    const refused = await catga.send(new Pay());
    expect(refused.ok || refused.error.details.retryAfterMs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    script = ['boom'];
    expect(codes([await catga.send(new Pay())])).toEqual(['HANDLER_FAILED']); // the second probe: open again
    releaseStuck('ok');
    expect(await stuck).toEqual({ ok: true, value: 'done late' });
    expect(codes([await catga.send(new Pay())])).toEqual(['CIRCUIT_OPEN']); // the stale success changed nothing
  });

  it('does not count a call that started before the circuit opened in the window after it closes', async () => {
    const catga = build(breaker({ failures: 2, resetMs: 1_000 }));
    script = ['hang', 'boom', 'boom'];
    const early = catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(0);
    const releaseEarly = release!;
    await sendMany(catga, () => new Pay(), 2); // opens
    await jest.advanceTimersByTimeAsync(1_000);
    expect(codes([await catga.send(new Pay())])).toEqual(['ok']); // the probe closes it
    releaseEarly('boom');
    expect(codes([await early])).toEqual(['HANDLER_FAILED']);
    script = ['boom'];
    expect(codes(await sendMany(catga, () => new Pay(), 2))).toEqual(['HANDLER_FAILED', 'ok']); // one failure only
  });

  it('neither trips nor heals on domain outcomes and cancellations', async () => {
    const catga = build(breaker({ failures: 2 }));
    // One real failure first: any further failure would now open the circuit.
    script = ['boom'];
    await catga.send(new Pay());
    // Even when marked retryable (an optimistic-concurrency CONFLICT, say), a domain answer is not the handler failing.
    script = ['NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'retryable CONFLICT', 'retryable NOT_FOUND', 'retryable CANCELLED'];
    expect(codes(await sendMany(catga, () => new Pay(), 8))).toEqual(['NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'CONFLICT', 'NOT_FOUND', 'CANCELLED']);
    const controller = new AbortController();
    script = ['hang'];
    const cancelledCall = catga.send(new Pay(), { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(0);
    controller.abort();
    expect(codes([await cancelledCall])).toEqual(['CANCELLED']);
    expect(codes([await catga.send(new Pay())])).toEqual(['ok']);
    expect(handled).toHaveLength(11);

    // Not successes either: with minThroughput 2 and ratio 0.5, two failures around ten domain answers open it.
    const ratio = build(breaker({ minThroughput: 2, failureRatio: 0.5 }));
    script = ['boom', ...Array<Behaviour>(10).fill('NOT_FOUND'), 'boom'];
    await sendMany(ratio, () => new Pay(), 12);
    expect(codes([await ratio.send(new Pay())])).toEqual(['CIRCUIT_OPEN']);
  });

  it('counts retryable failures and TIMEOUT from inner behaviours', async () => {
    const catga = build(breaker({ failures: 2 }), [timeoutBehavior(50), BehaviorOrder.timeout]);
    script = ['TRANSPORT_FAILED', 'hang'];
    const first = await catga.send(new Pay());
    const second = catga.send(new Pay());
    await jest.advanceTimersByTimeAsync(50);
    expect(codes([first, await second])).toEqual(['TRANSPORT_FAILED', 'TIMEOUT']);
    expect(codes([await catga.send(new Pay())])).toEqual(['CIRCUIT_OPEN']);
  });

  it('outside retry, counts one call per send; an open circuit stops further sends before any attempt', async () => {
    const catga = build(breaker({ failures: 2 }), [retryBehavior({ attempts: 3 }, { random: () => 0 }), BehaviorOrder.retry]);
    script = Array<Behaviour>(9).fill('boom');
    const first = await catga.send(new Pay());
    expect(handled).toHaveLength(3); // three attempts, one failure for the breaker: still closed
    const second = await catga.send(new Pay());
    expect(handled).toHaveLength(6);
    const third = await catga.send(new Pay());
    expect(codes([first, second, third])).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED', 'CIRCUIT_OPEN']);
    expect(handled).toHaveLength(6);
  });

  it('inside retry, counts every attempt: the circuit opens mid-call and refuses the last attempt', async () => {
    const catga = build([circuitBreakerBehavior({ failures: 2 }), BehaviorOrder.retry + 1], [retryBehavior({ attempts: 3 }, { random: () => 0 }), BehaviorOrder.retry]);
    script = Array<Behaviour>(9).fill('boom');
    const result = await catga.send(new Pay());
    expect(codes([result])).toEqual(['CIRCUIT_OPEN']);
    expect(handled).toHaveLength(2);
  });

  it('keeps one circuit per message type and per event handler', async () => {
    const catga = build(breaker({ failures: 1 }));
    script = ['boom'];
    await catga.send(new Pay());
    expect(codes([await catga.send(new Pay()), await catga.send(new Refund())])).toEqual(['CIRCUIT_OPEN', 'ok']);

    handled = [];
    await catga.publish(new Paid()); // the flaky handler fails once: its circuit opens
    const second = await catga.publish(new Paid());
    expect(second.ok || [second.error.code, second.error.details.failed]).toEqual(['CIRCUIT_OPEN', ['FlakyPaidHandler']]);
    expect(handled).toEqual(['FlakyPaidHandler', 'SteadyPaidHandler', 'SteadyPaidHandler']);
  });

  describe('per-message policy', () => {
    // Asked directly, the way the pipeline asks when an instance is built (an instance may also install the same
    // behaviour for decorator policies on its own).
    /** Calls `step` once around a `next` that fails with HANDLER_FAILED. */
    function failOnce(step: PipelineStep): Promise<CatgaResult<unknown>> {
      const message = new PayGuarded();
      return step(message, contextOf(message), async () => {
        handled.push('next');
        return fail('HANDLER_FAILED', 'database down');
      });
    }

    it('uses the decorator policy when there is no instance-wide one', async () => {
      const step = stepFor(circuitBreakerBehavior(), PayGuarded)!;
      expect(codes([await failOnce(step), await failOnce(step)])).toEqual(['HANDLER_FAILED', 'CIRCUIT_OPEN']);
      expect(handled).toEqual(['next']);
      await jest.advanceTimersByTimeAsync(1_000); // the decorator's resetMs
      expect(codes([await failOnce(step)])).toEqual(['HANDLER_FAILED']);
      expect(handled).toEqual(['next', 'next']);
      expect(stepFor(circuitBreakerBehavior(), Pay)).toBeUndefined();
    });

    it('merges the decorator policy over the instance-wide one', async () => {
      const step = stepFor(circuitBreakerBehavior({ failures: 5, resetMs: 60_000, windowMs: 5_000 }), PayGuarded)!;
      await failOnce(step);
      const refused = await failOnce(step);
      expect(refused.ok || refused.error.details.retryAfterMs).toBe(1_000);
    });

    it('`circuitBreaker: false` turns an instance-wide policy off', async () => {
      expect(stepFor(circuitBreakerBehavior({ failures: 1 }), PayUnguarded)).toBeUndefined();
      // And through an instance: every call reaches the handler.
      const catga = build(breaker({ failures: 1 }));
      script = Array<Behaviour>(5).fill('boom');
      expect(codes(await sendMany(catga, () => new PayUnguarded(), 5))).toEqual(Array(5).fill('HANDLER_FAILED'));
    });

    it('turns on with default thresholds for an empty policy', async () => {
      const step = stepFor(circuitBreakerBehavior({}), Pay)!;
      // Defaults: minThroughput 10, failureRatio 0.5, resetMs 30 s.
      for (let i = 0; i < 9; i++) await failOnce(step);
      expect(handled).toHaveLength(9);
      const tenth = await failOnce(step);
      expect(tenth.ok || tenth.error.code).toBe('HANDLER_FAILED');
      const refused = await failOnce(step);
      expect(refused.ok || refused.error.details.retryAfterMs).toBe(30_000);
      expect(handled).toHaveLength(10);
    });
  });
});
