import {
  CatgaCommand,
  CatgaHandler,
  Command,
  type CatgaResult,
  type MessageDescriptor,
  type PipelineBehavior,
  createCatga,
  fail,
} from '@catga/runtime';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { concurrencyLimitBehavior } from '../../src/behaviors/concurrency-limit.js';

@CatgaCommand()
class Render extends Command<string> {
  constructor(readonly id: string) {
    super();
  }
}

@CatgaCommand({ concurrency: { limit: 2 } })
class Resize extends Command<string> {
  constructor(readonly id: string) {
    super();
  }
}

@CatgaCommand({ concurrency: false })
class Probe extends Command<string> {
  constructor(readonly id: string) {
    super();
  }
}

/** Handler calls waiting to be finished, by message id (`finish('a')` lets call `a` return). */
const open = new Map<string, () => void>();
/** Every handler call, in the order they started. */
let started: string[] = [];

function run(id: string): Promise<string> {
  started.push(id);
  return new Promise((resolve) => open.set(id, () => resolve(`${id} done`)));
}

async function finish(id: string): Promise<void> {
  const resolve = open.get(id);
  if (resolve === undefined) throw new Error(`call ${id} is not running`);
  open.delete(id);
  resolve();
  await flush();
}

/** Lets every pending promise callback run (no timers involved). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

@CatgaHandler(Render)
class RenderHandler {
  handle(command: Render): Promise<string> {
    return run(command.id);
  }
}
@CatgaHandler(Resize)
class ResizeHandler {
  handle(command: Resize): Promise<string> {
    return run(command.id);
  }
}
@CatgaHandler(Probe)
class ProbeHandler {
  handle(command: Probe): Promise<string> {
    return run(command.id);
  }
}

function build(...behaviors: Array<[PipelineBehavior, number]>) {
  // highPerformance: none of the preset's own behaviours (timeouts, breakers, logging) get in the way.
  let builder = createCatga({ preset: 'highPerformance' });
  for (const [behavior, order] of behaviors) builder = builder.use(behavior, { order });
  return builder.handler(RenderHandler).handler(ResizeHandler).handler(ProbeHandler).build();
}

function code(result: CatgaResult<unknown> | undefined): string {
  if (result === undefined) return 'pending';
  return result.ok ? 'ok' : result.error.code;
}

function watch<T>(promise: Promise<T>): { readonly settled: T | undefined } {
  const state: { settled: T | undefined } = { settled: undefined };
  void promise.then((value) => (state.settled = value));
  return state;
}

describe('concurrency-limit behaviour', () => {
  beforeEach(() => {
    open.clear();
    started = [];
  });

  it('runs at most `limit` calls at once and rejects the rest with CONCURRENCY_LIMITED', async () => {
    const catga = build([concurrencyLimitBehavior({ limit: 2 }), BehaviorOrder.concurrencyLimit]);
    const a = watch(catga.send(new Render('a')));
    const b = watch(catga.send(new Render('b')));
    await flush();
    const c = await catga.send(new Render('c'));
    expect(started).toEqual(['a', 'b']);
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect([c.error.code, c.error.retryable]).toEqual(['CONCURRENCY_LIMITED', true]);
    expect(c.error.details).toEqual({ messageType: 'Render', limit: 2, queue: 0 });

    await finish('a');
    expect(a.settled).toEqual({ ok: true, value: 'a done' });
    const d = watch(catga.send(new Render('d'))); // a's slot is free again
    await flush();
    expect(started).toEqual(['a', 'b', 'd']);
    await finish('b');
    await finish('d');
    expect([code(b.settled), code(d.settled)]).toEqual(['ok', 'ok']);
  });

  it('queues up to `queue` calls in arrival order and hands each freed slot to the oldest', async () => {
    const catga = build([concurrencyLimitBehavior({ limit: 1, queue: 2 }), BehaviorOrder.concurrencyLimit]);
    const a = watch(catga.send(new Render('a')));
    const b = watch(catga.send(new Render('b')));
    const c = watch(catga.send(new Render('c')));
    await flush();
    expect(code(await catga.send(new Render('d')))).toBe('CONCURRENCY_LIMITED');
    expect(started).toEqual(['a']);
    await finish('a');
    expect(started).toEqual(['a', 'b']);
    // A newcomer while c still queues must not take b's slot after b finishes: it queues behind c.
    const e = watch(catga.send(new Render('e')));
    await finish('b');
    expect(started).toEqual(['a', 'b', 'c']);
    await finish('c');
    await finish('e');
    expect(started).toEqual(['a', 'b', 'c', 'e']);
    expect([a, b, c, e].map((call) => code(call.settled))).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('takes a cancelled caller out of the queue: it never runs and frees its place', async () => {
    const catga = build([concurrencyLimitBehavior({ limit: 1, queue: 1 }), BehaviorOrder.concurrencyLimit]);
    const controller = new AbortController();
    const a = watch(catga.send(new Render('a')));
    const b = watch(catga.send(new Render('b'), { signal: controller.signal }));
    await flush();
    controller.abort(new Error('user left'));
    await flush();
    expect(code(b.settled)).toBe('CANCELLED');
    const c = watch(catga.send(new Render('c'))); // the queue has room again
    await flush();
    expect(code(c.settled)).toBe('pending');
    await finish('a');
    await finish('c');
    expect(started).toEqual(['a', 'c']);
    expect([code(a.settled), code(c.settled)]).toEqual(['ok', 'ok']);
  });

  it('releases the slot when the call fails', async () => {
    const failing: PipelineBehavior = { name: 'failing', handle: async () => fail('HANDLER_FAILED', 'boom') };
    const catga = build([concurrencyLimitBehavior({ limit: 1 }), BehaviorOrder.concurrencyLimit], [failing, BehaviorOrder.concurrencyLimit + 1]);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(code(await catga.send(new Render(String(i)))));
    expect(outcomes).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED', 'HANDLER_FAILED']);
  });

  it('keeps one bulkhead per type, merges a message own limit over the instance one and honours false', async () => {
    const catga = build([concurrencyLimitBehavior({ limit: 1 }), BehaviorOrder.concurrencyLimit]);
    const calls = ['r1', 'r2', 's1', 's2', 's3', 'p1', 'p2', 'p3'].map((id) => {
      const message = id.startsWith('r') ? new Render(id) : id.startsWith('s') ? new Resize(id) : new Probe(id);
      return watch(catga.send(message));
    });
    await flush();
    expect(started).toEqual(['r1', 's1', 's2', 'p1', 'p2', 'p3']);
    expect(calls.map((call) => code(call.settled))).toEqual([
      'pending',
      'CONCURRENCY_LIMITED',
      'pending',
      'pending',
      'CONCURRENCY_LIMITED', // Resize declares limit 2
      'pending',
      'pending',
      'pending', // Probe declares concurrency: false
    ]);
    for (const id of [...open.keys()]) await finish(id);
  });

  it('gives no step to a type without a limit, and rejects a bad instance-wide limit at once', () => {
    const descriptor: MessageDescriptor = { typeName: 'Render', kind: 'command', handlerName: 'RenderHandler', messageClass: Render, options: {} };
    expect(concurrencyLimitBehavior().forMessage?.(descriptor)).toBeUndefined();
    expect(concurrencyLimitBehavior({ limit: 1 }).forMessage?.({ ...descriptor, options: { concurrency: false } })).toBeUndefined();
    expect(() => concurrencyLimitBehavior({ limit: 0 })).toThrow('concurrency.limit');
  });
});
