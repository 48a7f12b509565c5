import {
  type Awaitable,
  CatgaCommand,
  CatgaError,
  CatgaHandler,
  Command,
  type HandlerContext,
  type Message,
  type PipelineBehavior,
  type PipelineStep,
  createCatga,
  ok,
} from '@catga/runtime';
import { contextOf, stepFor } from '../support/step-harness.js';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { timeoutBehavior } from '../../src/behaviors/timeout.js';

@CatgaCommand()
class Ship extends Command<string> {
  constructor(readonly takesMs: number) {
    super();
  }
}

@CatgaCommand({ timeoutMs: 30 })
class ShipFast extends Command<string> {}

@CatgaCommand({ timeoutMs: false })
class ShipWhenever extends Command<string> {
  constructor(readonly takesMs: number) {
    super();
  }
}

@CatgaCommand({ timeoutMs: 200 })
class ShipSlowly extends Command<string> {}

type Mode = 'honours-signal' | 'ignores-signal';
let mode: Mode = 'honours-signal';
/** What handlers observed, in order. */
let trace: string[] = [];
let handlerSignals: AbortSignal[] = [];

/** Works for `takesMs`; when honouring the signal, stops with its reason as soon as it aborts. */
function work(takesMs: number, context: HandlerContext): Promise<string> {
  handlerSignals.push(context.signal);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      trace.push(`finished after ${takesMs} ms`);
      resolve(`shipped in ${takesMs} ms`);
    }, takesMs);
    if (mode === 'honours-signal') {
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        trace.push(`handler saw abort: ${String((context.signal.reason as Error).message)}`);
        reject(context.signal.reason);
      });
    }
  });
}

@CatgaHandler(Ship)
class ShipHandler {
  handle(command: Ship, context: HandlerContext): Awaitable<string> {
    return work(command.takesMs, context);
  }
}
@CatgaHandler(ShipWhenever)
class ShipWheneverHandler {
  handle(command: ShipWhenever, context: HandlerContext): Awaitable<string> {
    return work(command.takesMs, context);
  }
}

/** Records what the timeout step returns and whether the signal it was given (the caller's) is aborted. */
function outer(): PipelineBehavior {
  return {
    name: 'outer',
    async handle(_message, context, next) {
      const result = await next();
      trace.push(`outer got ${result.ok ? 'ok' : result.error.code} at ${Date.now()}, its signal aborted: ${context.signal.aborted}`);
      return result;
    },
  };
}

// `highPerformance`: no behaviour of the preset's own (timeout, circuit breaker, logging) joins the pipeline, so
// the one under test runs alone. Ship declares no policy, so built-in behaviours leave it alone.
function build(timeout: PipelineBehavior, ...more: Array<[PipelineBehavior, number]>) {
  let builder = createCatga({ preset: 'highPerformance' }).use(timeout, { order: BehaviorOrder.timeout });
  for (const [behavior, order] of more) builder = builder.use(behavior, { order });
  return builder.handler(ShipHandler).handler(ShipWheneverHandler).build();
}

async function settle<T>(promise: Promise<T>, ms: number): Promise<T> {
  await jest.advanceTimersByTimeAsync(ms);
  return promise;
}

describe('timeout behaviour', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    mode = 'honours-signal';
    trace = [];
    handlerSignals = [];
  });
  afterEach(() => jest.useRealTimers());

  it('lets a call that finishes in time through and leaves no timer behind', async () => {
    const catga = build(timeoutBehavior(100));
    const result = await settle(catga.send(new Ship(60)), 60);
    expect(result).toEqual({ ok: true, value: 'shipped in 60 ms' });
    // One unref'd timer per type stays armed for the oldest deadline; when it fires it finds nothing due and stops.
    await jest.runOnlyPendingTimersAsync();
    expect(jest.getTimerCount()).toBe(0);
    expect(handlerSignals[0]!.aborted).toBe(false);
  });

  it('fails with a retryable TIMEOUT and aborts the signal the handler sees', async () => {
    const catga = build(timeoutBehavior(100), [outer(), 100]);
    const start = Date.now();
    const pending = catga.send(new Ship(5_000));
    await jest.advanceTimersByTimeAsync(99);
    expect(handlerSignals[0]!.aborted).toBe(false);
    const result = await settle(pending, 1);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(CatgaError);
    expect(result.error.toJSON()).toEqual({
      code: 'TIMEOUT',
      message: '"Ship" did not finish within 100 ms',
      retryable: true,
      details: { messageType: 'Ship', timeoutMs: 100 },
    });
    expect(handlerSignals[0]!.aborted).toBe(true);
    expect(handlerSignals[0]!.reason).toBe(result.error);
    // The handler hears the abort at once (abort listeners run synchronously); behaviours outside the timeout keep
    // the caller's signal, which is not aborted.
    expect(trace).toEqual([
      'handler saw abort: "Ship" did not finish within 100 ms',
      `outer got TIMEOUT at ${start + 100}, its signal aborted: false`,
    ]);
    // One unref'd timer per type stays armed for the oldest deadline; when it fires it finds nothing due and stops.
    await jest.runOnlyPendingTimersAsync();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ignores the late result of a handler that ignores its signal', async () => {
    mode = 'ignores-signal';
    const catga = build(timeoutBehavior(100), [outer(), 100]);
    const start = Date.now();
    const result = await settle(catga.send(new Ship(300)), 100);
    expect(result.ok || result.error.code).toBe('TIMEOUT');
    await jest.advanceTimersByTimeAsync(500);
    expect(trace).toEqual([`outer got TIMEOUT at ${start + 100}, its signal aborted: false`, 'finished after 300 ms']);
  });

  it('causes no unhandled rejection when the abandoned handler rejects', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', listener);
    try {
      const catga = build(timeoutBehavior(10));
      const result = await settle(catga.send(new Ship(1_000)), 10);
      expect(result.ok || result.error.code).toBe('TIMEOUT');
      expect(trace).toEqual(['handler saw abort: "Ship" did not finish within 10 ms']);
      jest.useRealTimers();
      await new Promise((resolve) => setImmediate(resolve)); // one real macrotask: lets Node report rejections
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('passes the CANCELLED result through when the caller aborts first', async () => {
    const catga = build(timeoutBehavior(100), [outer(), 100]);
    const controller = new AbortController();
    const start = Date.now();
    const pending = catga.send(new Ship(5_000), { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(40);
    controller.abort(new Error('client went away'));
    const result = await settle(pending, 0);
    expect(result.ok || [result.error.code, result.error.message]).toEqual(['CANCELLED', '"Ship" was cancelled: client went away']);
    expect(trace).toEqual(['handler saw abort: client went away', `outer got CANCELLED at ${start + 40}, its signal aborted: true`]);
    // One unref'd timer per type stays armed for the oldest deadline; when it fires it finds nothing due and stops.
    await jest.runOnlyPendingTimersAsync();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reports CANCELLED, not TIMEOUT, when the caller aborted and the handler ignored it until time ran out', async () => {
    mode = 'ignores-signal';
    const catga = build(timeoutBehavior(100), [outer(), 100]);
    const controller = new AbortController();
    const start = Date.now();
    const pending = catga.send(new Ship(5_000), { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(40);
    controller.abort(new Error('client went away'));
    const result = await settle(pending, 0);
    expect(result.ok || result.error.code).toBe('CANCELLED'); // the dispatcher answers the caller at once
    await jest.advanceTimersByTimeAsync(60);
    expect(trace).toEqual([`outer got CANCELLED at ${start + 100}, its signal aborted: true`]);
  });

  it('gives the handler the caller signal combined with its own: either aborts it', async () => {
    const catga = build(timeoutBehavior(100));
    const controller = new AbortController();
    void catga.send(new Ship(5_000), { signal: controller.signal });
    await jest.advanceTimersByTimeAsync(0);
    const seen = handlerSignals[0]!;
    expect(seen).not.toBe(controller.signal);
    controller.abort('stop');
    expect(seen.aborted).toBe(true);
    expect(seen.reason).toBe('stop');
    await jest.advanceTimersByTimeAsync(200);
  });

  describe('per-message limit', () => {
    // Asked directly, the way the pipeline asks when an instance is built (an instance may also install the same
    // behaviour for decorator policies on its own).
    /** Runs `step` around a `next` that succeeds after `takesMs`, recording the signal it was given. */
    function runStep(step: PipelineStep, message: Message, takesMs: number) {
      return step(message, contextOf(message, new AbortController().signal), (inner) => {
        handlerSignals.push(inner!.signal);
        return new Promise((resolve) => setTimeout(() => resolve(ok(`done in ${takesMs} ms`)), takesMs));
      });
    }

    it('uses the decorator limit when there is no instance-wide one', async () => {
      const step = stepFor(timeoutBehavior(), ShipFast);
      const result = await settle(runStep(step!, new ShipFast(), 100), 30);
      expect(result.ok || [result.error.code, result.error.details]).toEqual(['TIMEOUT', { messageType: 'ShipFast', timeoutMs: 30 }]);
      expect(handlerSignals[0]!.aborted).toBe(true);
      expect(stepFor(timeoutBehavior(), Ship)).toBeUndefined();
    });

    it('lets the decorator limit win over the instance-wide one', async () => {
      const step = stepFor(timeoutBehavior(50), ShipSlowly);
      expect(await settle(runStep(step!, new ShipSlowly(), 150), 150)).toEqual({ ok: true, value: 'done in 150 ms' });
      // One unref'd timer per type stays armed for the oldest deadline; when it fires it finds nothing due and stops.
    await jest.runOnlyPendingTimersAsync();
    expect(jest.getTimerCount()).toBe(0);
    });

    it('`timeoutMs: false` turns an instance-wide limit off', async () => {
      expect(stepFor(timeoutBehavior(50), ShipWhenever)).toBeUndefined();
      // And through an instance: no limit for ShipWhenever, the instance-wide one for Ship.
      const catga = build(timeoutBehavior(50));
      const whenever = await settle(catga.send(new ShipWhenever(10_000)), 10_000);
      expect(whenever).toEqual({ ok: true, value: 'shipped in 10000 ms' });
      const plain = await settle(catga.send(new Ship(150)), 50);
      expect(plain.ok || plain.error.code).toBe('TIMEOUT');
    });
  });
});
