import { pipelineFailed } from './failures.js';
import type { InFlight } from './in-flight.js';
import type { Message } from './messages.js';
import type { PipelineContext } from './pipeline.js';
import type { CatgaResult } from './result.js';
import { Stop, type StepHooks } from './step-hooks.js';
import { isThenable } from './thenable.js';

/** Runs one handler for one message through its pipeline (or the part of it inside a layer). Never rejects. */
export type Executor = (message: Message, context: PipelineContext) => Promise<CatgaResult<unknown>>;

/** What a run counts itself in: the dispatcher's calls in flight, or nothing. */
export type Counter = Pick<InFlight, 'start' | 'end'>;

/** Counts nothing: for runs that the dispatcher counts itself. */
export const UNCOUNTED: Counter = { start: () => undefined, end: () => undefined };

/** One hooked behaviour of a pipeline, with its name for `PIPELINE_FAILED`. */
export interface HookedLayer {
  readonly name: string;
  readonly hooks: StepHooks;
}

type Outcome = CatgaResult<unknown> | Promise<CatgaResult<unknown>>;

/**
 * Runs consecutive hooked behaviours around `inner` from one function: every `enter` in order, then `inner`, then
 * every `leave` in reverse order on its result. Per call that is one promise reaction (on `inner`) and one array of
 * states, whatever the number of layers, where composed steps cost a promise, a closure and an async frame each.
 * A scope a layer asks for (`within`, an active span) encloses the inner layers' hooks as well.
 *
 * Failures follow the composed steps exactly: a hook that throws (or a `leave` whose promise rejects) ends the call
 * with `PIPELINE_FAILED` for its behaviour and the outer layers' `leave` see that failure; a {@link Stop} skips the
 * inner layers, and the outer ones see its result. `counter` counts the run from its start until the outermost
 * `leave` is done.
 */
export function hookedRun(layers: readonly HookedLayer[], inner: Executor, typeName: string, counter: Counter): Executor {
  const hooks = layers.map((layer) => layer.hooks);
  const names = layers.map((layer) => layer.name);
  const count = hooks.length;
  const timed = hooks.some((layer) => layer.timed === true);

  /** The `leave` of layers `from` down to `last`, starting with `result`. Ends the count when `last` is 0. */
  function unwind(from: number, last: number, result: CatgaResult<unknown>, states: unknown[], message: Message, context: PipelineContext, startedAt: number): Outcome {
    for (let i = from; i >= last; i--) {
      const layer = hooks[i]!;
      if (layer.leave === undefined) continue;
      let out: Outcome;
      try {
        out = layer.leave(states[i], result, message, startedAt);
      } catch (thrown) {
        result = pipelineFailed(thrown, names[i]!, typeName, context.signal);
        continue;
      }
      if (isThenable<CatgaResult<unknown>>(out)) {
        const name = names[i]!;
        return out.then(
          (settled) => unwind(i - 1, last, settled, states, message, context, startedAt),
          (thrown: unknown) => unwind(i - 1, last, pipelineFailed(thrown, name, typeName, context.signal), states, message, context, startedAt),
        );
      }
      result = out;
    }
    if (last === 0) counter.end();
    return result;
  }

  /** Layers `first` and inward, then `inner`, then their `leave` back down to `first`. */
  function enterFrom(first: number, states: unknown[], message: Message, context: PipelineContext, startedAt: number): Promise<CatgaResult<unknown>> {
    for (let i = first; i < count; i++) {
      const layer = hooks[i]!;
      let state: unknown;
      try {
        state = layer.enter(message, context, startedAt);
      } catch (thrown) {
        return Promise.resolve(unwind(i - 1, first, pipelineFailed(thrown, names[i]!, typeName, context.signal), states, message, context, startedAt));
      }
      if (state instanceof Stop) return Promise.resolve(unwind(i - 1, first, state.result, states, message, context, startedAt));
      states[i] = state;
      if (layer.within !== undefined) {
        const name = names[i]!;
        const fromHere = i;
        // Innermost (the timeout, typically): the scope runs `inner` itself, with no reaction of ours in between.
        const within =
          fromHere + 1 === count
            ? (inside: PipelineContext) => inner(message, inside)
            : (inside: PipelineContext) => enterFrom(fromHere + 1, states, message, inside, startedAt);
        let scoped: Promise<CatgaResult<unknown>> | undefined;
        try {
          scoped = layer.within(state, context, within);
        } catch (thrown) {
          scoped = Promise.resolve(pipelineFailed(thrown, name, typeName, context.signal));
        }
        if (scoped !== undefined) {
          return scoped.then(
            (result) => unwind(fromHere, first, result, states, message, context, startedAt),
            (thrown: unknown) => unwind(fromHere, first, pipelineFailed(thrown, name, typeName, context.signal), states, message, context, startedAt),
          );
        }
      }
    }
    // `inner` never rejects by contract; should it, the innermost hooked behaviour reports it, as a composed step would.
    const innermost = names[count - 1]!;
    return inner(message, context).then(
      (result) => unwind(count - 1, first, result, states, message, context, startedAt),
      (thrown: unknown) => unwind(count - 1, first, pipelineFailed(thrown, innermost, typeName, context.signal), states, message, context, startedAt),
    );
  }

  return (message, context) => {
    counter.start();
    return enterFrom(0, new Array<unknown>(count), message, context, timed ? performance.now() : 0);
  };
}
