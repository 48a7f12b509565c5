// Model -> code text: a handler's pipeline. It is the runtime's hooked run (runtime/src/core/hooked-run.ts) written
// out as straight-line code, one block per behaviour slot, so that each hook has call sites of its own: V8 inlines a
// call site that sees one function, where the hooked run's loop calls every behaviour from the same site. The
// runtime fills the slots when the instance is built, and keeps the hooked run for a route whose behaviours do not
// fit them (runtime/src/core/compiled-pipeline.ts).

/** A hooked built-in behaviour of the runtime. */
interface Slot {
  /** The behaviour's name, by which the runtime matches a layer to the slot. */
  readonly name: string;
  /** The identifier of its hooks in the generated code. */
  readonly id: string;
  /** Whether the behaviour may ask for a scope (`within`) or work after the inner layers (`leave`). */
  readonly within: boolean;
  readonly leave: boolean;
}

/** The runtime's hooked built-ins (`runtime/src/behaviors/*.ts`), outermost first, as `BehaviorOrder` runs them. */
export const PIPELINE_SLOTS: readonly Slot[] = [
  { name: 'tracing', id: 'tracing', within: true, leave: true },
  { name: 'metrics', id: 'metrics', within: false, leave: true },
  { name: 'logging', id: 'logging', within: false, leave: true },
  { name: 'validation', id: 'validation', within: false, leave: false },
  { name: 'circuit-breaker', id: 'circuitBreaker', within: false, leave: true },
  { name: 'dead-letter', id: 'deadLetter', within: false, leave: true },
  { name: 'timeout', id: 'timeout', within: true, leave: false },
];

const q = JSON.stringify;
const capitalized = (id: string): string => id[0]!.toUpperCase() + id.slice(1);

/** The module-level name of a handler's pipeline function. */
export function pipelineName(handlerName: string): string {
  return `__catga_pipeline_${handlerName}`;
}

/** `pipeline: {...},` for a handler's `defineHandler` object: the slots and the function {@link writePipeline} wrote. */
export function writePipelineEntry(handlerName: string): string {
  const slots = PIPELINE_SLOTS.map(({ name, within, leave }) => `{ name: ${q(name)}, within: ${within}, leave: ${leave} }`);
  return [`    pipeline: {`, `        slots: [`, ...slots.map((slot) => `            ${slot},`), `        ],`, `        create: ${pipelineName(handlerName)},`, `    },`].join('\n');
}

/**
 * The function that creates a handler's pipeline for one route, a module-level constant declared before the
 * `defineHandler` statement that names it. `typed` writes the TypeScript that `catga generate` emits; otherwise
 * plain JavaScript that any ES2015 target accepts, since the plugin inserts the text as it is, after TypeScript's
 * own down-levelling.
 */
export function writePipeline(handlerName: string, messageName: string, typed: boolean): string {
  const t = (annotation: string): string => (typed ? annotation : '');
  const last = PIPELINE_SLOTS.length - 1;
  const failed = (name: string): string => `route.failed(thrown, ${name}, context)`;
  const lines: string[] = [];
  const add = (depth: number, ...text: string[]): void => {
    for (const line of text) lines.push(`${'    '.repeat(depth)}${line}`);
  };

  add(0, `/** The pipeline of ${handlerName} for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */`);
  // A constant rather than a function declaration: the plugin prints generated text as an expression statement.
  add(0, `const ${pipelineName(handlerName)} = (slots${t(': __catga.PipelineSlots')}, route${t(': __catga.PipelineRoute')})${t(': __catga.PipelineExecutor')} => {`);
  add(1, `const [${PIPELINE_SLOTS.map((slot) => slot.id).join(', ')}] = slots;`);
  add(1, `/** One call of ${messageName}: its message, its start, and what each slot's enter() gave its leave(). */`);
  add(1, 'class Run {');
  if (typed) {
    add(2, 'readonly message: __catga.Message;', 'readonly startedAt: number;');
    for (const slot of PIPELINE_SLOTS) if (slot.leave) add(2, `${slot.id}: unknown;`);
  }
  add(2, `constructor(message${t(': __catga.Message')}, startedAt${t(': number')}) {`);
  add(3, 'this.message = message;', 'this.startedAt = startedAt;');
  for (const slot of PIPELINE_SLOTS) if (slot.leave) add(3, `this.${slot.id} = undefined;`);
  add(2, '}');

  const enterOf = (k: number): string => (k <= last ? `enter${capitalized(PIPELINE_SLOTS[k]!.id)}` : 'callInner');
  const leaveOf = (k: number): string => `leave${capitalized(PIPELINE_SLOTS[k]!.id)}`;
  /** A result passing slot `k` outwards (its own leave() done or skipped): the call's end, or the slot before. */
  const past = (k: number, value: string): string => (k === 0 ? `route.end(${value})` : `first === ${k} ? ${value} : this.${leaveOf(k - 1)}(${value}, first, context)`);
  const context = `context${t(': __catga.PipelineContext')}`;
  const promise = t(': Promise<__catga.CatgaResult<unknown>>');
  const outcome = t(': __catga.CatgaResult<unknown> | Promise<__catga.CatgaResult<unknown>>');
  const thrown = `(thrown${t(': unknown')})`;
  add(2, '// enterX: slot X\'s enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.');
  PIPELINE_SLOTS.forEach((slot, k) => {
    const { id, name } = slot;
    add(2, `${enterOf(k)}(first${t(': number')}, ${context})${promise} {`);
    add(3, `if (${id} !== undefined) {`);
    add(4, `let state${t(': unknown')};`, 'try {');
    add(5, `state = ${id}.enter(this.message, context, this.startedAt);`);
    add(4, '} catch (thrown) {');
    add(5, `state = new __catga.Stop(${failed(q(name))});`);
    add(4, '}');
    add(4, `if (state instanceof __catga.Stop) return Promise.resolve(${past(k, 'state.result')});`);
    if (slot.leave) add(4, `this.${id} = state;`);
    if (slot.within) {
      // The innermost slot's scope runs route.inner itself: no reaction of ours in between.
      const inside = k === last ? 'route.inner(this.message, inside)' : `this.${enterOf(k + 1)}(${k + 1}, inside)`;
      add(4, `if (${id}.within !== undefined) {`);
      add(5, `let scoped${t(': Promise<__catga.CatgaResult<unknown>> | undefined')};`, 'try {');
      add(6, `scoped = ${id}.within(state, context, (inside${t(': __catga.PipelineContext')}) => ${inside});`);
      add(5, '} catch (thrown) {');
      add(6, `scoped = Promise.resolve(${failed(q(name))});`);
      add(5, '}');
      add(5, `if (scoped !== undefined) return scoped.then((done) => this.${leaveOf(k)}(done, first, context), ${thrown} => this.${leaveOf(k)}(${failed(q(name))}, first, context));`);
      add(4, '}');
    }
    add(3, '}');
    add(3, `return this.${enterOf(k + 1)}(first, context);`);
    add(2, '}');
    // Slot 0's leave() is always the call's last: its `first` is 0 and goes unread.
    const firstParam = k === 0 ? '_first' : 'first';
    add(2, `${leaveOf(k)}(done${t(': __catga.CatgaResult<unknown>')}, ${firstParam}${t(': number')}, ${context})${outcome} {`);
    if (!slot.leave) {
      add(3, `return ${past(k, 'done')};`);
      add(2, '}');
      return;
    }
    add(3, `if (${id} !== undefined && ${id}.leave !== undefined) {`);
    add(4, `let left${outcome};`, 'try {');
    add(5, `left = ${id}.leave(this.${id}, done, this.message, this.startedAt);`);
    add(4, '} catch (thrown) {');
    add(5, `left = ${failed(q(name))};`);
    add(4, '}');
    add(4, `if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => ${past(k, 'settled')}, ${thrown} => ${past(k, failed(q(name)))});`);
    add(4, 'done = left;');
    add(3, '}');
    add(3, `return ${past(k, 'done')};`);
    add(2, '}');
  });
  add(2, `${enterOf(last + 1)}(first${t(': number')}, ${context})${promise} {`);
  add(3, `return route.inner(this.message, context).then((done) => this.${leaveOf(last)}(done, first, context), ${thrown} => this.${leaveOf(last)}(${failed('route.innermost')}, first, context));`);
  add(2, '}');
  add(1, '}');
  add(1, 'return (message, context) => {');
  add(2, 'route.start();');
  add(2, `return new Run(message, route.startedAt()).${enterOf(0)}(0, context);`);
  add(1, '};');
  add(0, '};');
  return lines.join('\n');
}
