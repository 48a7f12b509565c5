import type { AnyMessage } from './messages.js';
import type { Next, PipelineContext, PipelineStep } from './pipeline.js';
import type { CatgaResult } from './result.js';

/** What {@link StepHooks.enter} returns to end the call at once with `result`: inner layers and the handler do not run. */
export class Stop {
  constructor(readonly result: CatgaResult<unknown>) {}
}

/**
 * A behaviour's work for one message type as synchronous code before and after the inner layers, instead of a
 * function that awaits `next()`. The dispatcher runs consecutive hooked steps from one function, in order, with no
 * promise, closure or async frame per layer: this is how the built-in behaviours cost a few nanoseconds each
 * instead of a promise chain. Everything a hook does must be synchronous, except `leave`, which may return a promise
 * on a path that needs one (storing a dead letter).
 *
 * Semantics are those of the equivalent step (see {@link hookedStep}): a hook that throws ends the call with
 * `PIPELINE_FAILED` for its behaviour, and outer behaviours see that failure.
 *
 * @typeParam S what `enter` hands to `leave` for one call (a span, a generation count), `undefined` when nothing
 * @internal
 */
export interface StepHooks<S = unknown> {
  /**
   * Whether `enter` and `leave` get `startedAt`, the call's start as `performance.now()`: read once per call for all
   * the hooks that ask, instead of once per behaviour (a clock read costs about as much as a whole direct call).
   */
  readonly timed?: boolean;
  /** Before the inner layers. Returns the call's state, or a {@link Stop} to end the call with its result. */
  enter(message: AnyMessage, context: PipelineContext, startedAt: number): S | Stop;
  /**
   * Runs the inner layers in a scope the state asks for (a span made active, a time limit) and returns their
   * promise: `inner` runs them, with `context` or a context derived from it (a signal of the attempt's own). Inner
   * hooks run inside the scope too. Returns `undefined`, without calling `inner`, when this call needs no scope.
   */
  within?(state: S, context: PipelineContext, inner: (context: PipelineContext) => Promise<CatgaResult<unknown>>): Promise<CatgaResult<unknown>> | undefined;
  /** After the inner layers, with their result; returns the result to pass outwards (usually the same one). */
  leave?(state: S, result: CatgaResult<unknown>, message: AnyMessage, startedAt: number): CatgaResult<unknown> | Promise<CatgaResult<unknown>>;
}

/** A pipeline step that also offers its work as {@link StepHooks}. @internal */
export interface HookedStep<S = unknown> extends PipelineStep {
  readonly hooks: StepHooks<S>;
}

/** The hooks of a step, when it has them. */
export function hooksOf(step: PipelineStep): StepHooks | undefined {
  const hooks = (step as Partial<HookedStep>).hooks;
  return hooks !== null && typeof hooks === 'object' && typeof hooks.enter === 'function' ? hooks : undefined;
}

/**
 * The step of a set of hooks, for whoever calls steps one by one (a test, a composition that cannot take hooks):
 * the same work as the dispatcher's inlined run, as one async function.
 */
export function hookedStep<S>(hooks: StepHooks<S>): HookedStep<S> {
  const step = async (message: AnyMessage, context: PipelineContext, next: Next): Promise<CatgaResult<unknown>> => {
    const startedAt = hooks.timed === true ? performance.now() : 0;
    const state = hooks.enter(message, context, startedAt);
    if (state instanceof Stop) return state.result;
    const result = await (hooks.within?.(state as S, context, next) ?? next());
    return hooks.leave === undefined ? result : hooks.leave(state as S, result, message, startedAt);
  };
  return Object.assign(step, { hooks });
}
