import * as runtime from '@catga/runtime';
import { CatgaCommand, CatgaHandler, Command, createCatga, defineHandler, fail, ok, type CatgaResult, type PipelineContext } from '@catga/runtime';
import { PIPELINE_SLOTS, pipelineName, writePipeline, writePipelineEntry } from '../../transformer/src/emit/pipeline-programmer.js';
import { type CompiledPipeline, compiledRun, slotsFor } from '../src/core/compiled-pipeline.js';
import { type Counter, type Executor, type HookedLayer, hookedRun } from '../src/core/hooked-run.js';
import { Stop, type StepHooks } from '../src/core/step-hooks.js';

// The pipeline @catga/transformer writes for a handler must behave exactly as the runtime's hooked run of the same
// layers: the same hooks called in the same order with the same contexts, the same result, the same failures and
// the same in-flight count. The generated text is evaluated as the plugin emits it (JavaScript) against the runtime.

/** The pipeline `writePipeline` generates, evaluated: its `defineHandler` entry and the function it names. */
function generatedPipeline(): CompiledPipeline {
  const code = `${writePipeline('SampleHandler', 'Sample', false)}\nreturn {\n${writePipelineEntry('SampleHandler')}\n}.pipeline;`;
  return new Function('__catga', code)(runtime) as CompiledPipeline;
}

const pipeline = generatedPipeline();

/** A deterministic pseudo-random source (mulberry32), so a failing scenario can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type EnterPlan = 'state' | 'throw' | 'stop';
type WithinPlan = 'none' | 'undefined' | 'derive' | 'throw' | 'reject';
type LeavePlan = 'none' | 'same' | 'mark' | 'throw' | 'async' | 'reject';

interface LayerPlan {
  readonly name: string;
  readonly timed: boolean;
  readonly enter: EnterPlan;
  readonly within: WithinPlan;
  readonly leave: LeavePlan;
}

interface Scenario {
  readonly layers: readonly LayerPlan[];
  readonly inner: 'ok' | 'reject';
}

function pick<T>(next: () => number, choices: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let roll = next() * total;
  for (let i = 0; i < choices.length; i++) {
    roll -= weights[i]!;
    if (roll < 0) return choices[i]!;
  }
  return choices[choices.length - 1]!;
}

/** Some of the slots, in slot order, each with a random but mostly successful behaviour. */
function scenario(seed: number): Scenario {
  const next = random(seed);
  const layers: LayerPlan[] = [];
  for (const slot of PIPELINE_SLOTS) {
    if (next() < 0.3) continue;
    layers.push({
      name: slot.name,
      timed: next() < 0.5,
      enter: pick(next, ['state', 'throw', 'stop'] as const, [8, 1, 1]),
      within: slot.within ? pick(next, ['none', 'undefined', 'derive', 'throw', 'reject'] as const, [3, 3, 4, 1, 1]) : 'none',
      leave: slot.leave ? pick(next, ['none', 'same', 'mark', 'throw', 'async', 'reject'] as const, [2, 3, 3, 1, 2, 1]) : 'none',
    });
  }
  return { layers, inner: next() < 0.9 ? 'ok' : 'reject' };
}

/** What one run did, as data: every hook call with what it saw, the result, and the in-flight count. */
interface Observed {
  readonly calls: string[];
  result?: unknown;
  started: number;
  ended: number;
}

/** The context a scope derives: the caller's, marked with the scope's name. */
const derived = (context: PipelineContext, by: string): PipelineContext => ({ ...context, derivedBy: `${(context as { derivedBy?: string }).derivedBy ?? 'root'}>${by}` }) as PipelineContext;
const marker = (context: PipelineContext): string => (context as { derivedBy?: string }).derivedBy ?? 'root';

function summary(result: CatgaResult<unknown>): unknown {
  return result.ok ? { ok: true, value: result.value } : { ok: false, code: result.error.code, message: result.error.message };
}

function layersOf(plan: Scenario, seen: Observed): HookedLayer[] {
  return plan.layers.map((layer): HookedLayer => {
    const { name } = layer;
    const hooks: StepHooks<string> = {
      ...(layer.timed ? { timed: true } : {}),
      enter(message, context, startedAt) {
        seen.calls.push(`enter ${name} in ${marker(context)}${startedAt > 0 ? ' timed' : ''}`);
        if (layer.enter === 'throw') throw new Error(`${name} entered badly`);
        if (layer.enter === 'stop') return new Stop(fail('CONFLICT', `${name} stopped ${String((message as { id?: unknown }).id)}`));
        return `${name}-state`;
      },
      ...(layer.within === 'none'
        ? {}
        : {
            within(state, context, inner) {
              seen.calls.push(`within ${name} with ${state} in ${marker(context)}`);
              if (layer.within === 'undefined') return undefined;
              if (layer.within === 'throw') throw new Error(`${name} scoped badly`);
              if (layer.within === 'reject') return Promise.reject(new Error(`${name} scope rejected`));
              return inner(derived(context, name));
            },
          }),
      ...(layer.leave === 'none'
        ? {}
        : {
            leave(state, result) {
              seen.calls.push(`leave ${name} with ${state} after ${JSON.stringify(summary(result))}`);
              const marked: CatgaResult<unknown> = result.ok ? ok(`${String(result.value)}+${name}`) : result;
              switch (layer.leave) {
                case 'throw':
                  throw new Error(`${name} left badly`);
                case 'async':
                  return Promise.resolve(marked);
                case 'reject':
                  return Promise.reject(new Error(`${name} leave rejected`));
                case 'mark':
                  return marked;
                default:
                  return result;
              }
            },
          }),
    };
    return { name, hooks: hooks as StepHooks };
  });
}

async function observe(plan: Scenario, build: (layers: HookedLayer[], inner: Executor, counter: Counter) => Executor): Promise<Observed> {
  const seen: Observed = { calls: [], started: 0, ended: 0 };
  const counter: Counter = { start: () => void seen.started++, end: () => void seen.ended++ };
  const inner: Executor = (message, context) => {
    seen.calls.push(`inner in ${marker(context)}`);
    return plan.inner === 'ok' ? Promise.resolve(ok(`handled ${String((message as { id?: unknown }).id)}`)) : Promise.reject(new Error('inner broke its contract'));
  };
  const execute = build(layersOf(plan, seen), inner, counter);
  const context = { signal: new AbortController().signal } as PipelineContext;
  seen.result = summary(await execute({ id: 7 } as never, context));
  return seen;
}

describe('generated pipeline', () => {
  it('behaves as the hooked run of the same layers, in 600 random scenarios', async () => {
    let compared = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const plan = scenario(seed);
      if (plan.layers.length === 0) continue;
      const expected = await observe(plan, (layers, inner, counter) => hookedRun(layers, inner, 'Sample', counter));
      const actual = await observe(plan, (layers, inner, counter) => {
        const run = compiledRun(pipeline, layers, inner, 'Sample', counter);
        if (run === undefined) throw new Error(`seed ${seed}: the layers did not fit the generated slots`);
        return run;
      });
      expect({ seed, ...actual }).toEqual({ seed, ...expected });
      expect(actual.ended).toBe(1);
      compared++;
    }
    expect(compared).toBeGreaterThan(550);
  });

  it('names the failing behaviour and keeps the outer leaves on every failure path', async () => {
    const plan: Scenario = {
      layers: [
        { name: 'tracing', timed: false, enter: 'state', within: 'derive', leave: 'mark' },
        { name: 'circuit-breaker', timed: true, enter: 'state', within: 'none', leave: 'throw' },
        { name: 'timeout', timed: true, enter: 'state', within: 'derive', leave: 'none' },
      ],
      inner: 'ok',
    };
    const seen = await observe(plan, (layers, inner, counter) => compiledRun(pipeline, layers, inner, 'Sample', counter)!);
    expect(seen.result).toEqual({ ok: false, code: 'PIPELINE_FAILED', message: expect.stringContaining('circuit-breaker') });
    expect(seen.calls).toEqual([
      // One start per call, for every hook, as soon as one of them asks for it.
      'enter tracing in root timed',
      'within tracing with tracing-state in root',
      'enter circuit-breaker in root>tracing timed',
      'enter timeout in root>tracing timed',
      'within timeout with timeout-state in root>tracing',
      'inner in root>tracing>timeout',
      'leave circuit-breaker with circuit-breaker-state after {"ok":true,"value":"handled 7"}',
      expect.stringMatching(/^leave tracing with tracing-state after \{"ok":false,"code":"PIPELINE_FAILED"/),
    ]);
    expect([seen.started, seen.ended]).toEqual([1, 1]);
  });

  it('takes only layers that fit its slots, in slot order', () => {
    const hooks = (extra: Partial<StepHooks> = {}): StepHooks => ({ enter: () => undefined, ...extra });
    const fits = (...layers: HookedLayer[]): boolean => slotsFor(pipeline, layers) !== undefined;
    expect(fits({ name: 'tracing', hooks: hooks() }, { name: 'timeout', hooks: hooks({ within: () => undefined }) })).toBe(true);
    // Out of order, unknown, or a hook the slot's code would never call: the hooked run takes the group.
    expect(fits({ name: 'timeout', hooks: hooks() }, { name: 'tracing', hooks: hooks() })).toBe(false);
    expect(fits({ name: 'tracing', hooks: hooks() }, { name: 'audit', hooks: hooks() })).toBe(false);
    expect(fits({ name: 'validation', hooks: hooks({ leave: (_state, result) => result }) })).toBe(false);
    expect(fits({ name: 'logging', hooks: hooks({ within: () => undefined }) })).toBe(false);
    const slots = slotsFor(pipeline, [{ name: 'logging', hooks: hooks() }, { name: 'dead-letter', hooks: hooks() }])!;
    expect(slots.map((slot) => slot !== undefined)).toEqual(PIPELINE_SLOTS.map((slot) => slot.name === 'logging' || slot.name === 'dead-letter'));
  });

  it('is declared at module level under a name of its own', () => {
    expect(writePipeline('SampleHandler', 'Sample', false)).toContain(`const ${pipelineName('SampleHandler')} = (slots, route) => {`);
  });
});

@CatgaCommand()
class Sample extends Command<string> {
  constructor(readonly id: number) {
    super();
  }
}

@CatgaHandler(Sample)
class SampleHandler {
  handle(command: Sample): Promise<string> {
    return Promise.resolve(`sample ${command.id}`);
  }
}

describe('generated pipeline in an instance', () => {
  const created: string[] = [];
  beforeAll(() => {
    const create: CompiledPipeline['create'] = (slots, route) => {
      created.push(slots.map((slot, i) => (slot === undefined ? '' : pipeline.slots[i]!.name)).filter(Boolean).join(' '));
      return pipeline.create(slots, route);
    };
    defineHandler(SampleHandler, { message: Sample, returns: 'promise', invoke: (handler: SampleHandler, message: Sample) => handler.handle(message), pipeline: { slots: pipeline.slots, create }, source: 'test:1' });
  });

  it('runs the routes of the production preset through it', async () => {
    created.length = 0;
    const catga = createCatga({ preset: 'production', untransformed: 'allow' }).withLogging({ logger: { debug() {}, info() {}, warn() {}, error() {} } }).handler(SampleHandler).build();
    // Validation and metrics stay out: Sample has no generated validator here, and no OTel SDK is registered.
    expect(created[0]).toBe('tracing logging circuit-breaker dead-letter timeout');
    expect(await catga.send(new Sample(3))).toEqual(ok('sample 3'));
    await catga.close();
  });

  it('runs the hooked groups on both sides of retry through it', async () => {
    created.length = 0;
    const catga = createCatga({ preset: 'production', untransformed: 'allow' }).withLogging(false).withRetry({ attempts: 2, baseDelayMs: 1 }).handler(SampleHandler).build();
    expect(created).toContain('tracing circuit-breaker dead-letter');
    expect(created).toContain('timeout');
    expect(await catga.send(new Sample(4))).toEqual(ok('sample 4'));
    await catga.close();
  });

  it('refuses a malformed pipeline when the handler is defined', () => {
    class BrokenHandler {
      handle(): string {
        return 'never';
      }
    }
    const describeWith = (pipeline: unknown) => () =>
      defineHandler(BrokenHandler, { message: Sample, returns: 'value', invoke: (handler: BrokenHandler) => handler.handle(), pipeline: pipeline as CompiledPipeline, source: 'test:2' });
    for (const malformed of [null, { slots: pipeline.slots }, { slots: [{ name: 'tracing' }], create: () => undefined }, { slots: 'tracing', create: () => undefined }]) {
      expect(describeWith(malformed)).toThrow('the generated handler description is malformed (rebuild)');
    }
  });

  it('leaves a route with a behaviour of its own among the hooked ones to the hooked run', async () => {
    created.length = 0;
    const audit = { name: 'audit', forMessage: () => Object.assign(() => Promise.resolve(ok('never')), { precheck: () => undefined }) };
    const catga = createCatga({ preset: 'production', untransformed: 'allow' }).withLogging(false).use(audit, { order: 750 }).handler(SampleHandler).build();
    expect(created.filter((names) => names.includes('circuit-breaker'))).toEqual([]);
    expect(await catga.send(new Sample(5))).toEqual(ok('sample 5'));
    await catga.close();
  });
});
