import { NEVER_ABORTED, raceAbort } from './abort.js';
import { cancelled, handlerFailed, handlerNotFound, pipelineFailed } from './failures.js';
import { DispatchContext, type MessageBus } from './dispatch-context.js';
import type { AnyHandler } from './handler.js';
import type { HandlerRegistration, HandlerRegistry } from './handler-registry.js';
import type { Event, Message, MessageClass } from './messages.js';
import { handlerMetadataOf, kindOf, messageMetadataOf } from './metadata.js';
import type { MessageDescriptor, OrderedBehavior, PipelineContext, PipelineStep, PrecheckStep } from './pipeline.js';
import { type HandlerFailure, PublishError, type PublishResult } from './publish-result.js';
import { type CatgaResult, fail, type Fail, type Ok, ok } from './result.js';
import { ErrorCode } from './error-codes.js';
import type { InboundDispatcher } from './transport.js';
import { CatgaConfigurationError } from './configuration-error.js';
import { compiledHandlerOf, FUSED_HANDLE, type FusedCall, type FusedHandle } from './compiled.js';
import { type CompiledPipeline, compiledRun } from './compiled-pipeline.js';
import { InFlight } from './in-flight.js';
import { type Counter, type Executor, type HookedLayer, hookedRun, UNCOUNTED } from './hooked-run.js';
import { hooksOf, Stop, type StepHooks } from './step-hooks.js';
import { isThenable } from './thenable.js';

/** A handler ready to run: its pipeline is composed once, when the instance is built. */
interface Route {
  readonly typeName: string;
  readonly handlerName: string;
  readonly execute: Executor;
  /**
   * The same pipeline counting itself in the dispatcher's in-flight calls from start to end, when that costs nothing
   * (the outermost layers are synchronous checks or hooked behaviours). Used when no caller signal can end the call
   * early.
   */
  readonly executeCounted: Executor | undefined;
}

/** A synchronous check (a {@link PrecheckStep}) with the name of its behaviour. */
interface Check {
  readonly name: string;
  readonly precheck: PrecheckStep['precheck'];
}

/** How a handler call ends: counted as ended, with its value or with what it threw. */
function endings(registration: HandlerRegistration, inFlight: Counter): { failed: (thrown: unknown, message: Message, context: PipelineContext) => Fail; succeeded: <T>(value: T) => Ok<T> } {
  const { handlerName, typeName } = registration;
  return {
    failed: (thrown, message, context) => {
      inFlight.end();
      return handlerFailed(thrown, handlerName, typeName, message.messageId, context.signal);
    },
    succeeded: (value) => {
      inFlight.end();
      return { ok: true, value };
    },
  };
}

/**
 * The call of the fused handle() the transformer added to the class: it returns the result itself, so the caller
 * gets that promise as it is. `check`, when given, runs first in the same function (the validation of a compiled
 * message, typically): one layer less per send. A handler whose handle is not the one the copy was made from (a
 * subclass overriding it, a test spy) goes through the plain call instead.
 */
function fusedCall(registration: HandlerRegistration, resolve: (context: PipelineContext) => AnyHandler, inFlight: Counter, fusedFrom: Function, check?: Check): Executor {
  const { failed, succeeded } = endings(registration, inFlight);
  const plain = handlerCall(registration, resolve, inFlight, false);
  const call: FusedCall = { ok: succeeded, fail: (thrown, context) => failed(thrown, context.message as Message, context as PipelineContext) };
  const typeName = registration.typeName;
  return (message, context) => {
    if (check !== undefined) {
      let stop: CatgaResult<unknown> | undefined;
      try {
        stop = check.precheck(message, context);
      } catch (thrown) {
        return Promise.resolve(pipelineFailed(thrown, check.name, typeName, context.signal));
      }
      if (stop !== undefined) return Promise.resolve(stop);
    }
    let handler: AnyHandler;
    try {
      handler = resolve(context);
    } catch (thrown) {
      inFlight.start();
      return Promise.resolve(failed(thrown, message, context));
    }
    if (handler.handle !== fusedFrom) return plain(message, context);
    inFlight.start();
    return (handler as unknown as Record<typeof FUSED_HANDLE, FusedHandle>)[FUSED_HANDLE](message as never, context, call);
  };
}

/**
 * The handler call of one route, counted in `inFlight` from start to end (see {@link Route.executeCounted}). Four
 * shapes, fastest first: the fused handle() the transformer added to the class (with `check` inlined); a compiled
 * handler known to return a promise; one known to return a value; and the run-time path, which probes what handle()
 * returned.
 */
function handlerCall(registration: HandlerRegistration, resolve: (context: PipelineContext) => AnyHandler, inFlight: Counter, useFused = true, check?: Check): Executor {
  const { failed, succeeded } = endings(registration, inFlight);
  const compiled = compiledHandlerOf(registration.handlerClass);
  const invoke = compiled?.invoke as ((handler: AnyHandler, message: Message, context: PipelineContext) => unknown) | undefined;
  const fusedFrom = useFused ? compiled?.fusedFrom : undefined;
  if (invoke !== undefined && fusedFrom !== undefined) return fusedCall(registration, resolve, inFlight, fusedFrom, check);
  if (check !== undefined) return precheckCall(check.name, check.precheck, handlerCall(registration, resolve, inFlight, useFused), registration.typeName);
  const onReject = (message: Message, context: PipelineContext) => (thrown: unknown) => failed(thrown, message, context);
  if (invoke !== undefined && compiled?.returns === 'promise') {
    // The transformer read handle()'s return type: no thenable probe, and the handler's own promise is chained
    // (one reaction) instead of awaited in an async frame of ours.
    return (message, context) => {
      inFlight.start();
      try {
        return (invoke(resolve(context), message, context) as Promise<unknown>).then(succeeded, onReject(message, context));
      } catch (thrown) {
        return Promise.resolve(failed(thrown, message, context));
      }
    };
  }
  if (invoke !== undefined && compiled?.returns === 'value') {
    // A synchronous handler: no async frame at all.
    return (message, context) => {
      inFlight.start();
      try {
        return Promise.resolve(succeeded(invoke(resolve(context), message, context)));
      } catch (thrown) {
        return Promise.resolve(failed(thrown, message, context));
      }
    };
  }
  return (message, context) => {
    inFlight.start();
    try {
      const output: unknown = resolve(context).handle(message as never, context);
      if (!isThenable(output)) return Promise.resolve(succeeded(output));
      return Promise.resolve(output).then(succeeded, onReject(message, context));
    } catch (thrown) {
      return Promise.resolve(failed(thrown, message, context));
    }
  };
}

/** A synchronous check composed inline: no promise, no closure per call. */
function precheckCall(name: string, precheck: PrecheckStep['precheck'], next: Executor, typeName: string): Executor {
  return (message, context) => {
    let stop: CatgaResult<unknown> | undefined;
    try {
      stop = precheck(message, context);
    } catch (thrown) {
      return Promise.resolve(pipelineFailed(thrown, name, typeName, context.signal));
    }
    return stop === undefined ? next(message, context) : Promise.resolve(stop);
  };
}

function behaviorCall(name: string, step: PipelineStep, next: Executor, typeName: string): Executor {
  const precheck = (step as Partial<PrecheckStep>).precheck;
  if (typeof precheck === 'function') return precheckCall(name, precheck, next, typeName);
  // Enforces "a behaviour never rejects and always returns a result" with then() instead of another async frame:
  // each layer of the pipeline then costs the step's own promise only.
  return (message, context) => {
    const onThrow = (thrown: unknown): CatgaResult<unknown> => pipelineFailed(thrown, name, typeName, context.signal);
    const checked = (result: unknown): CatgaResult<unknown> =>
      typeof (result as { ok?: unknown } | undefined)?.ok === 'boolean'
        ? (result as CatgaResult<unknown>)
        : onThrow(new TypeError(`handle() returned ${String(result)} instead of a CatgaResult`));
    let pending: Promise<CatgaResult<unknown>>;
    try {
      pending = step(message, context, (inner) => next(message, inner ?? context));
    } catch (thrown) {
      return Promise.resolve(onThrow(thrown));
    }
    // A JavaScript behaviour may return a plain result instead of a promise.
    if (!isThenable(pending)) return Promise.resolve(checked(pending));
    return pending.then(checked, onThrow);
  };
}

/** A synchronous check as hooks: it stops the call with its result, or lets it through. */
function checkHooks(precheck: PrecheckStep['precheck']): StepHooks {
  return {
    enter(message, context) {
      const stop = precheck(message, context);
      return stop === undefined ? undefined : new Stop(stop);
    },
  };
}

/** A step as the composition takes it: with its hooks when it has any (a synchronous check counts as one). */
interface Layer {
  readonly name: string;
  readonly step: PipelineStep;
  readonly hooks: StepHooks | undefined;
  readonly precheck: PrecheckStep['precheck'] | undefined;
}

function layerOf(name: string, step: PipelineStep): Layer {
  const precheck = (step as Partial<PrecheckStep>).precheck;
  const checks = typeof precheck === 'function' ? precheck : undefined;
  return { name, step, hooks: hooksOf(step) ?? (checks === undefined ? undefined : checkHooks(checks)), precheck: checks };
}

/**
 * Composes the pipeline around `handler`, innermost layer first. Consecutive hooked layers run from one function
 * unless they are all synchronous checks, which chain inline: the handler's generated pipeline when they fit its
 * slots, else the shared {@link hookedRun}. Any other step wraps what is inside it. `counter`, when given, is
 * counted by the outermost hooked run (the caller makes sure it is outermost).
 */
function composePipeline(layers: readonly Layer[], handler: Executor, typeName: string, pipeline: CompiledPipeline | undefined, counter: Counter = UNCOUNTED): Executor {
  let next = handler;
  let end = layers.length;
  while (end > 0) {
    const layer = layers[end - 1]!;
    if (layer.hooks === undefined) {
      next = behaviorCall(layer.name, layer.step, next, typeName);
      end--;
      continue;
    }
    let start = end - 1;
    while (start > 0 && layers[start - 1]!.hooks !== undefined) start--;
    const group = layers.slice(start, end);
    if (group.every((member) => member.precheck !== undefined)) {
      for (let i = group.length - 1; i >= 0; i--) next = precheckCall(group[i]!.name, group[i]!.precheck!, next, typeName);
    } else {
      const hooked: HookedLayer[] = group.map(({ name, hooks }) => ({ name, hooks: hooks! }));
      const counted = start === 0 ? counter : UNCOUNTED;
      next = (pipeline === undefined ? undefined : compiledRun(pipeline, hooked, next, typeName, counted)) ?? hookedRun(hooked, next, typeName, counted);
    }
    end = start;
  }
  return next;
}

/** The step a behaviour contributes for one message type, or `undefined` when it stays out. */
function stepFor(ordered: OrderedBehavior, descriptor: MessageDescriptor): PipelineStep | undefined {
  const { behavior } = ordered;
  if (behavior.forMessage !== undefined) return behavior.forMessage(descriptor);
  if (behavior.handle === undefined || behavior.appliesTo?.(descriptor) === false) return undefined;
  return behavior.handle.bind(behavior);
}

function describe(registration: HandlerRegistration): MessageDescriptor {
  return {
    typeName: registration.typeName,
    kind: registration.kind,
    handlerName: registration.handlerName,
    messageClass: registration.messageClass,
    options: (messageMetadataOf(registration.messageClass)?.options ?? {}) as Readonly<Record<string, unknown>>,
  };
}

function resolver(registration: HandlerRegistration, services: unknown): (context: PipelineContext) => AnyHandler {
  const { factory, handlerName, lifetime } = registration;
  const check = (handler: AnyHandler): AnyHandler => {
    if (typeof handler?.handle !== 'function') {
      throw new CatgaConfigurationError(`handlers.${handlerName}`, 'the factory returned an object without handle()');
    }
    return handler;
  };
  if (lifetime === 'scoped') return (context) => check(factory(services, context));
  let singleton: AnyHandler;
  try {
    // Built at start-up so a broken factory stops the app instead of failing its first message.
    singleton = check(factory(services, undefined as unknown as PipelineContext));
  } catch (thrown) {
    if (thrown instanceof CatgaConfigurationError) throw thrown;
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new CatgaConfigurationError(`handlers.${handlerName}`, `the factory threw: ${reason}`);
  }
  return () => singleton;
}

/**
 * The local handlers of one Catga instance: what transports deliver to. Routes are keyed by message class (an
 * identity lookup, no string hashing on the hot path).
 */
export class LocalDispatcher implements InboundDispatcher {
  private readonly requests = new Map<Function, Route>();
  private readonly events = new Map<Function, Route[]>();
  private readonly inFlight = new InFlight();
  private lastClass: Function | undefined;
  private lastRoute: Route | undefined;
  readonly messageTypes: ReadonlyMap<string, MessageClass>;
  readonly requestClasses: readonly MessageClass[];
  readonly eventHandlers: ReadonlyMap<MessageClass, readonly string[]>;
  readonly leaderOnlyHandlers: ReadonlyMap<MessageClass, readonly string[]>;

  constructor(
    readonly instanceName: string,
    registry: HandlerRegistry,
    services: unknown,
    behaviors: readonly OrderedBehavior[],
    private readonly bus: MessageBus,
  ) {
    this.messageTypes = registry.messageTypes;
    const leaderOnly = new Map<MessageClass, string[]>();
    const ordered = [...behaviors].sort((a, b) => a.order - b.order);
    for (const registration of registry.registrations) {
      const descriptor = describe(registration);
      const layers: Layer[] = [];
      for (const entry of ordered) {
        const step = stepFor(entry, descriptor);
        if (step !== undefined) layers.push(layerOf(entry.behavior.name, step));
      }
      const { typeName } = registration;
      const resolve = resolver(registration, services);
      const pipeline = compiledHandlerOf(registration.handlerClass)?.pipeline;
      // A route counts itself in the calls in flight when that costs nothing: its outermost layers are synchronous
      // checks (the handler call's own count is the route's) or hooked behaviours (their run counts itself).
      let executeCounted: Executor | undefined;
      const [single, ...more] = layers;
      if (layers.every((layer) => layer.precheck !== undefined)) {
        // The commonest compiled pipeline, validation alone, goes inline into the fused call.
        executeCounted =
          single !== undefined && more.length === 0
            ? handlerCall(registration, resolve, this.inFlight, true, { name: single.name, precheck: single.precheck! })
            : composePipeline(layers, handlerCall(registration, resolve, this.inFlight), typeName, pipeline);
      } else if (single?.hooks !== undefined) {
        executeCounted = composePipeline(layers, handlerCall(registration, resolve, UNCOUNTED), typeName, pipeline, this.inFlight);
      }
      const route: Route = {
        typeName: registration.typeName,
        handlerName: registration.handlerName,
        execute: composePipeline(layers, handlerCall(registration, resolve, UNCOUNTED), typeName, pipeline),
        executeCounted,
      };
      if (handlerMetadataOf(registration.handlerClass)?.options.leaderOnly === true) {
        const names = leaderOnly.get(registration.messageClass) ?? [];
        names.push(registration.handlerName);
        leaderOnly.set(registration.messageClass, names);
      }
      if (registration.kind === 'event') {
        const list = this.events.get(registration.messageClass) ?? [];
        list.push(route);
        this.events.set(registration.messageClass, list);
      } else {
        this.requests.set(registration.messageClass, route);
      }
    }
    this.requestClasses = [...this.requests.keys()] as MessageClass[];
    const eventHandlers = new Map<MessageClass, readonly string[]>();
    for (const [eventClass, routes] of this.events) eventHandlers.set(eventClass as MessageClass, routes.map((route) => route.handlerName));
    this.eventHandlers = eventHandlers;
    this.leaderOnlyHandlers = leaderOnly;
  }

  /** Resolves once every call dispatched here has settled (a call the caller cancelled has settled). */
  whenIdle(): Promise<void> {
    return this.inFlight.whenIdle();
  }

  /** Whether a command or query of this class has a local handler. */
  hasRequestHandler(messageClass: Function): boolean {
    return this.requests.has(messageClass);
  }

  dispatchRequest(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const messageClass = message.constructor;
    // A one-entry cache in front of the map: a stream of one message type (a hot loop, a batch) skips the lookup.
    let route = messageClass === this.lastClass ? this.lastRoute : undefined;
    if (route === undefined) {
      route = this.requests.get(messageClass);
      this.lastClass = messageClass;
      this.lastRoute = route;
    }
    if (route === undefined) {
      const kind = kindOf(message.constructor) ?? 'command';
      return Promise.resolve(handlerNotFound(kind, message.messageType, this.instanceName));
    }
    return this.run(route, message, signal);
  }

  async dispatchEvent(event: Event, signal: AbortSignal): Promise<PublishResult> {
    const routes = this.events.get(event.constructor);
    const eventType = event.messageType;
    if (routes === undefined) return ok({ eventType, handlers: 0 });
    // Every handler runs, concurrently; one failing does not stop the others.
    const results = await Promise.all(routes.map((route) => this.run(route, event, signal)));
    let failures: HandlerFailure[] | undefined;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      if (!result.ok) (failures ??= []).push({ handler: routes[i]!.handlerName, error: result.error });
    }
    if (failures === undefined) return ok({ eventType, handlers: routes.length });
    return { ok: false, error: new PublishError(eventType, routes.length, failures) };
  }

  dispatchEventTo(event: Event, handlerName: string, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const route = this.events.get(event.constructor)?.find((candidate) => candidate.handlerName === handlerName);
    if (route === undefined) {
      return Promise.resolve(
        fail(ErrorCode.HANDLER_NOT_FOUND, `Event "${event.messageType}" has no handler ${handlerName} in Catga instance "${this.instanceName}"`, {
          details: { messageType: event.messageType, kind: 'event', handler: handlerName, instance: this.instanceName },
        }),
      );
    }
    return this.run(route, event, signal);
  }

  private run(route: Route, message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    if (signal !== NEVER_ABORTED && signal.aborted) return Promise.resolve(cancelled(route.typeName, signal));
    const context = new DispatchContext(this.bus, message, signal);
    if (signal === NEVER_ABORTED && route.executeCounted !== undefined) return route.executeCounted(message, context);
    this.inFlight.start();
    const work = route.execute(message, context);
    const settled = signal === NEVER_ABORTED ? work : raceAbort(work, signal, () => cancelled(route.typeName, signal));
    settled.then(this.ended, this.ended);
    return settled;
  }

  private readonly ended = (): void => this.inFlight.end();
}
