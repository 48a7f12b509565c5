import {
  CatgaCommand,
  CatgaHandler,
  Command,
  type Awaitable,
  type CatgaResult,
  type MessageDescriptor,
  type PipelineBehavior,
  createCatga,
} from '@catga/runtime';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { concurrencyLimitBehavior } from '../../src/behaviors/concurrency-limit.js';
import { rateLimitBehavior } from '../../src/behaviors/rate-limit.js';

@CatgaCommand()
class Quote extends Command<string> {}

@CatgaCommand({ rateLimit: { rps: 1, burst: 3 } })
class Search extends Command<string> {}

@CatgaCommand({ rateLimit: false })
class Health extends Command<string> {}

/** `<type>@<Date.now()>` of every handler call (fake timers: exact). */
let calls: string[] = [];
/** When set, handlers wait for it before answering. */
let gate: Promise<void> | undefined;

async function run(type: string): Promise<string> {
  calls.push(`${type}@${Date.now()}`);
  if (gate !== undefined) await gate;
  return `${type} done`;
}

@CatgaHandler(Quote)
class QuoteHandler {
  handle(): Awaitable<string> {
    return run('quote');
  }
}
@CatgaHandler(Search)
class SearchHandler {
  handle(): Awaitable<string> {
    return run('search');
  }
}
@CatgaHandler(Health)
class HealthHandler {
  handle(): Awaitable<string> {
    return run('health');
  }
}

function build(...behaviors: Array<[PipelineBehavior, number]>) {
  // highPerformance: none of the preset's own behaviours (timeouts, breakers, logging) get in the way.
  let builder = createCatga({ preset: 'highPerformance' });
  for (const [behavior, order] of behaviors) builder = builder.use(behavior, { order });
  return builder.handler(QuoteHandler).handler(SearchHandler).handler(HealthHandler).build();
}

function code(result: CatgaResult<unknown> | undefined): string {
  if (result === undefined) return 'pending';
  return result.ok ? 'ok' : result.error.code;
}

/** Observes a promise without awaiting it, so fake time can be advanced while it is pending. */
function watch<T>(promise: Promise<T>): { readonly settled: T | undefined } {
  const state: { settled: T | undefined } = { settled: undefined };
  void promise.then((value) => (state.settled = value));
  return state;
}

describe('rate-limit behaviour', () => {
  beforeEach(() => {
    calls = [];
    gate = undefined;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('lets a burst through, then rejects with RATE_LIMITED and when to retry, refilling rps tokens a second', async () => {
    const catga = build([rateLimitBehavior({ rps: 2 }), BehaviorOrder.rateLimit]); // burst defaults to 2
    expect(code(await catga.send(new Quote()))).toBe('ok');
    expect(code(await catga.send(new Quote()))).toBe('ok');
    const limited = await catga.send(new Quote());
    expect(limited.ok).toBe(false);
    if (limited.ok) return;
    expect([limited.error.code, limited.error.retryable]).toEqual(['RATE_LIMITED', true]);
    expect(limited.error.details).toEqual({ messageType: 'Quote', retryAfterMs: 500 });

    await jest.advanceTimersByTimeAsync(499);
    expect(code(await catga.send(new Quote()))).toBe('RATE_LIMITED');
    await jest.advanceTimersByTimeAsync(1);
    expect(code(await catga.send(new Quote()))).toBe('ok');
    // A long quiet period fills the bucket up to its burst, not beyond.
    await jest.advanceTimersByTimeAsync(60_000);
    const after = [];
    for (let i = 0; i < 3; i++) after.push(code(await catga.send(new Quote())));
    expect(after).toEqual(['ok', 'ok', 'RATE_LIMITED']);
    expect(calls).toHaveLength(5);
  });

  it('lets at least one call through for a fractional rps', async () => {
    const catga = build([rateLimitBehavior({ rps: 0.5 }), BehaviorOrder.rateLimit]);
    expect(code(await catga.send(new Quote()))).toBe('ok');
    const limited = await catga.send(new Quote());
    expect(limited.ok || limited.error.details).toEqual({ messageType: 'Quote', retryAfterMs: 2_000 });
  });

  it('keeps one bucket per message type, merges a message own limit over the instance one and honours false', async () => {
    const catga = build([rateLimitBehavior({ rps: 1 }), BehaviorOrder.rateLimit]);
    const outcomes: Record<string, string[]> = { quote: [], search: [], health: [] };
    for (let i = 0; i < 4; i++) {
      outcomes.quote!.push(code(await catga.send(new Quote())));
      outcomes.search!.push(code(await catga.send(new Search())));
      outcomes.health!.push(code(await catga.send(new Health())));
    }
    expect(outcomes).toEqual({
      quote: ['ok', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED'],
      search: ['ok', 'ok', 'ok', 'RATE_LIMITED'], // burst: 3 of its own
      health: ['ok', 'ok', 'ok', 'ok'], // rateLimit: false
    });
  });

  it('in wait mode queues calls in order for a token, up to maxWaitMs', async () => {
    const catga = build([rateLimitBehavior({ rps: 1, mode: 'wait', maxWaitMs: 1_500 }), BehaviorOrder.rateLimit]);
    const start = Date.now();
    const a = watch(catga.send(new Quote()));
    const b = watch(catga.send(new Quote()));
    const c = watch(catga.send(new Quote()));
    await jest.advanceTimersByTimeAsync(0);
    expect([code(a.settled), code(b.settled), code(c.settled)]).toEqual(['ok', 'pending', 'pending']);
    await jest.advanceTimersByTimeAsync(999);
    expect(code(b.settled)).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(code(b.settled)).toBe('ok');
    await jest.advanceTimersByTimeAsync(499);
    expect(code(c.settled)).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    const limited = c.settled;
    expect(limited?.ok === false && limited.error.details).toEqual({ messageType: 'Quote', retryAfterMs: 500 });
    expect(calls).toEqual([`quote@${start}`, `quote@${start + 1_000}`]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('in wait mode takes a cancelled caller out of the queue, so the next one gets its token', async () => {
    const catga = build([rateLimitBehavior({ rps: 1, mode: 'wait', maxWaitMs: 5_000 }), BehaviorOrder.rateLimit]);
    const start = Date.now();
    const controller = new AbortController();
    const a = watch(catga.send(new Quote()));
    const b = watch(catga.send(new Quote(), { signal: controller.signal }));
    const c = watch(catga.send(new Quote()));
    await jest.advanceTimersByTimeAsync(300);
    controller.abort(new Error('user left'));
    await jest.advanceTimersByTimeAsync(0);
    expect([code(a.settled), code(b.settled), code(c.settled)]).toEqual(['ok', 'CANCELLED', 'pending']);
    await jest.advanceTimersByTimeAsync(700);
    expect(code(c.settled)).toBe('ok');
    expect(calls).toEqual([`quote@${start}`, `quote@${start + 1_000}`]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('in wait mode grants a token that is due exactly at the deadline', async () => {
    const catga = build([rateLimitBehavior({ rps: 1, mode: 'wait', maxWaitMs: 1_000 }), BehaviorOrder.rateLimit]);
    await catga.send(new Quote());
    const b = watch(catga.send(new Quote()));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(code(b.settled)).toBe('ok');
  });

  it('in wait mode with maxWaitMs 0 rejects at once', async () => {
    const catga = build([rateLimitBehavior({ rps: 1, mode: 'wait', maxWaitMs: 0 }), BehaviorOrder.rateLimit]);
    await catga.send(new Quote());
    expect(code(await catga.send(new Quote()))).toBe('RATE_LIMITED');
  });

  it('runs before the concurrency limit: a call without a token never competes for a slot', async () => {
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    const catga = build(
      [concurrencyLimitBehavior({ limit: 1 }), BehaviorOrder.concurrencyLimit],
      [rateLimitBehavior({ rps: 1 }), BehaviorOrder.rateLimit],
    );
    const holding = catga.send(new Quote());
    await jest.advanceTimersByTimeAsync(0);
    expect(code(await catga.send(new Quote()))).toBe('RATE_LIMITED'); // not CONCURRENCY_LIMITED
    release();
    expect(code(await holding)).toBe('ok');
  });

  it('gives no step to a type without a limit, and rejects a bad instance-wide limit at once', () => {
    const descriptor: MessageDescriptor = { typeName: 'Quote', kind: 'command', handlerName: 'QuoteHandler', messageClass: Quote, options: {} };
    expect(rateLimitBehavior().forMessage?.(descriptor)).toBeUndefined();
    expect(rateLimitBehavior({ rps: 5 }).forMessage?.({ ...descriptor, options: { rateLimit: false } })).toBeUndefined();
    expect(typeof rateLimitBehavior({ rps: 5 }).forMessage?.(descriptor)).toBe('function');
    expect(() => rateLimitBehavior({ rps: 0 })).toThrow('rateLimit.rps');
  });
});
