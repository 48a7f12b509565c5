import { pipelineFailed } from './failures.js';
import type { Counter, Executor, HookedLayer } from './hooked-run.js';
import type { Message } from './messages.js';
import type { PipelineContext } from './pipeline.js';
import type { CatgaResult, Fail } from './result.js';
import type { StepHooks } from './step-hooks.js';

// What `@catga/transformer` generates for a handler's hooked behaviours, and how the runtime fills it in. The
// generated code is the hooked run (hooked-run.ts) written out once per handler, slot by slot: each behaviour's
// `enter`, `within` and `leave` get call sites of their own, which see one behaviour each, so V8 inlines them,
// where the hooked run's loop calls every behaviour from the same site.

/** One slot of a generated pipeline: the behaviour it runs (by name) and the hooks its code calls. */
export interface PipelineSlot {
  /** The behaviour's name (`tracing`, `circuit-breaker`, …): a layer of that name fills the slot. */
  readonly name: string;
  /** Whether the generated code calls the behaviour's `within`; a behaviour that has one needs a slot that does. */
  readonly within: boolean;
  /** Whether the generated code calls the behaviour's `leave`. */
  readonly leave: boolean;
}

/** What a generated pipeline gets from the route it runs for, besides its slots. */
export interface PipelineRoute {
  /** The run inside the slots: the handler call, or the pipeline's inner layers. Never rejects by contract. */
  readonly inner: Executor;
  /** The name `PIPELINE_FAILED` gives when `inner` rejects all the same: the innermost filled slot's. */
  readonly innermost: string;
  /** The call's start (`performance.now()`) when a hook asks for it, else 0: one clock read per call. */
  startedAt(): number;
  /** Counts the call as started. */
  start(): void;
  /** Counts the call as ended; returns `result`. */
  end(result: CatgaResult<unknown>): CatgaResult<unknown>;
  /** What a throwing hook of `behavior` (or a rejecting `within`/`leave` promise) ends the call with. */
  failed(thrown: unknown, behavior: string, context: PipelineContext): Fail;
}

/** The hooks of each slot, in slot order; `undefined` for a slot no layer of this route fills. */
export type PipelineSlots = readonly (StepHooks | undefined)[];

/**
 * The pipeline `@catga/transformer` generates for a handler: the hooked behaviours it can run, in order, and the
 * code that runs them, slot by slot, around `route.inner`. Same semantics as {@link hookedRun}.
 */
export interface CompiledPipeline {
  readonly slots: readonly PipelineSlot[];
  readonly create: (slots: PipelineSlots, route: PipelineRoute) => PipelineExecutor;
}

/**
 * The slots of a group of hooked layers, when every layer fits a slot of `pipeline` in the slot order (by name, and
 * with no `within` or `leave` the slot's code would not call); `undefined` when one does not, and the group runs
 * as a hooked run.
 */
export function slotsFor(pipeline: CompiledPipeline, layers: readonly HookedLayer[]): PipelineSlots | undefined {
  const slots = new Array<StepHooks | undefined>(pipeline.slots.length).fill(undefined);
  let next = 0;
  for (const { name, hooks } of layers) {
    while (next < pipeline.slots.length && pipeline.slots[next]!.name !== name) next++;
    const slot = pipeline.slots[next];
    if (slot === undefined) return undefined;
    if ((hooks.within !== undefined && !slot.within) || (hooks.leave !== undefined && !slot.leave)) return undefined;
    slots[next++] = hooks;
  }
  return slots;
}

/**
 * The executor of a group of hooked layers through the handler's generated pipeline, or `undefined` when the group
 * does not fit it (see {@link slotsFor}).
 */
export function compiledRun(pipeline: CompiledPipeline, layers: readonly HookedLayer[], inner: Executor, typeName: string, counter: Counter): Executor | undefined {
  const slots = layers.length === 0 ? undefined : slotsFor(pipeline, layers);
  if (slots === undefined) return undefined;
  const timed = layers.some((layer) => layer.hooks.timed === true);
  const route: PipelineRoute = {
    inner,
    innermost: layers[layers.length - 1]!.name,
    startedAt: timed ? () => performance.now() : () => 0,
    start: () => counter.start(),
    end: (result) => {
      counter.end();
      return result;
    },
    failed: (thrown, behavior, context) => pipelineFailed(thrown, behavior, typeName, context.signal),
  };
  return pipeline.create(slots, route);
}

/** Runs one call of a route through its pipeline; what {@link CompiledPipeline.create} returns. Never rejects. */
export type PipelineExecutor = (message: Message, context: PipelineContext) => Promise<CatgaResult<unknown>>;
