import {
  type CatgaBuilder,
  CatgaCommand,
  CatgaHandler,
  Command,
  type HandlerContext,
  type PipelineBehavior,
  type PipelineContext,
  createCatga,
  fail,
} from '@catga/runtime';
import { hookedStep, Stop, type StepHooks } from '../src/core/step-hooks.js';

// Hooked behaviours (the built-ins' form) run from one function per pipeline; these tests pin that they behave
// exactly as composed steps do: order, short-circuits, failures, scopes, derived contexts and in-flight counting.

@CatgaCommand()
class Charge extends Command<string> {
  constructor(readonly amount: number) {
    super();
  }
}

const trace: string[] = [];
let seenByHandler: HandlerContext | undefined;

@CatgaHandler(Charge)
class ChargeHandler {
  async handle(command: Charge, context: HandlerContext): Promise<string> {
    seenByHandler = context;
    trace.push('handler');
    if (command.amount < 0) throw new Error('negative');
    return `charged ${command.amount}`;
  }
}

/** A hooked behaviour that records its enter and leave; `overrides` replaces any hook. */
function hooked(name: string, overrides: Partial<StepHooks<string>> = {}): PipelineBehavior {
  return {
    name,
    forMessage: () =>
      hookedStep<string>({
        enter: () => {
          trace.push(`${name}:enter`);
          return `${name}-state`;
        },
        leave: (state, result) => {
          trace.push(`${name}:leave(${state}, ${result.ok ? 'ok' : result.error.code})`);
          return result;
        },
        ...overrides,
      }),
  };
}

/** A composed (awaiting) behaviour, to mix with hooked ones. */
function composed(name: string): PipelineBehavior {
  return {
    name,
    async handle(_message, _context, next) {
      trace.push(`${name}:before`);
      const result = await next();
      trace.push(`${name}:after`);
      return result;
    },
  };
}

function build(configure: (builder: CatgaBuilder) => CatgaBuilder, preset: 'highPerformance' | 'production' = 'highPerformance') {
  return configure(createCatga({ preset }).handler(ChargeHandler)).build();
}

describe('hooked behaviours', () => {
  beforeEach(() => {
    trace.splice(0);
    seenByHandler = undefined;
  });

  it('enter in order and leave in reverse order, around composed behaviours placed between them', async () => {
    const catga = build((b) => b.use(hooked('a'), { order: 10 }).use(composed('c'), { order: 20 }).use(hooked('b'), { order: 30 }).use(hooked('d'), { order: 40 }));
    expect(await catga.send(new Charge(5))).toEqual({ ok: true, value: 'charged 5' });
    expect(trace).toEqual([
      'a:enter',
      'c:before',
      'b:enter',
      'd:enter',
      'handler',
      'd:leave(d-state, ok)',
      'b:leave(b-state, ok)',
      'c:after',
      'a:leave(a-state, ok)',
    ]);
  });

  it('a Stop skips the inner layers and the handler; outer layers leave with its result', async () => {
    const guard = hooked('guard', { enter: () => new Stop(fail('FORBIDDEN', 'no')) });
    const catga = build((b) => b.use(hooked('outer'), { order: 10 }).use(guard, { order: 20 }).use(hooked('inner'), { order: 30 }));
    const result = await catga.send(new Charge(5));
    expect(result.ok || result.error.code).toBe('FORBIDDEN');
    expect(trace).toEqual(['outer:enter', 'outer:leave(outer-state, FORBIDDEN)']);
  });

  it('an enter that throws ends the call with PIPELINE_FAILED naming the behaviour', async () => {
    const broken = hooked('broken', {
      enter: () => {
        throw new Error('enter broke');
      },
    });
    const catga = build((b) => b.use(hooked('outer'), { order: 10 }).use(broken, { order: 20 }));
    const result = await catga.send(new Charge(5));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('PIPELINE_FAILED');
    expect(result.error.message).toContain('broken');
    expect(trace).toEqual(['outer:enter', 'outer:leave(outer-state, PIPELINE_FAILED)']);
  });

  it('a leave that throws turns the outcome into PIPELINE_FAILED for the outer layers, after the handler ran', async () => {
    const broken = hooked('broken', {
      leave: () => {
        throw new Error('leave broke');
      },
    });
    const catga = build((b) => b.use(hooked('outer'), { order: 10 }).use(broken, { order: 20 }));
    const result = await catga.send(new Charge(5));
    expect(result.ok || result.error.code).toBe('PIPELINE_FAILED');
    expect(trace).toEqual(['outer:enter', 'broken:enter', 'handler', 'outer:leave(outer-state, PIPELINE_FAILED)']);
  });

  it('a leave may return a promise; the outer layers wait for it, and a rejection is that layer\'s failure', async () => {
    let release: () => void = () => undefined;
    const slow = hooked('slow', {
      leave: (_state, result) =>
        new Promise((resolve) => {
          release = () => resolve(result);
        }),
    });
    const rejecting = hooked('rejecting', { leave: () => Promise.reject(new Error('store down')) });
    const catga = build((b) => b.use(hooked('outer'), { order: 10 }).use(slow, { order: 20 }).use(rejecting, { order: 30 }));
    const pending = catga.send(new Charge(5));
    await new Promise((resolve) => setImmediate(resolve));
    expect(trace).toEqual(['outer:enter', 'slow:enter', 'rejecting:enter', 'handler']);
    release();
    const result = await pending;
    expect(result.ok || result.error.code).toBe('PIPELINE_FAILED');
    expect(trace).toEqual(['outer:enter', 'slow:enter', 'rejecting:enter', 'handler', 'outer:leave(outer-state, PIPELINE_FAILED)']);
  });

  it('within encloses the inner hooks and the handler, and may hand them a derived context', async () => {
    const controller = new AbortController();
    const scope = hooked('scope', {
      within: (_state, context: PipelineContext, inner) => {
        trace.push('scope:open');
        const running = inner(context.withSignal(controller.signal));
        trace.push('scope:close');
        return running;
      },
    });
    const catga = build((b) => b.use(scope, { order: 10 }).use(hooked('inner'), { order: 20 }));
    expect(await catga.send(new Charge(5))).toEqual({ ok: true, value: 'charged 5' });
    expect(trace).toEqual(['scope:enter', 'scope:open', 'inner:enter', 'handler', 'scope:close', 'inner:leave(inner-state, ok)', 'scope:leave(scope-state, ok)']);
    expect(seenByHandler?.signal).toBe(controller.signal);
  });

  it('within may decline a scope (undefined) and the run goes on as without it', async () => {
    const scope = hooked('scope', { within: () => undefined });
    const catga = build((b) => b.use(scope, { order: 10 }).use(hooked('inner'), { order: 20 }));
    expect(await catga.send(new Charge(5))).toEqual({ ok: true, value: 'charged 5' });
    expect(trace).toEqual(['scope:enter', 'inner:enter', 'handler', 'inner:leave(inner-state, ok)', 'scope:leave(scope-state, ok)']);
  });

  it('a handler failure reaches every leave as the same failure', async () => {
    const catga = build((b) => b.use(hooked('a'), { order: 10 }).use(hooked('b'), { order: 20 }));
    const result = await catga.send(new Charge(-1));
    expect(result.ok || result.error.code).toBe('HANDLER_FAILED');
    expect(trace).toEqual(['a:enter', 'b:enter', 'handler', 'b:leave(b-state, HANDLER_FAILED)', 'a:leave(a-state, HANDLER_FAILED)']);
  });

  it('close() waits for a call whose outermost hooked leave is still pending', async () => {
    let release: () => void = () => undefined;
    const slow = hooked('slow', {
      leave: (_state, result) =>
        new Promise((resolve) => {
          release = () => resolve(result);
        }),
    });
    const catga = build((b) => b.use(slow, { order: 10 }));
    const pending = catga.send(new Charge(5));
    await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = catga.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(await pending).toEqual({ ok: true, value: 'charged 5' });
  });

  it('the step form of hooks (for callers composing steps one by one) does the same work', async () => {
    const step = hookedStep<string>({
      enter: () => 'state',
      within: (_state, context, inner) => inner(context),
      leave: (state, result) => (result.ok ? { ok: true, value: `${String(result.value)} via ${state}` } : result),
    });
    const context = { signal: new AbortController().signal } as unknown as PipelineContext;
    const result = await step(new Charge(1), context, async (inner) => ({ ok: true, value: inner === context ? 'same context' : 'other' }));
    expect(result).toEqual({ ok: true, value: 'same context via state' });
    const stopped = await hookedStep({ enter: () => new Stop(fail('CONFLICT', 'taken')) })(new Charge(1), context, () => Promise.reject(new Error('must not run')));
    expect(stopped.ok || stopped.error.code).toBe('CONFLICT');
  });

  it('the production preset runs its built-in behaviours as one hooked run around the handler', async () => {
    const silent = () => undefined;
    const logger = { debug: silent, info: silent, warn: silent, error: silent };
    const catga = build((b) => b.use(composed('user'), { order: 850 }).withLogging({ logger }), 'production');
    expect(await catga.send(new Charge(5))).toEqual({ ok: true, value: 'charged 5' });
    // The user's composed behaviour (order 850, between dead letter and timeout) still sits where its order says.
    expect(trace).toEqual(['user:before', 'handler', 'user:after']);
    const failed = await catga.send(new Charge(-1));
    expect(failed.ok || failed.error.code).toBe('HANDLER_FAILED');
    expect(await catga.deadLetters.list()).toHaveLength(1);
  });
});
