import {
  CatgaCommand,
  CatgaEvent,
  CatgaHandler,
  Command,
  Event,
  type Awaitable,
  type CatgaResult,
  type MessageDescriptor,
  type PipelineContext,
  type PipelineStep,
  createCatga,
  fail,
  ok,
} from '@catga/runtime';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { idempotencyBehavior, type IdempotencyBehaviorOptions } from '../../src/behaviors/idempotency.js';
import { type IdempotencyRecord, type IdempotencyStore, MemoryIdempotencyStore } from '../../src/behaviors/idempotency-store.js';
import { rateLimitBehavior } from '../../src/behaviors/rate-limit.js';

@CatgaCommand({ idempotent: { key: 'order:{orderId}' } })
class Charge extends Command<string> {
  constructor(
    readonly orderId: string,
    readonly amount: number,
  ) {
    super();
  }
}

@CatgaCommand({ idempotent: true })
class Ping extends Command<string> {}

@CatgaCommand({ idempotent: { key: 'order:{orderId}', ttlMs: 1_000 } })
class Reserve extends Command<string> {
  constructor(readonly orderId: string) {
    super();
  }
}

@CatgaCommand()
class Plain extends Command<string> {}

@CatgaEvent({ idempotent: { key: '{orderId}' } })
class OrderPaid extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}

/** What the next handler calls do, in turn; when the script runs out a handler returns `<label> #<call number>`. */
type Step = () => Awaitable<string>;
let script: Step[] = [];
/** Every handler call, as `<handler>:<key>`. */
let calls: string[] = [];

function run(label: string): Awaitable<string> {
  calls.push(label);
  const step = script.shift();
  return step === undefined ? `${label} #${calls.length}` : step();
}

@CatgaHandler(Charge)
class ChargeHandler {
  handle(command: Charge): Awaitable<string> {
    return run(`charge:${command.orderId}`);
  }
}
@CatgaHandler(Ping)
class PingHandler {
  handle(): Awaitable<string> {
    return run('ping');
  }
}
@CatgaHandler(Reserve)
class ReserveHandler {
  handle(command: Reserve): Awaitable<string> {
    return run(`reserve:${command.orderId}`);
  }
}
@CatgaHandler(Plain)
class PlainHandler {
  handle(): Awaitable<string> {
    return run('plain');
  }
}
@CatgaHandler(OrderPaid)
class EmailReceipt {
  handle(event: OrderPaid): Awaitable<void> {
    return run(`email:${event.orderId}`) as unknown as Awaitable<void>;
  }
}
@CatgaHandler(OrderPaid)
class ShipOrder {
  handle(event: OrderPaid): Awaitable<void> {
    return run(`ship:${event.orderId}`) as unknown as Awaitable<void>;
  }
}

/** A memory store that logs every call and can be told to fail. */
class SpyStore implements IdempotencyStore {
  readonly log: string[] = [];
  /** The ttl of every `complete`. */
  readonly ttls: number[] = [];
  failing: string | undefined;
  readonly inner = new MemoryIdempotencyStore();

  private async call<T>(method: string, key: string, work: () => Promise<T>): Promise<T> {
    this.log.push(`${method} ${key}`);
    if (this.failing === method) throw new Error('redis down');
    return work();
  }
  get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.call('get', key, () => this.inner.get(key));
  }
  tryClaim(key: string, pendingTtlMs: number): Promise<boolean> {
    return this.call('tryClaim', key, () => this.inner.tryClaim(key, pendingTtlMs));
  }
  complete(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.ttls.push(ttlMs);
    return this.call('complete', key, () => this.inner.complete(key, value, ttlMs));
  }
  release(key: string): Promise<void> {
    return this.call('release', key, () => this.inner.release(key));
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Observes a promise without awaiting it, so fake time can be advanced while it is pending. */
function watch<T>(promise: Promise<T>): { readonly settled: T | undefined } {
  const state: { settled: T | undefined } = { settled: undefined };
  void promise.then((value) => (state.settled = value));
  return state;
}

function build(store: IdempotencyStore, options: Omit<IdempotencyBehaviorOptions, 'store'> = {}) {
  // highPerformance: no logging, dead letters, timeouts or breakers of the preset; only the behaviours under test.
  return createCatga({ preset: 'highPerformance' })
    .use(idempotencyBehavior({ store, ...options }), { order: BehaviorOrder.idempotency })
    .handler(ChargeHandler)
    .handler(PingHandler)
    .handler(ReserveHandler)
    .handler(PlainHandler)
    .handler(EmailReceipt)
    .handler(ShipOrder)
    .build();
}

function code(result: CatgaResult<unknown>): string {
  return result.ok ? 'ok' : result.error.code;
}

describe('idempotency behaviour', () => {
  beforeEach(() => {
    script = [];
    calls = [];
  });
  afterEach(() => jest.useRealTimers());

  it('answers a duplicate key from the store: the handler runs once and both callers get the same value', async () => {
    const store = new SpyStore();
    const catga = build(store);
    const first = await catga.send(new Charge('o-1', 10));
    const duplicate = await catga.send(new Charge('o-1', 10)); // another message, same key
    expect(first).toEqual({ ok: true, value: 'charge:o-1 #1' });
    expect(duplicate).toEqual({ ok: true, value: 'charge:o-1 #1' });
    expect(calls).toEqual(['charge:o-1']);
    expect(await store.inner.get('Charge:order:o-1')).toEqual({ state: 'completed', value: 'charge:o-1 #1' });

    expect(await catga.send(new Charge('o-2', 10))).toEqual({ ok: true, value: 'charge:o-2 #2' });
    expect(calls).toEqual(['charge:o-1', 'charge:o-2']);
  });

  it('keys by message id by default: only the same message is a duplicate', async () => {
    const store = new SpyStore();
    const catga = build(store);
    const ping = new Ping();
    expect(await catga.send(ping)).toEqual({ ok: true, value: 'ping #1' });
    expect(await catga.send(ping)).toEqual({ ok: true, value: 'ping #1' });
    expect(await store.inner.get(`Ping:${ping.messageId}`)).toEqual({ state: 'completed', value: 'ping #1' });
    expect(await catga.send(new Ping())).toEqual({ ok: true, value: 'ping #2' });
  });

  it('fails VALIDATION_FAILED naming a key field the message does not have, without running the handler', async () => {
    const store = new SpyStore();
    const result = await build(store).send(new Charge(undefined as unknown as string, 10));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION_FAILED');
    expect(result.error.retryable).toBe(false);
    expect(result.error.message).toContain('orderId');
    expect(result.error.details).toEqual({
      messageType: 'Charge',
      errors: [{ field: 'orderId', message: 'is undefined, but the idempotency key "order:{orderId}" needs it', rule: 'idempotencyKey' }],
    });
    expect(calls).toEqual([]);
    expect(store.log).toEqual([]);
  });

  it('runs concurrent duplicates once; the second waits for the first and gets its result', async () => {
    const store = new SpyStore();
    const catga = build(store);
    const gate = deferred<string>();
    script = [() => gate.promise];
    const both = Promise.all([catga.send(new Charge('o-1', 10)), catga.send(new Charge('o-1', 10))]);
    await Promise.resolve();
    gate.resolve('charged once');
    expect(await both).toEqual([
      { ok: true, value: 'charged once' },
      { ok: true, value: 'charged once' },
    ]);
    expect(calls).toEqual(['charge:o-1']);
    // The waiter never went to the store: one claim, one completion.
    expect(store.log).toEqual(['tryClaim Charge:order:o-1', 'complete Charge:order:o-1']);
  });

  it('does not remember failures: the key is released and the next send runs the handler again', async () => {
    const store = new SpyStore();
    const catga = build(store);
    script = [
      () => {
        throw new Error('card declined');
      },
    ];
    const failed = await catga.send(new Charge('o-1', 10));
    expect(code(failed)).toBe('HANDLER_FAILED');
    expect(store.log).toEqual(['tryClaim Charge:order:o-1', 'release Charge:order:o-1']);
    expect(await store.inner.get('Charge:order:o-1')).toBeUndefined();

    expect(await catga.send(new Charge('o-1', 10))).toEqual({ ok: true, value: 'charge:o-1 #2' });
    expect(calls).toEqual(['charge:o-1', 'charge:o-1']);
  });

  it('forgets a result after its ttl', async () => {
    jest.useFakeTimers();
    const catga = build(new SpyStore());
    expect(await catga.send(new Reserve('o-1'))).toEqual({ ok: true, value: 'reserve:o-1 #1' });
    await jest.advanceTimersByTimeAsync(999);
    expect(await catga.send(new Reserve('o-1'))).toEqual({ ok: true, value: 'reserve:o-1 #1' });
    await jest.advanceTimersByTimeAsync(1); // Reserve declares ttlMs: 1000
    expect(await catga.send(new Reserve('o-1'))).toEqual({ ok: true, value: 'reserve:o-1 #2' });
  });

  it('stores results with the message ttl, else the behaviour ttl, else 24 h', async () => {
    const withTtl = new SpyStore();
    const catga = build(withTtl, { ttlMs: 60_000 });
    await catga.send(new Reserve('o-1'));
    await catga.send(new Charge('o-1', 1));
    expect(withTtl.ttls).toEqual([1_000, 60_000]);
    const withDefault = new SpyStore();
    await build(withDefault).send(new Charge('o-1', 1));
    expect(withDefault.ttls).toEqual([86_400_000]);
  });

  it('keys events per handler: each handler handles a key once, and only a failed one runs again', async () => {
    const store = new SpyStore();
    const catga = build(store);
    script = [
      () => 'emailed',
      () => {
        throw new Error('warehouse offline');
      },
    ];
    const first = await catga.publish(new OrderPaid('o-1'));
    expect(first.ok).toBe(false);
    expect(calls).toEqual(['email:o-1', 'ship:o-1']);
    expect(await store.inner.get('OrderPaid:EmailReceipt:o-1')).toEqual({ state: 'completed', value: 'emailed' });
    expect(await store.inner.get('OrderPaid:ShipOrder:o-1')).toBeUndefined();

    const second = await catga.publish(new OrderPaid('o-1'));
    expect(second).toEqual({ ok: true, value: { eventType: 'OrderPaid', handlers: 2 } });
    expect(calls).toEqual(['email:o-1', 'ship:o-1', 'ship:o-1']);
  });

  it('waits for a call pending in another process and returns the value it completes with', async () => {
    jest.useFakeTimers();
    const store = new SpyStore();
    const catga = build(store, { pollMs: 100 });
    expect(await store.inner.tryClaim('Charge:order:o-1', 60_000)).toBe(true); // the other process
    const call = watch(catga.send(new Charge('o-1', 10)));
    await jest.advanceTimersByTimeAsync(250);
    expect(call.settled).toBeUndefined();
    await store.inner.complete('Charge:order:o-1', 'charged elsewhere', 60_000);
    await jest.advanceTimersByTimeAsync(100);
    expect(call.settled).toEqual({ ok: true, value: 'charged elsewhere' });
    expect(calls).toEqual([]);
    // Polled at 0, 100, 200 and 300 ms.
    expect(store.log.filter((entry) => entry.startsWith('get'))).toHaveLength(4);
  });

  it('runs the handler itself when the other process gives the key back', async () => {
    jest.useFakeTimers();
    const store = new SpyStore();
    const catga = build(store, { pollMs: 100 });
    await store.inner.tryClaim('Charge:order:o-1', 60_000);
    const call = watch(catga.send(new Charge('o-1', 10)));
    await jest.advanceTimersByTimeAsync(150);
    await store.inner.release('Charge:order:o-1'); // its handler failed
    await jest.advanceTimersByTimeAsync(50);
    expect(call.settled).toEqual({ ok: true, value: 'charge:o-1 #1' });
  });

  it('gives up with a retryable CONFLICT when the other call is still pending after waitMs', async () => {
    jest.useFakeTimers();
    const store = new SpyStore();
    const catga = build(store, { waitMs: 1_000, pollMs: 100 });
    await store.inner.tryClaim('Charge:order:o-1', 60_000);
    const call = watch(catga.send(new Charge('o-1', 10)));
    await jest.advanceTimersByTimeAsync(999);
    expect(call.settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    const result = call.settled;
    expect(result?.ok).toBe(false);
    if (result === undefined || result.ok) return;
    expect([result.error.code, result.error.retryable]).toEqual(['CONFLICT', true]);
    expect(result.error.message).toBe('"Charge" with idempotency key "Charge:order:o-1": duplicate still in progress');
    expect(result.error.details).toEqual({ messageType: 'Charge', key: 'Charge:order:o-1', waitedMs: 1_000 });
    expect(calls).toEqual([]);
    // Our failure must not release the other process's claim.
    expect(await store.inner.get('Charge:order:o-1')).toEqual({ state: 'pending' });
  });

  it('stops waiting when the caller cancels', async () => {
    jest.useFakeTimers();
    const store = new SpyStore();
    const catga = build(store, { pollMs: 100 });
    await store.inner.tryClaim('Charge:order:o-1', 60_000);
    const controller = new AbortController();
    const call = watch(catga.send(new Charge('o-1', 10), { signal: controller.signal }));
    await jest.advanceTimersByTimeAsync(150);
    controller.abort(new Error('client went away'));
    await jest.advanceTimersByTimeAsync(0);
    expect(call.settled === undefined ? 'pending' : code(call.settled)).toBe('CANCELLED');
    const polls = store.log.length;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(store.log.length).toBe(polls);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fails PERSISTENCE_FAILED (retryable, with the cause) when the store fails, without running the handler', async () => {
    const store = new SpyStore();
    store.failing = 'tryClaim';
    const result = await build(store).send(new Charge('o-1', 10));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect([result.error.code, result.error.retryable]).toEqual(['PERSISTENCE_FAILED', true]);
    expect((result.error.cause as Error).message).toBe('redis down');
    expect(result.error.details).toEqual({ messageType: 'Charge', key: 'Charge:order:o-1', operation: 'claim' });
    expect(calls).toEqual([]);
  });

  it('returns the success of a handler that ran even when the store cannot record it', async () => {
    const store = new SpyStore();
    store.failing = 'complete';
    expect(await build(store).send(new Charge('o-1', 10))).toEqual({ ok: true, value: 'charge:o-1 #1' });
  });

  it('costs nothing for messages that are not idempotent', async () => {
    const store = new SpyStore();
    const catga = build(store);
    await catga.send(new Plain());
    await catga.send(new Plain());
    expect(calls).toEqual(['plain', 'plain']);
    expect(store.log).toEqual([]);
    const behavior = idempotencyBehavior({ store });
    const descriptor = { typeName: 'Plain', kind: 'command' as const, handlerName: 'PlainHandler', messageClass: Plain, options: {} };
    expect(behavior.forMessage?.(descriptor)).toBeUndefined();
    expect(behavior.forMessage?.({ ...descriptor, options: { idempotent: false } })).toBeUndefined();
  });

  it('runs before the rate limit, so a duplicate takes no token', async () => {
    const catga = createCatga({ preset: 'highPerformance' })
      .use(rateLimitBehavior({ rps: 0.001, burst: 2 }), { order: BehaviorOrder.rateLimit })
      .use(idempotencyBehavior({ store: new MemoryIdempotencyStore() }), { order: BehaviorOrder.idempotency })
      .handler(ChargeHandler)
      .build();
    const outcomes = [];
    for (const orderId of ['o-1', 'o-1', 'o-1', 'o-2', 'o-3']) outcomes.push(code(await catga.send(new Charge(orderId, 1))));
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(calls).toEqual(['charge:o-1', 'charge:o-2']);
  });

  it('rejects a store without the four methods at once', () => {
    expect(() => idempotencyBehavior({ store: {} as IdempotencyStore })).toThrow('expected an IdempotencyStore');
    expect(() => idempotencyBehavior({ store: new MemoryIdempotencyStore(), pollMs: 0 })).toThrow('idempotency.pollMs');
  });
});

describe('MemoryIdempotencyStore', () => {
  afterEach(() => jest.useRealTimers());

  it('claims a key once until it is released or expires', async () => {
    jest.useFakeTimers();
    const store = new MemoryIdempotencyStore();
    expect(await store.tryClaim('k', 100)).toBe(true);
    expect(await store.tryClaim('k', 100)).toBe(false);
    expect(await store.get('k')).toEqual({ state: 'pending' });
    await store.release('k');
    expect(await store.tryClaim('k', 100)).toBe(true);
    await jest.advanceTimersByTimeAsync(100);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.tryClaim('k', 100)).toBe(true);
  });

  it('keeps a completed record when released (the release came from an expired claim)', async () => {
    const store = new MemoryIdempotencyStore();
    await store.complete('k', { id: 7 }, 1_000);
    await store.release('k');
    expect(await store.get('k')).toEqual({ state: 'completed', value: { id: 7 } });
    expect(await store.tryClaim('k', 100)).toBe(false);
  });

  it('evicts the oldest write beyond maxEntries', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    await store.tryClaim('a', 1_000);
    await store.tryClaim('b', 1_000);
    await store.complete('a', 1, 1_000); // rewritten: now newer than b
    await store.tryClaim('c', 1_000);
    expect(store.size).toBe(2);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toEqual({ state: 'completed', value: 1 });
    expect(await store.get('c')).toEqual({ state: 'pending' });
    expect(() => new MemoryIdempotencyStore({ maxEntries: 0 })).toThrow('maxEntries');
  });
});

// The builder also installs its own idempotency layer for idempotent messages; these tests drive one step alone, so
// the in-process coordination is seen without another layer in front of it.
describe('idempotency step on its own', () => {
  const descriptor: MessageDescriptor = {
    typeName: 'Charge',
    kind: 'command',
    handlerName: 'ChargeHandler',
    messageClass: Charge,
    options: { idempotent: { key: 'order:{orderId}' } },
  };
  const context = (signal: AbortSignal = new AbortController().signal): PipelineContext =>
    ({ signal, withSignal: () => context(signal) }) as unknown as PipelineContext;

  function step(store: IdempotencyStore): PipelineStep {
    const made = idempotencyBehavior({ store }).forMessage?.(descriptor);
    if (made === undefined) throw new Error('expected a step for an idempotent message');
    return made;
  }

  it('lets a concurrent duplicate wait for the running call instead of asking the store', async () => {
    const store = new SpyStore();
    const run = step(store);
    const gate = deferred<CatgaResult<unknown>>();
    const next = jest.fn(() => gate.promise);
    const first = run(new Charge('o-1', 1), context(), next);
    const second = run(new Charge('o-1', 1), context(), next);
    gate.resolve(ok('charged'));
    expect(await Promise.all([first, second])).toEqual([ok('charged'), ok('charged')]);
    expect(next).toHaveBeenCalledTimes(1);
    expect(store.log).toEqual(['tryClaim Charge:order:o-1', 'complete Charge:order:o-1']);
  });

  it('shares a failure with concurrent duplicates, except a cancellation of the first caller', async () => {
    const store = new SpyStore();
    const run = step(store);
    const declined = fail('HANDLER_FAILED', 'card declined');
    const gate = deferred<CatgaResult<unknown>>();
    const both = Promise.all([run(new Charge('o-1', 1), context(), () => gate.promise), run(new Charge('o-1', 1), context(), () => gate.promise)]);
    gate.resolve(declined);
    expect(await both).toEqual([declined, declined]);

    const gone = fail('CANCELLED', 'client went away');
    const firstCall = deferred<CatgaResult<unknown>>();
    const next = jest.fn<Promise<CatgaResult<unknown>>, []>().mockReturnValueOnce(firstCall.promise).mockResolvedValueOnce(ok('charged'));
    const first = run(new Charge('o-2', 1), context(), next);
    const second = run(new Charge('o-2', 1), context(), next);
    firstCall.resolve(gone);
    expect(await first).toBe(gone);
    expect(await second).toEqual(ok('charged'));
    expect(next).toHaveBeenCalledTimes(2);
  });
});
