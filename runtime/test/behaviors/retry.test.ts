import {
  type Awaitable,
  CatgaCommand,
  CatgaError,
  CatgaHandler,
  Command,
  type HandlerContext,
  type Message,
  type Next,
  type PipelineBehavior,
  type PipelineStep,
  createCatga,
  fail,
  ok,
} from '@catga/runtime';
import { contextOf, stepFor } from '../support/step-harness.js';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { retryBehavior } from '../../src/behaviors/retry.js';
import { timeoutBehavior } from '../../src/behaviors/timeout.js';

@CatgaCommand()
class Charge extends Command<string> {}

@CatgaCommand({ retry: { attempts: 3 } })
class ChargeThrice extends Command<string> {}

@CatgaCommand({ retry: false })
class ChargeOnce extends Command<string> {}

@CatgaCommand({ retry: { attempts: 2 } })
class ChargeTwice extends Command<string> {}

/** What each handler call does, in turn; when the script runs out the handler returns 'charged'. */
type Step = (context: HandlerContext) => Awaitable<string>;
let script: Step[] = [];
/** `Date.now()` of every handler call (fake timers: exact). */
let calls: number[] = [];

function run(context: HandlerContext): Awaitable<string> {
  calls.push(Date.now());
  const step = script.shift();
  return step === undefined ? 'charged' : step(context);
}

@CatgaHandler(Charge)
class ChargeHandler {
  handle(_command: Charge, context: HandlerContext): Awaitable<string> {
    return run(context);
  }
}
@CatgaHandler(ChargeOnce)
class ChargeOnceHandler {
  handle(_command: ChargeOnce, context: HandlerContext): Awaitable<string> {
    return run(context);
  }
}

const transient = (text: string): Step => () => {
  throw new Error(text); // HANDLER_FAILED, retryable
};

/** Deltas between consecutive handler calls. */
function gaps(): number[] {
  return calls.slice(1).map((at, i) => at - calls[i]!);
}

// `highPerformance`: no behaviour of the preset's own (timeout, circuit breaker, logging) joins the pipeline, so
// the one under test runs alone. Messages used here declare no policy, so built-in behaviours leave them alone.
function build(...behaviors: Array<[PipelineBehavior, number]>) {
  let builder = createCatga({ preset: 'highPerformance' });
  for (const [behavior, order] of behaviors) builder = builder.use(behavior, { order });
  return builder.handler(ChargeHandler).handler(ChargeOnceHandler).build();
}

/** Settles `promise` while advancing fake time by `ms`. */
async function settle<T>(promise: Promise<T>, ms: number): Promise<T> {
  await jest.advanceTimersByTimeAsync(ms);
  return promise;
}

const always = (value: number) => () => value;

describe('retry behaviour', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    script = [];
    calls = [];
  });
  afterEach(() => jest.useRealTimers());

  it('calls the handler once when it succeeds', async () => {
    const catga = build([retryBehavior({ attempts: 3 }, { random: always(1) }), BehaviorOrder.retry]);
    expect(await catga.send(new Charge())).toEqual({ ok: true, value: 'charged' });
    expect(calls).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('retries retryable failures with exponential backoff (random = 1: the full ceiling)', async () => {
    script = [transient('a'), transient('b'), transient('c')];
    const catga = build([retryBehavior({ attempts: 4 }, { random: always(1) }), BehaviorOrder.retry]);
    const result = await settle(catga.send(new Charge()), 1_000);
    expect(result).toEqual({ ok: true, value: 'charged' });
    expect(gaps()).toEqual([100, 200, 400]);
  });

  it('applies full jitter and caps each delay at maxDelayMs', async () => {
    script = [transient('a'), transient('b'), transient('c'), transient('d')];
    const catga = build([retryBehavior({ attempts: 5, baseDelayMs: 40, maxDelayMs: 100 }, { random: always(0.5) }), BehaviorOrder.retry]);
    const result = await settle(catga.send(new Charge()), 1_000);
    expect(result.ok).toBe(true);
    // ceilings 40, 80, 160 -> 100, 320 -> 100; halved by the jitter
    expect(gaps()).toEqual([20, 40, 50, 50]);
  });

  it('does not fire the next attempt before its delay has passed', async () => {
    script = [transient('a')];
    const catga = build([retryBehavior({ attempts: 2 }, { random: always(1) }), BehaviorOrder.retry]);
    const pending = catga.send(new Charge());
    await jest.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect((await pending).ok).toBe(true);
  });

  it('returns the last failure unchanged when the attempts run out', async () => {
    script = [transient('first'), transient('second'), transient('third'), transient('never reached')];
    const catga = build([retryBehavior({ attempts: 3 }, { random: always(1) }), BehaviorOrder.retry]);
    const result = await settle(catga.send(new Charge()), 1_000);
    expect(calls).toHaveLength(3);
    expect(result.ok || [result.error.code, result.error.retryable, (result.error.cause as Error).message]).toEqual([
      'HANDLER_FAILED',
      true,
      'third',
    ]);
  });

  it('does not retry failures that are not retryable', async () => {
    script = [
      () => {
        throw new CatgaError('CONFLICT', 'version mismatch');
      },
    ];
    const catga = build([retryBehavior({ attempts: 5 }, { random: always(1) }), BehaviorOrder.retry]);
    const conflict = await settle(catga.send(new Charge()), 10_000);
    expect(conflict.ok || conflict.error.code).toBe('CONFLICT');
    expect(calls).toHaveLength(1);

    // A programming error (TypeError) is HANDLER_FAILED but not retryable: the same bug would fail again.
    calls = [];
    script = [
      () => {
        throw new TypeError('undefined is not a function');
      },
    ];
    const bug = await settle(catga.send(new Charge()), 10_000);
    expect(bug.ok || [bug.error.code, bug.error.retryable]).toEqual(['HANDLER_FAILED', false]);
    expect(calls).toHaveLength(1);
  });

  it('never retries CANCELLED, even when marked retryable', async () => {
    script = [
      () => {
        throw new CatgaError('CANCELLED', 'gone', { retryable: true });
      },
    ];
    const catga = build([retryBehavior({ attempts: 5 }, { random: always(1) }), BehaviorOrder.retry]);
    const result = await settle(catga.send(new Charge()), 10_000);
    expect(result.ok || result.error.code).toBe('CANCELLED');
    expect(calls).toHaveLength(1);
  });

  it('stops at once when the caller aborts during a backoff wait, leaving no timer behind', async () => {
    // An outer behaviour sees what the retry step itself returns (the dispatcher answers the caller on its own).
    const seen: Array<[string, number]> = [];
    const outer: PipelineBehavior = {
      name: 'outer',
      async handle(_message, _context, next) {
        const result = await next();
        seen.push([result.ok ? 'ok' : result.error.code, Date.now()]);
        return result;
      },
    };
    script = [transient('a')];
    const catga = build([outer, 100], [retryBehavior({ attempts: 3, baseDelayMs: 5_000 }, { random: always(1) }), BehaviorOrder.retry]);
    const controller = new AbortController();
    const pending = catga.send(new Charge(), { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(1); // the backoff
    const abortedAt = Date.now();
    controller.abort(new Error('user left'));
    await jest.advanceTimersByTimeAsync(0);
    const result = await pending;
    expect(result.ok || [result.error.code, result.error.message]).toEqual(['CANCELLED', '"Charge" was cancelled: user left']);
    expect(seen).toEqual([['CANCELLED', abortedAt]]);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(20_000);
    expect(calls).toHaveLength(1);
  });

  it('runs the inner behaviours again on each attempt: outside the timeout, every attempt gets a fresh limit', async () => {
    const trace: string[] = [];
    const hangUntilAborted: Step = (context) =>
      new Promise<string>((_resolve, reject) => {
        trace.push(`attempt ${calls.length} started at ${Date.now()}`);
        context.signal.addEventListener('abort', () => {
          trace.push(`attempt ${calls.length} aborted at ${Date.now()}`);
          reject(context.signal.reason);
        });
      });
    script = [hangUntilAborted, hangUntilAborted];
    const start = Date.now();
    const catga = build([retryBehavior({ attempts: 3 }, { random: always(1) }), BehaviorOrder.retry], [timeoutBehavior(50), BehaviorOrder.timeout]);
    const result = await settle(catga.send(new Charge()), 1_000);
    expect(result).toEqual({ ok: true, value: 'charged' });
    // attempt 1: 0-50 (timeout), backoff 100; attempt 2: 150-200 (timeout), backoff 200; attempt 3 at 400
    expect(trace).toEqual([
      `attempt 1 started at ${start}`,
      `attempt 1 aborted at ${start + 50}`,
      `attempt 2 started at ${start + 150}`,
      `attempt 2 aborted at ${start + 200}`,
    ]);
    expect(calls.map((at) => at - start)).toEqual([0, 150, 400]);
  });

  it('inside the timeout, the limit covers all attempts together', async () => {
    script = [transient('a'), transient('b')];
    const catga = build([timeoutBehavior(250), BehaviorOrder.retry - 1], [retryBehavior({ attempts: 3 }, { random: always(1) }), BehaviorOrder.retry]);
    const result = await settle(catga.send(new Charge()), 1_000);
    // attempts at 0 and 100; the third (due at 300) never starts: the time is up at 250
    expect(result.ok || result.error.code).toBe('TIMEOUT');
    expect(gaps()).toEqual([100]);
    expect(jest.getTimerCount()).toBe(0);
  });

  // Asked directly, the way the pipeline asks when an instance is built: an instance may also install the same
  // behaviour for decorator policies on its own, and two retry layers would multiply the attempts.
  describe('per-message policy', () => {
    /** Runs `step` around a `next` that fails (retryably) `failures` times, then succeeds. */
    async function runStep(step: PipelineStep, message: Message, failures: number) {
      const next: Next = async () => {
        calls.push(Date.now());
        return calls.length <= failures ? fail('TRANSPORT_FAILED', `attempt ${calls.length} failed`) : ok('charged');
      };
      const pending = step(message, contextOf(message, new AbortController().signal), next);
      return settle(pending, 60_000);
    }

    it('uses the decorator policy when there is no instance-wide one', async () => {
      const step = stepFor(retryBehavior(undefined, { random: always(1) }), ChargeThrice);
      const result = await runStep(step!, new ChargeThrice(), 5);
      expect(result.ok || result.error.message).toBe('attempt 3 failed');
      expect(gaps()).toEqual([100, 200]);
      expect(stepFor(retryBehavior(), Charge)).toBeUndefined();
    });

    it('merges the decorator policy over the instance-wide one', async () => {
      const step = stepFor(retryBehavior({ attempts: 5, baseDelayMs: 30 }, { random: always(1) }), ChargeTwice);
      const result = await runStep(step!, new ChargeTwice(), 5);
      expect(result.ok || result.error.message).toBe('attempt 2 failed');
      expect(gaps()).toEqual([30]);
    });

    it('`retry: false` turns an instance-wide policy off', async () => {
      expect(stepFor(retryBehavior({ attempts: 5 }), ChargeOnce)).toBeUndefined();
      // And through an instance: one call only.
      script = [transient('a')];
      const catga = build([retryBehavior({ attempts: 5 }, { random: always(1) }), BehaviorOrder.retry]);
      const result = await settle(catga.send(new ChargeOnce()), 10_000);
      expect(result.ok).toBe(false);
      expect(calls).toHaveLength(1);
    });

    it('stays out of the pipeline with a single attempt', () => {
      expect(stepFor(retryBehavior({ attempts: 1 }), Charge)).toBeUndefined();
      expect(typeof stepFor(retryBehavior({ attempts: 2 }), Charge)).toBe('function');
    });
  });
});
